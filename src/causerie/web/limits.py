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
    chat_waiting_per_user: int = 3  # chat turns one user may have waiting for the model ...
    chat_waiting: int = 64  # ... and all users together (then 429 / 503 with Retry-After)
    max_jobs_kept: int = 50  # finished ingestion jobs remembered per user
    max_password_checks: int = 2  # argon2 verifications (64 MiB each) running at once
    max_queued_jobs: int = 5  # ingestion jobs one user may have waiting or running
    max_queued_bytes: int = 200 * MIB  # upload bytes one user may have waiting
    file_wall_s: float = 60.0  # reading one file (in a child process), wall clock ...
    file_cpu_s: int = 60  # ... processor time ...
    file_memory_bytes: int = 1024 * MIB  # ... and address space

    @classmethod
    def from_settings(cls, settings: Settings) -> WebLimits:
        per_file = settings.max_source_mb * MIB
        per_request = per_file * UPLOAD_FILES_PER_REQUEST
        return cls(max_file_bytes=per_file, max_upload_bytes=per_request,
                   max_queued_bytes=2 * per_request, chat_burst=settings.chat_burst,
                   chat_refill_s=settings.chat_refill_s)  # fmt: skip
