"""Issue 11, item 4: ingestion is bounded per user (queued jobs and bytes), users take turns on
the worker, and each file is read in a child process within a time budget."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi import FastAPI
from web_helpers import LIBRARY_MD, Actor, new_notebook, upload, wait_job

from causerie.ingest.sandbox import Budget
from causerie.jobs import JobContext, get_kind, register_kind
from causerie.jobs.ingestion import FILES
from causerie.web.jobs import JobRegistry


@pytest.fixture
def gated(app: FastAPI) -> Any:
    """The worker records each job it starts, then waits for `gate` on the first one."""
    jobs: JobRegistry = app.state.jobs
    gate, started, order = threading.Event(), threading.Event(), []
    real = get_kind(FILES)
    assert real is not None

    def ingest(context: JobContext) -> Any:
        order.append(context.job.owner.id)
        started.set()
        gate.wait(20)
        return real.handler(context)

    register_kind(FILES, ingest, real.description)
    yield jobs, gate, started, order
    gate.set()
    register_kind(FILES, real.handler, real.description)


def _submit(actor: Actor, notebook_id: str, name: str = "n.md") -> Any:
    return actor.api(
        "POST",
        f"/api/notebooks/{notebook_id}/sources",
        files=[("files", (name, LIBRARY_MD, "text/markdown"))],
    )


def test_queued_jobs_per_user_are_capped(app: FastAPI, alice: Actor, gated: Any) -> None:
    jobs, gate, _, _ = gated
    notebook_id = new_notebook(alice, "Queue")
    answers = [_submit(alice, notebook_id, f"n{n}.md") for n in range(jobs.max_queued_jobs)]
    assert {a.status_code for a in answers} == {202}
    refused = _submit(alice, notebook_id, "one-more.md")
    assert refused.status_code == 429, refused.text
    assert refused.json()["error"]["code"] == "too_many_jobs"
    assert refused.headers["retry-after"]
    gate.set()
    for answer in answers:
        assert wait_job(alice, answer.json()["id"])["state"] == "done"
    assert _submit(alice, notebook_id, "later.md").status_code == 202


def test_queued_bytes_per_user_are_capped(app: FastAPI, alice: Actor, gated: Any) -> None:
    """The bytes spooled for a user's waiting jobs are capped; another user's are not counted."""
    jobs, gate, _, _ = gated
    jobs.queue.max_queued_bytes = 2 * len(LIBRARY_MD) - 1
    notebook_id = new_notebook(alice, "Bytes")
    first = _submit(alice, notebook_id, "a.md")
    assert first.status_code == 202
    refused = _submit(alice, notebook_id, "b.md")
    assert refused.status_code == 429, refused.text
    assert "the limit of" in refused.json()["error"]["message"]
    gate.set()
    wait_job(alice, first.json()["id"])
    assert _submit(alice, notebook_id, "c.md").status_code == 202


def test_users_take_turns_on_the_worker(
    app: FastAPI, alice: Actor, make_actor: Any, gated: Any
) -> None:
    _, gate, started, order = gated
    bob = make_actor("bob")
    alice_book, bob_book = new_notebook(alice, "A"), new_notebook(bob, "B")
    first = _submit(alice, alice_book, "a0.md")
    assert started.wait(10)
    more = [_submit(alice, alice_book, f"a{n}.md") for n in (1, 2, 3)]
    bobs = _submit(bob, bob_book, "b0.md")
    gate.set()
    for actor, answer in [(alice, first), *((alice, m) for m in more), (bob, bobs)]:
        wait_job(actor, answer.json()["id"])
    # bob has had no turn yet: his job goes before alice's backlog
    assert order == ["alice", "bob", "alice", "alice", "alice"]


def test_a_file_over_its_time_budget_is_stopped_and_the_next_goes_on(
    app: FastAPI, alice: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A budget no read can meet (half a millisecond, the fork included): the real loader is
    stopped in its child, the file reported, and the worker goes on."""
    jobs: JobRegistry = app.state.jobs
    monkeypatch.setattr(jobs.worker, "budget", Budget(wall_s=0.0005))
    notebook_id = new_notebook(alice, "Budget")
    job = upload(alice, notebook_id, ("library.md", LIBRARY_MD))
    (item,) = job["items"]
    assert item["status"] == "error", item
    assert item["error"] == "library.md: took longer than 0.0005 s to read, and was stopped"
    monkeypatch.undo()
    again = upload(alice, notebook_id, ("library.md", LIBRARY_MD))
    assert again["items"][0]["status"] == "added"
