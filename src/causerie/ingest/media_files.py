"""Where a source's recording is, for the player: a copy kept when it was uploaded, else the
local file it was added from (`causerie add`).

    keep_media(home, data, "talk.mp4")        # <home>/media/<sha256>.mp4 (the upload job does)
    media_file(home, source)                  # that copy, or the local file, or None
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path, PurePosixPath

from causerie.ingest.loaders.media import AUDIO, VIDEO
from causerie.types import Source

FOLDER = "media"
_HASHES: dict[tuple[str, int, int], str] = {}  # (path, size, mtime_ns) -> sha256


def _suffix(name: str) -> str:
    suffix = PurePosixPath(name.split("?", 1)[0]).suffix.lower()
    return suffix if suffix in AUDIO or suffix in VIDEO else ""


def keep_media(home: Path, data: bytes, name: str) -> Path | None:
    """Keep an uploaded recording under its content hash (once); None for another file."""
    suffix = _suffix(name)
    if not suffix:
        return None
    folder = home / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{hashlib.sha256(data).hexdigest()}{suffix}"
    if not target.exists():
        fd, tmp = tempfile.mkstemp(prefix=".media.", dir=folder)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, target)
    return target


def media_file(home: Path, source: Source) -> Path | None:
    suffix = _suffix(source.uri)
    if not suffix:
        return None
    kept = home / FOLDER / f"{source.content_hash}{suffix}"
    if kept.is_file():
        return kept
    if "://" not in source.uri:
        local = Path(source.uri).resolve()
        if local.is_file() and _sha256(local) == source.content_hash:  # this very recording
            return local
    return None


def _sha256(path: Path) -> str:
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _HASHES:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while block := handle.read(4 * 1024 * 1024):
                digest.update(block)
        _HASHES[key] = digest.hexdigest()
    return _HASHES[key]
