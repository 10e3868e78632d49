"""A real `causerie serve` process killed with SIGKILL in the middle of an ingestion job, then
started again: the job is claimed again and finishes once, each file stored once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from causerie.accounts import AccountStore
from causerie.config import Settings
from causerie.jobs import SQLiteJobQueue
from causerie.types import Owner

FILES = 16


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """`python -m causerie serve` on a free loopback port, with its stderr in a file."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = home / f"serve-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, token: str) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "causerie", "serve", "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, env=os.environ.copy(),
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if httpx.get(f"{self.url}/api/me", headers=bearer(token)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


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
    accounts = AccountStore.in_folder(home)
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
