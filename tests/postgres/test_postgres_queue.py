"""The PostgreSQL job queue: the JobQueue contract on a real server, plus what only many
workers at once show (each job claimed once, in threads with their own connections)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

if "causerie.testing.job_queue_contract" not in sys.modules:
    pytest.register_assert_rewrite("causerie.testing.job_queue_contract")

from causerie.jobs.postgres import PostgresJobQueue
from causerie.testing.job_queue_contract import KIND, JobQueueContract
from causerie.types import Owner


@pytest.fixture
def make_queue(postgres_url: str) -> Iterator[Any]:
    opened: list[PostgresJobQueue] = []

    def make(**limits: Any) -> PostgresJobQueue:
        opened.append(PostgresJobQueue(postgres_url, **limits))
        return opened[-1]

    yield make
    for queue in opened:
        queue.close()


class TestPostgresJobQueue(JobQueueContract):
    pass


def test_many_workers_claim_each_job_exactly_once(make_queue: Any) -> None:
    """Four queues (four pools: as four worker processes) drain 200 jobs of 20 owners."""
    submitter = make_queue(max_queued_jobs=100)
    expected = set()
    for i in range(200):
        expected.add(submitter.submit(Owner(f"user{i % 20}"), KIND, {"i": i}).id)
    workers = [make_queue() for _ in range(4)]
    claimed: list[list[str]] = [[] for _ in workers]

    def drain(index: int) -> None:
        queue, name = workers[index], f"host:{index}:w"
        while (job := queue.claim(name, lease_s=30)) is not None:
            claimed[index].append(job.id)
            queue.finish(job.id, name, result={"by": name})

    threads = [threading.Thread(target=drain, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [job_id for ids in claimed for job_id in ids]
    assert len(every) == len(set(every)) == 200
    assert set(every) == expected
    assert sum(1 for ids in claimed if ids) >= 2  # the work was shared
    states = submitter.states(sorted(expected))
    assert set(states.values()) == {"done"}
