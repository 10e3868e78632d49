"""The worker on a real SQLite file and the real ingestion pipeline (fake embedder): kinds,
progress, cancel, failures, the spool, and a job taken over from a dead worker."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from causerie.cli.main import cli
from causerie.config import Settings
from causerie.jobs import JobContext, Spool, Worker, register_kind
from causerie.jobs.base import JobRecord
from causerie.jobs.ingestion import FILES, new_progress
from causerie.jobs.worker import is_dead_local_worker
from causerie.types import Owner
from causerie.wiring import Services

ALICE = Owner("alice")
NOTES = {
    "a.md": b"# Alpha\n\nThe alpha valve opens at dawn and closes at dusk.\n",
    "b.md": b"# Beta\n\nThe beta pump moves forty litres a minute.\n",
    "c.md": b"# Gamma\n\nThe gamma gauge reads the pressure in bars.\n",
}


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    wired = Services(settings)
    yield wired
    wired.close()


def submit_files(services: Services, files: dict[str, bytes], notebook: str = "n") -> JobRecord:
    """Spool the files and queue an ingestion job, as the web's upload route does."""
    book = services.store.ensure_notebook(ALICE, notebook)
    job_id = f"{time.time_ns():032x}"
    folder = services.spool.folder(job_id)
    folder.mkdir(parents=True)
    inputs = []
    for n, (name, data) in enumerate(files.items()):
        (folder / f"{n}.upload").write_bytes(data)
        inputs.append({"name": name, "file": f"{n}.upload", "error": None})
    payload = {"notebook_id": book.id, "inputs": inputs}
    return services.job_queue.submit(
        ALICE, FILES, payload, progress=new_progress(inputs), job_id=job_id
    )


def stored_uris(services: Services, notebook: str = "n") -> list[str]:
    book = services.store.get_notebook(ALICE, notebook)
    assert book is not None
    return sorted(s.uri for s in services.store.list_sources(ALICE, book.id))


def test_an_ingestion_job_runs_and_its_spool_is_removed(services: Services) -> None:
    job = submit_files(services, NOTES)
    assert services.spool.folder(job.id).is_dir()
    worker = Worker(services.job_queue, services, services.spool)
    assert worker.run_once() is True
    done = services.job_queue.get(ALICE, job.id)
    assert done.state == "done", done.error
    assert [i["status"] for i in done.progress["items"]] == ["added"] * 3
    assert done.progress["to_embed"] == done.progress["embedded"] > 0
    assert done.result == {"added": 3}
    assert stored_uris(services) == sorted(NOTES)
    assert not services.spool.folder(job.id).exists()
    assert worker.run_once() is False


def test_a_job_taken_over_from_a_dead_worker_goes_on_where_it_stopped(
    services: Services,
) -> None:
    """A worker process died after storing a.md (progress saved) and b.md (killed before it
    saved its progress): the next worker frees the job at once (the dead pid is of this
    machine), skips a.md, finds b.md unchanged, stores c.md: each file is stored once."""
    from causerie.web.uploads import load_upload

    job = submit_files(services, NOTES)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    gone = f"{socket.gethostname()}:{dead.stdout.strip()}:deadbeef"
    assert is_dead_local_worker(gone)
    claimed = services.job_queue.claim(gone, 3600)
    assert claimed is not None and claimed.id == job.id
    book = services.store.get_notebook(ALICE, "n")
    assert book is not None
    for name in ("a.md", "b.md"):  # what the dead worker stored
        document = load_upload(name, NOTES[name], services.ingestor.limits)
        assert services.ingestor.add_document(ALICE, book, document).status == "added"
    progress = dict(claimed.progress)
    progress["items"][0].update(status="added")
    services.job_queue.progress(job.id, gone, progress)
    (services.spool.folder(job.id) / "0.upload").unlink()  # a.md is never read again

    worker = Worker(services.job_queue, services, services.spool)
    assert worker.recover() == 1
    assert worker.run_once() is True
    done = services.job_queue.get(ALICE, job.id)
    assert done.state == "done" and done.attempts == 2, done.error
    assert [i["status"] for i in done.progress["items"]] == ["added", "unchanged", "added"]
    assert stored_uris(services) == ["a.md", "b.md", "c.md"]


def test_a_live_worker_is_not_taken_over(services: Services) -> None:
    job = submit_files(services, {"a.md": NOTES["a.md"]})
    alive = f"{socket.gethostname()}:{os.getppid()}:cafe"
    services.job_queue.claim(alive, 3600)
    worker = Worker(services.job_queue, services, services.spool)
    assert worker.recover() == 0
    assert worker.run_once() is False
    assert services.job_queue.get(ALICE, job.id).state == "running"


def test_a_handler_error_fails_the_job(services: Services) -> None:
    def broken(context: JobContext) -> None:
        raise RuntimeError("the disk is on fire")

    register_kind("test.broken", broken)
    job = services.job_queue.submit(ALICE, "test.broken", {})
    Worker(services.job_queue, services, services.spool).run_once()
    failed = services.job_queue.get(ALICE, job.id)
    assert failed.state == "failed"
    assert failed.error == "RuntimeError: the disk is on fire"


def test_an_unknown_kind_fails_with_its_name(services: Services) -> None:
    job = services.job_queue.submit(ALICE, "no.such.kind", {})
    Worker(services.job_queue, services, services.spool, kinds=("no.such.kind",)).run_once()
    failed = services.job_queue.get(ALICE, job.id)
    assert failed.state == "failed" and failed.error == "no handler for job kind 'no.such.kind'"


def test_a_running_job_is_cancelled_at_its_next_report(services: Services) -> None:
    started, steps = threading.Event(), []

    def slow(context: JobContext) -> dict[str, Any]:
        for step in range(500):
            steps.append(step)
            context.report({"step": step})
            started.set()
            time.sleep(0.01)
        return {"steps": 500}

    register_kind("test.slow", slow)
    job = services.job_queue.submit(ALICE, "test.slow", {})
    worker = Worker(services.job_queue, services, services.spool)
    thread = threading.Thread(target=worker.run_once)
    thread.start()
    assert started.wait(10)
    services.job_queue.cancel(ALICE, job.id)
    thread.join(10)
    ended = services.job_queue.get(ALICE, job.id)
    assert ended.state == "cancelled" and len(steps) < 500


def test_the_heartbeat_keeps_a_long_job_leased(services: Services) -> None:
    def long(context: JobContext) -> dict[str, Any]:
        time.sleep(0.8)  # no report: only the heartbeat keeps the lease
        return {}

    register_kind("test.long", long)
    job = services.job_queue.submit(ALICE, "test.long", {})
    worker = Worker(services.job_queue, services, services.spool, lease_s=0.3)
    thread = threading.Thread(target=worker.run_once)
    thread.start()
    time.sleep(0.5)
    assert services.job_queue.claim("host:1:other", 30) is None  # still leased
    thread.join(10)
    assert services.job_queue.get(ALICE, job.id).state == "done"


def test_a_worker_thread_starts_once_and_stops(services: Services) -> None:
    worker = Worker(services.job_queue, services, services.spool, poll_s=0.05)
    first = worker.start()
    assert worker.start() is first
    job = submit_files(services, {"a.md": NOTES["a.md"]})
    worker.wake()
    deadline = time.monotonic() + 20
    while services.job_queue.get(ALICE, job.id).state != "done":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    worker.stop()
    assert not first.is_alive()


def test_spool_refuses_a_file_over_its_limit(tmp_path: Any) -> None:
    import io

    spool = Spool(tmp_path)
    job_id = "a" * 32
    assert spool.write(job_id, "x", io.BytesIO(b"x" * 10), max_bytes=10) == 10
    assert spool.write(job_id, "y", io.BytesIO(b"y" * 11), max_bytes=10) is None
    assert sorted(p.name for p in spool.folder(job_id).iterdir()) == ["x"]
    with pytest.raises(ValueError):
        spool.folder("../etc")
    spool.remove(job_id)
    assert spool.job_ids() == []


def test_cli_lists_and_cancels_jobs(services: Services) -> None:
    job = submit_files(services, NOTES)
    runner = CliRunner()
    listed = runner.invoke(cli, ["--user", "alice", "jobs"], catch_exceptions=False)
    assert listed.exit_code == 0
    assert job.id in listed.stdout and "ingest.files" in listed.stdout and "0/3" in listed.stdout
    other = runner.invoke(cli, ["--user", "bob", "jobs", "cancel", job.id])
    assert other.exit_code == 1 and "not found" in other.stderr
    cancelled = runner.invoke(cli, ["--user", "alice", "jobs", "cancel", job.id])
    assert cancelled.exit_code == 0 and "Cancelled" in cancelled.stderr
    assert services.job_queue.get(ALICE, job.id).state == "cancelled"
    assert not services.spool.folder(job.id).exists()
    as_json = runner.invoke(cli, ["--user", "alice", "jobs", "--json"], catch_exceptions=False)
    assert '"state": "cancelled"' in as_json.stdout


def test_assistant_job_kinds_run_on_the_worker(services: Services) -> None:
    """A kind that an assistant declares through the registry's `job_kinds` hook runs on the
    worker with (services, owner, payload, progress=...) and reports its progress."""
    from causerie.jobs.kinds import kind_names, register_assistant_kinds

    assert "study.quiz" in kind_names()  # the shipped study assistant's kind
    calls: list[Any] = []

    def count_words(
        services: Services, owner: Owner, payload: dict[str, Any], progress: Any = None
    ) -> dict[str, Any]:
        calls.append((services, owner, payload))
        progress(1, 2)
        progress(2, 2)
        return {"words": len(payload["text"].split())}

    register_assistant_kinds({"toy.count": count_words})
    job = services.job_queue.submit(ALICE, "toy.count", {"text": "one two three"})
    Worker(services.job_queue, services, services.spool).run_once()
    done = services.job_queue.get(ALICE, job.id)
    assert done.state == "done" and done.result == {"words": 3}
    assert done.progress == {"done": 2, "total": 2}
    assert calls == [(services, ALICE, {"text": "one two three"})]


def test_a_stopping_worker_hands_its_job_back(services: Services) -> None:
    """A server shutting down stops its worker: the running job is neither failed nor lost;
    it is claimable at once and finishes on the next worker."""
    started, runs = threading.Event(), []

    def steps(context: JobContext) -> dict[str, Any]:
        runs.append(context.worker)
        for step in range(200):
            context.report({"step": step})
            started.set()
            time.sleep(0.01)
        return {"steps": 200}

    register_kind("test.steps", steps)
    job = services.job_queue.submit(ALICE, "test.steps", {})
    first = Worker(services.job_queue, services, services.spool, poll_s=0.05)
    first.start()
    assert started.wait(10)
    first.stop()
    handed = services.job_queue.get(ALICE, job.id)
    assert handed.state == "running" and handed.error is None
    second = Worker(services.job_queue, services, services.spool)
    assert second.run_once() is True
    done = services.job_queue.get(ALICE, job.id)
    assert done.state == "done" and done.attempts == 2 and runs == [first.id, second.id]


def test_stale_spool_folders_are_cleared_at_start(services: Services) -> None:
    """Folders of ended or never-queued jobs go; a waiting job's, and any young one, stay."""
    waiting = submit_files(services, {"a.md": NOTES["a.md"]})
    ended = submit_files(services, {"b.md": NOTES["b.md"]})
    services.job_queue.cancel(ALICE, ended.id)
    orphan = services.spool.folder("f" * 32)  # spooled, then the process died before submit
    orphan.mkdir(parents=True)
    young = services.spool.folder("e" * 32)  # being submitted right now
    worker = Worker(services.job_queue, services, services.spool)
    old = time.time() - 7200
    for folder in (services.spool.folder(waiting.id), services.spool.folder(ended.id), orphan):
        os.utime(folder, (old, old))
    young.mkdir(parents=True)
    assert worker.clear_spool() == 2
    assert sorted(services.spool.job_ids()) == sorted([waiting.id, "e" * 32])
