"""Uploaded files: safe names, and loading from the bytes received (nothing is written to disk
under a name the client chose)."""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath

from causerie.errors import LoaderError, UnsupportedFormat
from causerie.ingest.limits import Limits, describe_size
from causerie.ingest.loaders import load_bytes, loader_for_extension, supported_extensions
from causerie.types import Document

MAX_NAME_CHARS = 160
# C0 and C1 controls, shell- and path-special characters, and the invisible direction marks
# and overrides (U+200E/F, U+202A-E, U+2066-9) that make 'evil\u202etxt.md' read otherwise
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f<>:\"|?*\\/\u200e\u200f\u202a-\u202e\u2066-\u2069]+")


def safe_file_name(raw: str | None) -> str:
    """The name's last path component, NFC, without control or shell-special characters,
    at most MAX_NAME_CHARS (keeping the extension). LoaderError when nothing is left."""
    original = raw or ""
    name = unicodedata.normalize("NFC", original).replace("\\", "/").split("/")[-1]
    name = _UNSAFE.sub("_", name).strip().strip(".").strip()
    if not name or set(name) <= {"_", " "}:
        raise LoaderError(repr(original), "is not a usable file name")
    if len(name) > MAX_NAME_CHARS:
        suffix = PurePosixPath(name).suffix[:16]
        name = name[: MAX_NAME_CHARS - len(suffix)].rstrip() + suffix
    return name


def load_upload(name: str, data: bytes, limits: Limits) -> Document:
    """Read an uploaded file (already named safely) by its extension."""
    suffix = PurePosixPath(name).suffix
    spec = loader_for_extension(suffix)
    if spec is None:
        kind = f"files ending in {suffix}" if suffix else "files without an extension"
        raise UnsupportedFormat(
            name, f"{kind} are not supported; supported: {', '.join(supported_extensions())}"
        )
    if not data:
        raise LoaderError(name, "is an empty file")
    cap, setting = limits.max_bytes_for(spec.media)
    if len(data) > cap:
        raise LoaderError(name, too_large(len(data), cap, setting))
    return load_bytes(data, name, spec, limits)


def too_large(size: int, limit: int, setting: str = "CAUSERIE_MAX_SOURCE_MB") -> str:
    return (
        f"file too large ({describe_size(size)}); the limit is {describe_size(limit)}"
        f" ({setting} raises it)"
    )
