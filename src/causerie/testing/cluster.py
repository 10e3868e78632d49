"""A local cluster on one PostgreSQL database, and simulated users driving it: what the cluster
test (tests/postgres/test_cluster.py) and the scale benchmark (bench/scale_bench.py) run.

    with LocalCluster(home, url, serve=2, workers=2) as cluster:     # real processes
        users = make_users(url, 20)                                   # accounts and API tokens
        result = asyncio.run(drive(cluster.urls, users, uploads=1, chats=2))
    check_cluster(url, users, result)                                 # once, isolated, no 5xx

The processes are `python -m causerie serve --no-worker` and `python -m causerie worker`, with
the fake provider and embedder (the model's words are not the point; the plumbing is). Each
user's requests alternate between the web processes: an upload sent to one is followed on the
other while a worker (any) runs it, and questions go to either. The client is bounded: one
request at a time per user, `users` at once; a 429 waits its Retry-After and tries again.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

PASSWORD = "a long enough cluster passphrase"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LocalCluster:
    """`serve` and `worker` processes sharing one data folder (the upload spool) and one
    PostgreSQL database. Their output goes to logs in `home`."""

    def __init__(self, home: Path, url: str, *, serve: int = 2, workers: int = 2) -> None:
        self.home = home
        self.env = {
            **os.environ,
            "CAUSERIE_HOME": str(home),
            "CAUSERIE_DATABASE_URL": url,
            "CAUSERIE_PROVIDER": "fake",
            "CAUSERIE_EMBEDDER": "fake",
            "CAUSERIE_CHAT_BURST": "1000",  # the load, not the per-user limit, is measured
        }
        self.ports = [_free_port() for _ in range(serve)]
        self.urls = [f"http://127.0.0.1:{port}" for port in self.ports]
        self.workers = workers
        self.processes: list[subprocess.Popen[bytes]] = []

    def _start(self, args: list[str], log_name: str) -> None:
        with (self.home / log_name).open("wb") as log:
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "causerie", *args],
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )

    def __enter__(self) -> LocalCluster:
        self.home.mkdir(parents=True, exist_ok=True)
        for port in self.ports:
            self._start(["serve", "--port", str(port), "--no-worker"], f"serve-{port}.log")
        for index in range(self.workers):
            self._start(["worker"], f"worker-{index}.log")
        deadline = time.monotonic() + 120
        for url in self.urls:
            while True:
                self._check_alive()
                try:
                    if httpx.get(f"{url}/api/me").status_code in (200, 401):
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{url} did not start: see {self.home}")
                time.sleep(0.2)
        return self

    def _check_alive(self) -> None:
        for process in self.processes:
            if process.poll() is not None:
                logs = "\n".join(p.read_text()[-2000:] for p in self.home.glob("*.log"))
                raise RuntimeError(f"a cluster process ended ({process.args!r}):\n{logs}")

    def __exit__(self, *exc_info: object) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def make_users(url: str, count: int) -> list[tuple[str, str]]:
    """`count` accounts with an API token each: [(name, token)]."""
    from causerie.accounts.postgres import PostgresAccountStore

    accounts = PostgresAccountStore(url)
    try:
        users = []
        for index in range(count):
            name = f"user{index:03d}"
            accounts.create_user(name, PASSWORD)
            users.append((name, accounts.create_token(name, "cluster").secret))
        return users
    finally:
        accounts.close()


@dataclass
class DriveResult:
    seconds: float
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    uploads: int = 0
    chats: int = 0
    notebooks: dict[str, str] = field(default_factory=dict)  # user -> notebook id
    jobs: dict[str, list[str]] = field(default_factory=dict)  # user -> job ids

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def note_for(user: str, index: int) -> bytes:
    """A small Markdown file, distinct per user and upload."""
    return (
        f"# Notes of {user}, part {index}\n\nThe {user} garden plan number {index} keeps"
        f" {index + 3} rows of leeks and {index + 5} rows of beans. Le compost de {user} est"
        f" retourné toutes les {index + 2} semaines, et la serre ouvre à {8 + index % 3} h.\n"
    ).encode()


async def _user(
    client: httpx.AsyncClient, urls: list[str], user: str, token: str, uploads: int,
    chats: int, result: DriveResult,
) -> None:  # fmt: skip
    auth = {"Authorization": f"Bearer {token}"}
    turn = 0

    async def call(method: str, path: str, **kwargs: Any) -> httpx.Response:
        nonlocal turn
        while True:
            url = urls[turn % len(urls)]
            turn += 1
            response = await client.request(method, url + path, headers=auth, **kwargs)
            result.statuses[response.status_code] += 1
            if response.status_code == 429:
                await asyncio.sleep(float(response.headers.get("retry-after", "1")))
                continue
            if response.status_code >= 400:
                result.errors.append(f"{user} {method} {path}: {response.status_code}")
            return response

    made = await call("POST", "/api/notebooks", json={"name": "notes"})
    notebook = made.json()["id"]
    result.notebooks[user] = notebook
    result.jobs[user] = []
    for index in range(uploads):
        files = {"files": (f"notes-{index}.md", note_for(user, index), "text/markdown")}
        sent = await call("POST", f"/api/notebooks/{notebook}/sources", files=files)
        job = sent.json()["id"]
        result.jobs[user].append(job)
        while (await call("GET", f"/api/jobs/{job}")).json()["state"] != "done":
            await asyncio.sleep(0.2)
        result.uploads += 1
    for index in range(chats):
        question = "How many rows of leeks?" if index % 2 == 0 else "Quand la serre ouvre-t-elle ?"
        await call("POST", f"/api/notebooks/{notebook}/chat", json={"question": question})
        result.chats += 1


async def drive(
    urls: list[str], users: list[tuple[str, str]], *, uploads: int, chats: int
) -> DriveResult:
    """Every user at once (one request at a time each): `uploads` files (each followed until
    its job is done), then `chats` questions; the statuses counted."""
    result = DriveResult(seconds=0.0)
    started = time.perf_counter()
    # idle connections are dropped before uvicorn closes them (its keep-alive is 5 s): reusing
    # one the server is closing fails with a ReadError, a race of the client, not the cluster
    limits = httpx.Limits(max_connections=len(users) * 2, keepalive_expiry=2.0)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        await asyncio.gather(
            *(_user(client, urls, name, token, uploads, chats, result) for name, token in users)
        )
    result.seconds = time.perf_counter() - started
    return result


def check_cluster(url: str, result: DriveResult) -> dict[str, int]:
    """What the database says after a drive: each job claimed once and done, each upload
    stored once in its owner's notebook, no row whose owner differs from its parent's. The
    counts of what was found wrong (all 0 when the cluster behaved)."""
    import psycopg

    jobs = [job for ids in result.jobs.values() for job in ids]
    with psycopg.connect(url) as conn:

        def one(sql: str, *args: object) -> int:
            row = conn.execute(sql, args).fetchone()
            return int(row[0]) if row else 0

        return {
            "jobs_not_done_once": one(
                "SELECT count(*) FROM jobs WHERE id = ANY(%s) AND (state != 'done'"
                " OR attempts != 1)",
                jobs,
            ),
            "jobs_missing": len(jobs) - one("SELECT count(*) FROM jobs WHERE id = ANY(%s)", jobs),
            "sources_not_once": abs(
                one("SELECT count(*) FROM sources") - sum(len(v) for v in result.jobs.values())
            ),
            "sources_across_owners": one(
                "SELECT count(*) FROM sources s JOIN notebooks n ON n.id = s.notebook_id"
                " WHERE s.owner != n.owner"
            ),
            "chunks_across_owners": one(
                "SELECT count(*) FROM chunks c JOIN notebooks n ON n.id = c.notebook_id"
                " WHERE c.owner != n.owner"
            ),
            "vectors_across_owners": one(
                "SELECT count(*) FROM vectors v JOIN chunks c ON c.pk = v.chunk_pk"
                " WHERE v.owner != c.owner"
            ),
            "messages_across_owners": one(
                "SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id"
                " JOIN notebooks n ON n.id = c.notebook_id"
                " WHERE m.owner != c.owner OR c.owner != n.owner"
            ),
            "jobs_across_owners": one(
                "SELECT count(*) FROM jobs j JOIN notebooks n ON n.id = j.payload->>'notebook_id'"
                " WHERE j.owner != n.owner"
            ),
        }
