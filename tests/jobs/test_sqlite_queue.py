"""The SQLite job queue: the JobQueue contract, plus what only an SQLite file can show."""

from __future__ import annotations

import sqlite3
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

if "causerie.testing.job_queue_contract" not in sys.modules:
    pytest.register_assert_rewrite("causerie.testing.job_queue_contract")

from causerie.jobs import SQLiteJobQueue
from causerie.store.sqlite import SQLiteStore
from causerie.testing.job_queue_contract import ALICE, KIND, JobQueueContract


@pytest.fixture
def make_queue(tmp_path: Path) -> Iterator[Any]:
    opened: list[SQLiteJobQueue] = []

    def make(**limits: Any) -> SQLiteJobQueue:
        opened.append(SQLiteJobQueue(tmp_path / "data" / "causerie.sqlite3", **limits))
        return opened[-1]

    yield make
    for queue in opened:
        queue.close()


class TestSQLiteJobQueue(JobQueueContract):
    pass


def test_the_queue_lives_in_the_stores_database(make_queue: Any, tmp_path: Path) -> None:
    path = tmp_path / "data" / "causerie.sqlite3"
    store = SQLiteStore(path)
    queue = make_queue()
    book = store.ensure_notebook(ALICE, "n")
    queue.submit(ALICE, KIND, {"notebook_id": book.id})
    conn = sqlite3.connect(path)
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    store.close()
    assert {"jobs", "notebooks", "chunks"} <= tables


def test_a_queue_opened_first_leaves_the_store_its_schema(make_queue: Any, tmp_path: Path) -> None:
    make_queue().submit(ALICE, KIND, {})
    store = SQLiteStore(tmp_path / "data" / "causerie.sqlite3")
    assert store.ensure_notebook(ALICE, "n").name == "n"
    store.close()


def test_workers_in_threads_never_claim_a_job_twice(make_queue: Any) -> None:
    queue = make_queue(max_queued_jobs=100)
    submitted = {queue.submit(ALICE, KIND, {"n": n}).id for n in range(40)}
    claimed: list[str] = []

    def work(name: str) -> None:
        handle = make_queue()
        while (job := handle.claim(name, 30)) is not None:
            claimed.append(job.id)
            handle.finish(job.id, name)

    threads = [threading.Thread(target=work, args=(f"host:{n}:w",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(claimed) == sorted(submitted)


def test_a_newer_queue_version_is_refused(make_queue: Any, tmp_path: Path) -> None:
    make_queue().close()
    conn = sqlite3.connect(tmp_path / "data" / "causerie.sqlite3")
    conn.execute("UPDATE job_queue_version SET version = 99")
    conn.commit()
    conn.close()
    from causerie.errors import StoreError

    with pytest.raises(StoreError, match="job queue version 99 is newer"):
        SQLiteJobQueue(tmp_path / "data" / "causerie.sqlite3")
