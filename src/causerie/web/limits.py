"""Limits of the web server: request sizes, upload counts, the chat rate per user."""

from __future__ import annotations

from dataclasses import dataclass

from causerie.config import Settings
from causerie.ingest.limits import MIB

UPLOAD_FILES_PER_REQUEST = 5  # the upload request may carry this many full-size files


@dataclass(frozen=True, slots=True)
class WebLimits:
    max_body_bytes: int = 1 * MIB  # any request body except an upload
    max_upload_bytes: int = 100 * MIB  # a whole upload request (all its files)
    max_file_bytes: int = 20 * MIB  # one uploaded file
    max_files: int = 100  # files in one upload request
    chat_burst: int = 10  # chat requests a user may send at once ...
    chat_refill_s: float = 3.0  # ... then one more every this many seconds
    max_jobs_kept: int = 50  # finished ingestion jobs remembered per user

    @classmethod
    def from_settings(cls, settings: Settings) -> WebLimits:
        per_file = settings.max_source_mb * MIB
        return cls(max_file_bytes=per_file, max_upload_bytes=per_file * UPLOAD_FILES_PER_REQUEST)
