"""`causerie worker` as a real process: it runs the jobs queued in the database (here by a
`serve --no-worker` server, which runs none itself) and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from serve_helpers import Server, bearer

from causerie.accounts import SQLiteAccountStore
from causerie.config import Settings


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def test_serve_no_worker_queues_and_a_worker_process_runs_the_jobs(
    settings: Settings, processes: list[subprocess.Popen[bytes]]
) -> None:
    accounts = SQLiteAccountStore.in_folder(settings.home)
    accounts.create_user("alice", "correct horse battery staple")
    token = accounts.create_token("alice", "test").secret
    accounts.close()
    auth = bearer(token)

    server = Server(settings.home, extra=["--no-worker"])
    try:
        server.start(token)
        book = httpx.post(f"{server.url}/api/notebooks", json={"name": "N"}, headers=auth)
        notebook_id = book.json()["id"]
        files = [("files", ("a.md", b"# A\n\nThe valve opens at dawn.\n", "text/markdown"))]
        sent = httpx.post(f"{server.url}/api/notebooks/{notebook_id}/sources", files=files,
                          headers=auth)  # fmt: skip
        job_id = sent.json()["id"]
        time.sleep(1.5)  # no worker in the server: the job waits
        assert httpx.get(f"{server.url}/api/jobs/{job_id}", headers=auth).json()["state"] == (
            "queued"
        )
        listed = subprocess.run(
            [sys.executable, "-m", "causerie", "--user", "alice", "jobs"],
            capture_output=True, text=True, env=os.environ.copy(), timeout=60, check=True,
        )  # fmt: skip
        assert job_id in listed.stdout and "queued" in listed.stdout

        log = settings.home / "worker.log"
        with log.open("wb") as stderr:
            worker = subprocess.Popen([sys.executable, "-m", "causerie", "worker"],
                                      stderr=stderr, env=os.environ.copy())  # fmt: skip
        processes.append(worker)
        deadline = time.monotonic() + 60
        while (job := httpx.get(f"{server.url}/api/jobs/{job_id}", headers=auth).json())[
            "state"
        ] != "done":
            assert time.monotonic() < deadline, job
            time.sleep(0.1)
        assert job["items"][0]["status"] == "added"
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0, log.read_text()
        assert "worker stopped" in log.read_text()
    finally:
        server.stop()
