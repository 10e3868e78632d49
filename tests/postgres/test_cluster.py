"""A local cluster: PostgreSQL + 2 `serve` + 2 `worker` processes, 20 simulated users (the fake
model) uploading and asking over both web processes: every job done exactly once, no row across
owners, no 5xx. (The bigger run, 200 uploads and 500 questions, against 1 `serve` + 1 `worker`
for comparison, is bench/scale_bench.py.)"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import httpx

from causerie.testing.cluster import LocalCluster, check_cluster, drive, make_users


def run(url: str, serve: int, workers: int, users: int) -> tuple[float, dict[str, int]]:
    home = Path(tempfile.mkdtemp(prefix="causerie-cluster-"))
    people = make_users(url, users)
    with LocalCluster(home, url, serve=serve, workers=workers) as cluster:
        result = asyncio.run(drive(cluster.urls, people, uploads=1, chats=2))
        # each user sees only their own notebook, through either process
        for (name, token), base in zip(people, cluster.urls * users, strict=False):
            listed = httpx.get(
                f"{base}/api/notebooks", headers={"Authorization": f"Bearer {token}"}
            ).json()
            assert [b["id"] for b in listed] == [result.notebooks[name]]
    assert result.server_errors == 0, result.statuses
    assert result.errors == []
    assert (result.uploads, result.chats) == (users, 2 * users)
    return result.seconds, check_cluster(url, result)


def test_two_web_and_two_worker_processes_serve_twenty_users(postgres_url: str) -> None:
    seconds, problems = run(postgres_url, serve=2, workers=2, users=20)
    assert problems == dict.fromkeys(problems, 0)
    print(f"\n2 serve + 2 workers: 20 uploads + 40 questions in {seconds:.1f} s")
