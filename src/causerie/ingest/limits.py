"""Size, count and time limits checked before and while parsing untrusted input, and the few
settings a loader needs (which speech model, which languages)."""

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
    # recordings (causerie.ingest.loaders.media)
    max_media_bytes: int = 1024 * MIB  # an audio or video file, checked before it is read
    max_media_s: float = 3 * 3600.0  # a recording's duration
    speech_model: str = ""  # a CTranslate2 Whisper folder; "" = the offline Whisper base ...
    speech_home: str = ""  # ... assembled under this data folder ("" = causerie.config.data_home)
    speech_languages: tuple[str, ...] = ("fr", "en")  # a recording's language is one of these
    speech_threads: int = 0  # 0 = all cores

    def max_bytes_for(self, media: bool) -> tuple[int, str]:
        """The size cap of a file (a recording's or another's) and the setting that raises it."""
        if media:
            return self.max_media_bytes, "CAUSERIE_MAX_MEDIA_MB"
        return self.max_bytes, "CAUSERIE_MAX_SOURCE_MB"


def describe_size(n_bytes: int) -> str:
    """A size in plain words: '512 bytes', '3.4 KB', '25.0 MB' (1 KB = 1024 bytes)."""
    if n_bytes < 1024:
        return f"{n_bytes} bytes"
    if n_bytes < MIB:
        return f"{n_bytes / 1024:.1f} KB"
    return f"{n_bytes / MIB:.1f} MB"


DEFAULT_LIMITS = Limits()
