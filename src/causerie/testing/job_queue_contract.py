"""The JobQueue contract: one suite that every job queue backend must pass.

A backend's test module subclasses the mixin and provides a `make_queue` fixture: a function
that opens the backend on a fresh, empty database with the limits given (called twice, it
must give two handles on the same database: two workers, or a server and its restart):

    class TestSQLiteJobQueue(JobQueueContract):
        @pytest.fixture
        def make_queue(self, tmp_path):
            opened = []
            def make(**limits):
                opened.append(SQLiteJobQueue(tmp_path / "causerie.sqlite3", **limits))
                return opened[-1]
            yield make
            for queue in opened:
                queue.close()

What it pins down:
- submit returns a queued job with its payload and progress; get and list_jobs read it back,
  list_jobs oldest first; another owner's id reads like an unknown one (NotFound), for get and
  cancel alike;
- claim takes each job once, marks it running under the worker with a lease, counts attempts;
  None when nothing waits; only the kinds asked for; owners take turns (a user with a backlog
  does not hold another user's job back);
- heartbeat extends the lease; a job whose lease ran out is claimed again by another worker
  (attempts 2) and the first worker's heartbeat, progress and finish raise LeaseLost;
  expire_worker frees a gone worker's jobs at once; after max_attempts claims it fails;
- progress replaces the job's progress; finish ends it done/failed/cancelled with its result
  or error; a finished job is never claimed again;
- cancel: a queued job is cancelled at once and never claimed; a running job is asked to stop
  (heartbeat and progress answer False) and its worker ends it cancelled;
- per-owner limits: max_queued_jobs and max_queued_bytes count queued and running jobs only,
  refuse with JobLimitReached (check_limits too), and never count another owner's jobs;
- finished jobs beyond keep_per_owner are forgotten, oldest first; active ones never;
- states (maintenance only) reads the state of any owner's jobs by id.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from causerie.errors import NotFound
from causerie.jobs.base import JobLimitReached, JobQueue, LeaseLost
from causerie.types import Owner

ALICE = Owner("alice")
BOB = Owner("bob")
KIND = "contract.kind"
W1, W2 = "host:1:worker-one", "host:2:worker-two"

MakeQueue = Callable[..., JobQueue]


class JobQueueContract:
    @pytest.fixture
    def queue(self, make_queue: MakeQueue) -> JobQueue:
        return make_queue()

    # ----------------------------------------------------------------- submit and read

    def test_submit_then_get_and_list(self, queue: JobQueue) -> None:
        job = queue.submit(ALICE, KIND, {"n": 1}, progress={"done": 0}, size_bytes=10)
        assert job.state == "queued" and job.owner == ALICE and job.kind == KIND
        assert job.payload == {"n": 1} and job.progress == {"done": 0}
        assert job.attempts == 0 and job.size_bytes == 10 and not job.finished
        again = queue.get(ALICE, job.id)
        assert again.payload == {"n": 1} and again.state == "queued"
        second = queue.submit(ALICE, KIND, {"n": 2})
        assert [j.id for j in queue.list_jobs(ALICE)] == [job.id, second.id]
        assert queue.list_jobs(BOB) == []
        assert queue.list_jobs(ALICE, kinds=("other",)) == []

    def test_a_job_id_can_be_chosen(self, queue: JobQueue) -> None:
        job = queue.submit(ALICE, KIND, {}, job_id="ab" * 16)
        assert job.id == "ab" * 16 and queue.get(ALICE, "ab" * 16).id == job.id

    def test_another_owners_job_reads_like_an_unknown_one(self, queue: JobQueue) -> None:
        job = queue.submit(ALICE, KIND, {})
        for call in (queue.get, queue.cancel):
            with pytest.raises(NotFound) as foreign:
                call(BOB, job.id)
            with pytest.raises(NotFound) as unknown:
                call(BOB, "0" * 32)
            assert str(foreign.value) == str(unknown.value).replace("0" * 32, job.id)
        assert queue.get(ALICE, job.id).state == "queued"

    # ----------------------------------------------------------------- claim, lease, finish

    def test_claim_takes_each_job_once(self, queue: JobQueue) -> None:
        assert queue.claim(W1, 30) is None
        first, second = queue.submit(ALICE, KIND, {"n": 1}), queue.submit(ALICE, KIND, {"n": 2})
        got = queue.claim(W1, 30)
        assert got is not None and got.id == first.id
        assert got.state == "running" and got.worker == W1 and got.attempts == 1
        assert got.lease_until is not None and got.lease_until > time.time() + 20
        other = queue.claim(W2, 30)
        assert other is not None and other.id == second.id
        assert queue.claim(W1, 30) is None

    def test_claim_only_the_kinds_asked_for(self, queue: JobQueue) -> None:
        job = queue.submit(ALICE, "other.kind", {})
        assert queue.claim(W1, 30, kinds=(KIND,)) is None
        assert queue.claim(W1, 30, kinds=()) is None
        got = queue.claim(W1, 30, kinds=("other.kind", KIND))
        assert got is not None and got.id == job.id

    def test_owners_take_turns(self, make_queue: MakeQueue) -> None:
        queue = make_queue(max_queued_jobs=10)
        alices = [queue.submit(ALICE, KIND, {"n": n}) for n in range(3)]
        bobs = queue.submit(BOB, KIND, {})
        order = []
        while (job := queue.claim(W1, 30)) is not None:
            order.append(job.id)
            queue.finish(job.id, W1)
        assert order == [alices[0].id, bobs.id, alices[1].id, alices[2].id]

    def test_progress_and_finish(self, queue: JobQueue) -> None:
        job = queue.submit(ALICE, KIND, {})
        claimed = queue.claim(W1, 30)
        assert claimed is not None
        assert queue.progress(job.id, W1, {"done": 1, "items": ["a"]}) is True
        assert queue.get(ALICE, job.id).progress == {"done": 1, "items": ["a"]}
        assert queue.heartbeat(job.id, W1, 30) is True
        done = queue.finish(job.id, W1, result={"added": 1})
        assert done.state == "done" and done.result == {"added": 1} and done.finished
        assert done.finished_at is not None and done.error is None
        assert queue.claim(W2, 30) is None
        with pytest.raises(LeaseLost):
            queue.finish(job.id, W1)

    def test_failed_job_keeps_its_error(self, queue: JobQueue) -> None:
        job = queue.submit(ALICE, KIND, {})
        queue.claim(W1, 30)
        failed = queue.finish(job.id, W1, state="failed", error="it broke")
        assert (failed.state, failed.error) == ("failed", "it broke")
        assert queue.get(ALICE, job.id).error == "it broke"

    def test_an_expired_lease_is_claimed_again(self, queue: JobQueue) -> None:
        job = queue.submit(ALICE, KIND, {})
        assert queue.claim(W1, 0.2) is not None
        assert queue.claim(W2, 30) is None  # the lease still holds
        time.sleep(0.3)
        again = queue.claim(W2, 30)
        assert again is not None and again.id == job.id
        assert again.worker == W2 and again.attempts == 2
        for late in (
            lambda: queue.heartbeat(job.id, W1, 30),
            lambda: queue.progress(job.id, W1, {"late": True}),
            lambda: queue.finish(job.id, W1),
        ):
            with pytest.raises(LeaseLost):
                late()
        assert queue.finish(job.id, W2).state == "done"

    def test_a_heartbeat_keeps_the_lease(self, queue: JobQueue) -> None:
        job = queue.submit(ALICE, KIND, {})
        queue.claim(W1, 0.3)
        for _ in range(3):
            time.sleep(0.15)
            assert queue.heartbeat(job.id, W1, 0.3) is True
        assert queue.claim(W2, 30) is None

    def test_expire_worker_frees_its_jobs_now(self, queue: JobQueue) -> None:
        job = queue.submit(ALICE, KIND, {})
        queue.claim(W1, 3600)
        assert queue.running_workers() == {W1}
        assert queue.expire_worker(W1) == 1
        again = queue.claim(W2, 30)
        assert again is not None and again.id == job.id and again.attempts == 2

    def test_a_job_that_keeps_losing_its_worker_fails(self, make_queue: MakeQueue) -> None:
        queue = make_queue(max_attempts=2)
        job = queue.submit(ALICE, KIND, {})
        for worker in (W1, W2):
            assert queue.claim(worker, 30) is not None
            queue.expire_worker(worker)
        assert queue.claim(W1, 30) is None
        failed = queue.get(ALICE, job.id)
        assert failed.state == "failed" and "2 times" in (failed.error or "")

    # ----------------------------------------------------------------- cancel

    def test_cancel_a_queued_job(self, queue: JobQueue) -> None:
        job = queue.submit(ALICE, KIND, {})
        cancelled = queue.cancel(ALICE, job.id)
        assert cancelled.state == "cancelled" and cancelled.finished_at is not None
        assert queue.claim(W1, 30) is None

    def test_cancel_a_running_job(self, queue: JobQueue) -> None:
        job = queue.submit(ALICE, KIND, {})
        queue.claim(W1, 30)
        asked = queue.cancel(ALICE, job.id)
        assert asked.state == "running" and asked.cancel_requested
        assert queue.heartbeat(job.id, W1, 30) is False
        assert queue.progress(job.id, W1, {"done": 1}) is False
        ended = queue.finish(job.id, W1, state="cancelled", error="cancelled")
        assert ended.state == "cancelled"
        assert queue.cancel(ALICE, job.id).state == "cancelled"  # nothing more to do

    def test_a_cancelled_job_whose_worker_died_is_not_run_again(self, queue: JobQueue) -> None:
        job = queue.submit(ALICE, KIND, {})
        queue.claim(W1, 30)
        queue.cancel(ALICE, job.id)
        queue.expire_worker(W1)
        assert queue.claim(W2, 30) is None
        assert queue.get(ALICE, job.id).state == "cancelled"

    def test_finish_refuses_a_state_that_is_not_final(self, queue: JobQueue) -> None:
        job = queue.submit(ALICE, KIND, {})
        queue.claim(W1, 30)
        with pytest.raises(ValueError):
            queue.finish(job.id, W1, state="running")

    # ----------------------------------------------------------------- limits

    def test_queued_jobs_per_owner_are_capped(self, make_queue: MakeQueue) -> None:
        queue = make_queue(max_queued_jobs=2)
        first = queue.submit(ALICE, KIND, {})
        queue.submit(ALICE, KIND, {})
        with pytest.raises(JobLimitReached, match="2 jobs are already waiting or running"):
            queue.submit(ALICE, KIND, {})
        with pytest.raises(JobLimitReached):
            queue.check_limits(ALICE, 0)
        queue.submit(BOB, KIND, {})  # another owner's line is their own
        claimed = queue.claim(W1, 30, kinds=(KIND,))
        assert claimed is not None and claimed.id == first.id
        with pytest.raises(JobLimitReached):  # running counts too
            queue.submit(ALICE, KIND, {})
        queue.finish(first.id, W1)
        queue.submit(ALICE, KIND, {})

    def test_queued_bytes_per_owner_are_capped(self, make_queue: MakeQueue) -> None:
        queue = make_queue(max_queued_bytes=1000, max_queued_jobs=10)
        queue.submit(ALICE, KIND, {}, size_bytes=600)
        with pytest.raises(JobLimitReached, match="limit of 1000 bytes"):
            queue.submit(ALICE, KIND, {}, size_bytes=600)
        queue.check_limits(ALICE, 400)
        queue.submit(ALICE, KIND, {}, size_bytes=400)
        queue.submit(BOB, KIND, {}, size_bytes=600)

    def test_old_finished_jobs_are_forgotten(self, make_queue: MakeQueue) -> None:
        queue = make_queue(keep_per_owner=2, max_queued_jobs=10)
        ids = []
        for n in range(4):
            ids.append(queue.submit(ALICE, KIND, {"n": n}).id)
            claimed = queue.claim(W1, 30)
            assert claimed is not None
            queue.finish(claimed.id, W1)
        waiting = queue.submit(ALICE, KIND, {}).id
        assert [j.id for j in queue.list_jobs(ALICE)] == [ids[2], ids[3], waiting]

    # ----------------------------------------------------------------- two handles

    def test_two_handles_share_one_queue(self, make_queue: MakeQueue) -> None:
        server, worker = make_queue(), make_queue()
        job = server.submit(ALICE, KIND, {"n": 1})
        claimed = worker.claim(W1, 30)
        assert claimed is not None and claimed.id == job.id
        worker.progress(job.id, W1, {"done": 1})
        assert server.get(ALICE, job.id).progress == {"done": 1}
        server.cancel(ALICE, job.id)
        assert worker.heartbeat(job.id, W1, 30) is False

    def test_states_of_any_owners_jobs(self, queue: JobQueue) -> None:
        first, second = queue.submit(ALICE, KIND, {}), queue.submit(BOB, KIND, {})
        queue.cancel(BOB, second.id)
        assert queue.states([first.id, second.id, "0" * 32]) == {
            first.id: "queued",
            second.id: "cancelled",
        }
        assert queue.states([]) == {}

    def test_records_serialise(self, queue: JobQueue) -> None:
        job = queue.submit(ALICE, KIND, {"n": 1})
        data: dict[str, Any] = job.to_dict()
        assert data["id"] == job.id and data["owner"] == "alice" and data["state"] == "queued"
