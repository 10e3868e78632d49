"""Where the bytes of queued jobs wait: `$CAUSERIE_HOME/spool/<job id>/`, one folder per job,
written before the job is submitted and removed when it ends (done, failed or cancelled).
Uploads are never held in memory while they wait."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path
from typing import BinaryIO

_JOB_ID = re.compile(r"^[0-9a-f]{32}$")
CHUNK = 1024 * 1024


class Spool:
    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def in_folder(cls, home: Path) -> Spool:
        return cls(home / "spool")

    def folder(self, job_id: str) -> Path:
        if not _JOB_ID.match(job_id):
            raise ValueError(f"not a job id: {job_id!r}")
        return self.root / job_id

    def write(self, job_id: str, name: str, stream: BinaryIO, max_bytes: int) -> int | None:
        """Copy `stream` to the job's folder as `name`, in chunks; its size, or None (and
        nothing kept) when it is larger than max_bytes."""
        folder = self.folder(job_id)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        written = 0
        with path.open("wb") as out:
            while chunk := stream.read(CHUNK):
                written += len(chunk)
                if written > max_bytes:
                    break
                out.write(chunk)
        if written > max_bytes:
            path.unlink()
            return None
        return written

    def remove(self, job_id: str) -> None:
        shutil.rmtree(self.folder(job_id), ignore_errors=True)

    def job_ids(self, older_than_s: float = 0.0) -> list[str]:
        """The job ids that have a folder here, written at least `older_than_s` seconds ago."""
        if not self.root.is_dir():
            return []
        cutoff = time.time() - older_than_s
        return [
            p.name
            for p in self.root.iterdir()
            if _JOB_ID.match(p.name) and p.stat().st_mtime <= cutoff
        ]
