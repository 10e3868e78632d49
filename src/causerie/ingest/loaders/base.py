"""What every loader shares: its registry entry, text decoding, titles and line clean-up."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from causerie.errors import LoaderError
from causerie.ingest.limits import Limits
from causerie.types import Document

# A loader reads the raw bytes of one input; `name` is the file name or URL as the user gave
# it, used as Document.uri and in every error message.
LoadFunction = Callable[[bytes, str, Limits], Document]


@dataclass(frozen=True, slots=True)
class LoaderSpec:
    """One format: how to recognise it (extensions, media types) and how to read it."""

    name: str
    media_type: str  # the canonical media type stored on the Document
    extensions: tuple[str, ...]  # lowercase, with the dot: (".md", ".markdown")
    media_types: tuple[str, ...]  # every Content-Type that selects this loader for a URL
    load: LoadFunction
    media: bool = False  # a recording: its own size cap (Limits.max_media_bytes), long to read


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def decode_text(data: bytes, name: str) -> str:
    """Decode bytes as text: UTF-8 (with or without BOM), else a detected charset, else Latin-1.

    Raises LoaderError when the bytes look binary rather than text. Line ends become '\\n'.
    """
    text: str | None = None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = _detect_and_decode(data)
    if text is None:
        if b"\x00" in data[:4096]:
            raise LoaderError(name, "cannot be read as text: it looks like binary data")
        text = data.decode("latin-1")
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    sample = text[:4096]
    if sample and len(_CONTROL.findall(sample)) > max(8, len(sample) // 20):
        raise LoaderError(name, "cannot be read as text: it looks like binary data")
    return _CONTROL.sub("", text)


def _detect_and_decode(data: bytes) -> str | None:
    if not data.startswith(_BOMS) and b"\x00" in data[:4096]:
        return None  # NUL bytes without a UTF-16/32 byte order mark: binary, not text
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 1024 * 1024]).best()
    if best is None or best.encoding is None:
        return None
    try:
        return data.decode(best.encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def title_from_name(name: str) -> str:
    """A fallback title: the file name without extension, or the URL's last path segment."""
    if "://" in name:
        parts = urlsplit(name)
        segment = PurePosixPath(unquote(parts.path)).name
        return PurePosixPath(segment).stem or parts.hostname or name
    stem = PurePosixPath(name.replace("\\", "/")).stem
    return stem or name


def clean_lines(text: str) -> str:
    """Trim trailing spaces on each line and blank lines around the text; keep the rest as is."""
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def collapse_spaces(text: str) -> str:
    """Collapse runs of whitespace (newlines included) to one space: for cue and cell text."""
    return " ".join(text.split())
