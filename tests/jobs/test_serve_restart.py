"""A real `causerie serve` process killed with SIGKILL in the middle of an ingestion job, then
started again: the job is claimed again and finishes once, each file stored once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from serve_helpers import Server, bearer

from causerie.accounts import SQLiteAccountStore
from causerie.config import Settings
from causerie.jobs import SQLiteJobQueue
from causerie.types import Owner

FILES = 16


@pytest.fixture
def servers(settings: Settings) -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def note(n: int) -> bytes:
    words = " ".join(f"word{n}x{k}" for k in range(400))
    return f"# Note {n}\n\nNote number {n} is about the valve {n}. {words}\n".encode()


def test_a_job_survives_a_sigkill_of_the_server_and_finishes_once(
    settings: Settings, servers: list[Server]
) -> None:
    home = settings.home
    accounts = SQLiteAccountStore.in_folder(home)
    accounts.create_user("alice", "correct horse battery staple")
    token = accounts.create_token("alice", "test").secret
    accounts.close()
    auth = bearer(token)

    first = Server(home)
    servers.append(first)
    first.start(token)
    book = httpx.post(f"{first.url}/api/notebooks", json={"name": "Notes"}, headers=auth)
    assert book.status_code == 201, book.text
    notebook_id = book.json()["id"]
    files = [("files", (f"note{n:02d}.md", note(n), "text/markdown")) for n in range(FILES)]
    sent = httpx.post(f"{first.url}/api/notebooks/{notebook_id}/sources", files=files,
                      headers=auth, timeout=30)  # fmt: skip
    assert sent.status_code == 202, sent.text
    job_id = sent.json()["id"]
    assert any((home / "spool" / job_id).iterdir())  # the bytes wait on disk

    seen: dict[str, Any] = {}
    deadline = time.monotonic() + 60
    while not (2 <= seen.get("done", 0) < FILES - 2):  # mid-job: some files in, most not
        seen = httpx.get(f"{first.url}/api/jobs/{job_id}", headers=auth).json()
        assert seen["state"] != "done", "the job ended before the server could be killed"
        assert time.monotonic() < deadline, seen
        time.sleep(0.005)
    first.kill()

    second = Server(home)
    servers.append(second)
    second.start(token)
    deadline = time.monotonic() + 120
    while (job := httpx.get(f"{second.url}/api/jobs/{job_id}", headers=auth).json())[
        "state"
    ] != "done":
        assert time.monotonic() < deadline, job
        time.sleep(0.1)

    statuses = [item["status"] for item in job["items"]]
    assert job["error"] is None and job["errors"] == 0, job
    assert set(statuses) <= {"added", "unchanged"} and statuses.count("unchanged") <= 1, statuses
    sources = httpx.get(f"{second.url}/api/notebooks/{notebook_id}/sources", headers=auth)
    uris = sorted(source["uri"] for source in sources.json()["sources"])
    assert uris == [f"note{n:02d}.md" for n in range(FILES)]  # each file once
    queue = SQLiteJobQueue(settings.database_path)
    record = queue.get(Owner("alice"), job_id)
    queue.close()
    assert record.state == "done" and record.attempts == 2  # claimed again after the kill
    assert not (home / "spool" / job_id).exists()
