"""Size, count and time limits checked before and while parsing untrusted input."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what ingestion accepts. Tests pass small values instead of writing big files."""

    max_bytes: int = 20 * MIB  # a local file, checked before it is read
    max_pdf_pages: int = 3000
    max_uncompressed_bytes: int = 100 * MIB  # a .docx (zip) once expanded, all entries together
    max_zip_entries: int = 2000
    url_timeout_s: float = 20.0  # the whole download, redirects included
    url_max_bytes: int = 10 * MIB
    max_redirects: int = 5


def describe_size(n_bytes: int) -> str:
    """A size in plain words: '512 bytes', '3.4 KB', '25.0 MB' (1 KB = 1024 bytes)."""
    if n_bytes < 1024:
        return f"{n_bytes} bytes"
    if n_bytes < MIB:
        return f"{n_bytes / 1024:.1f} KB"
    return f"{n_bytes / MIB:.1f} MB"


DEFAULT_LIMITS = Limits()
