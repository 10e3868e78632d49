"""Cancelling ingestion jobs through the API: a queued job at once (its spooled files
removed), a running one before its next file; another user's job id reads like an unknown."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from web_helpers import LIBRARY_MD, Actor, new_notebook, wait_job

from causerie.jobs import JobContext, get_kind, register_kind
from causerie.jobs.ingestion import FILES


@pytest.fixture
def gate() -> Any:
    """The ingestion handler waits for the gate before it starts."""
    opened, started = threading.Event(), threading.Event()
    real = get_kind(FILES)
    assert real is not None

    def ingest(context: JobContext) -> Any:
        started.set()
        opened.wait(20)
        return real.handler(context)

    register_kind(FILES, ingest, real.description)
    yield opened, started
    opened.set()
    register_kind(FILES, real.handler, real.description)


def _upload(actor: Actor, notebook_id: str, name: str) -> dict[str, Any]:
    response = actor.api("POST", f"/api/notebooks/{notebook_id}/sources",
                         files=[("files", (name, LIBRARY_MD, "text/markdown"))])  # fmt: skip
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


def test_cancel_a_queued_and_a_running_job(
    app: FastAPI, alice: Actor, make_actor: Any, gate: Any
) -> None:
    opened, started = gate
    spool: Path = app.state.jobs.spool.root
    notebook_id = new_notebook(alice, "Cancel")
    running = _upload(alice, notebook_id, "first.md")
    assert started.wait(10)
    queued = _upload(alice, notebook_id, "second.md")
    assert (spool / queued["id"]).is_dir()

    bob = make_actor("bob")
    foreign = bob.api("POST", f"/api/jobs/{queued['id']}/cancel")
    assert foreign.status_code == 404

    cancelled = alice.api("POST", f"/api/jobs/{queued['id']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    body = cancelled.json()
    assert body["state"] == "done" and body["error"] == "cancelled"
    assert body["items"][0]["status"] == "error" and body["items"][0]["error"] == "cancelled"
    assert not (spool / queued["id"]).exists()

    asked = alice.api("POST", f"/api/jobs/{running['id']}/cancel")
    assert asked.status_code == 200 and asked.json()["state"] == "indexing"
    opened.set()
    ended = wait_job(alice, running["id"])
    assert ended["error"] == "cancelled" and ended["items"][0]["status"] == "error"
    sources = alice.api("GET", f"/api/notebooks/{notebook_id}/sources").json()["sources"]
    assert sources == []  # nothing was stored after the cancel
    assert not (spool / running["id"]).exists()
