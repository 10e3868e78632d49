"""Fixtures for the web app: an app on the fake model and a real SQLite data folder, users
signed in through the real login form, and a real uvicorn server on a free loopback port."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_helpers import (
    LIBRARY_MD,
    PASSWORD,
    TEST_LIMITS,
    Actor,
    LiveServer,
    free_port,
    new_notebook,
    sign_in,
    upload,
)

from causerie.config import Settings
from causerie.providers.fake import FakeProvider
from causerie.web.app import create_app
from causerie.web.limits import WebLimits


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with the smallest cost: the same code path, milliseconds instead of ~0.5 s."""
    from argon2 import PasswordHasher

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr("causerie.accounts.passwords._HASHER", cheap)


@pytest.fixture
def fake() -> FakeProvider:
    return FakeProvider()


@pytest.fixture
def limits() -> WebLimits:
    return TEST_LIMITS


@pytest.fixture
def app(settings: Settings, fake: FakeProvider, limits: WebLimits) -> FastAPI:
    # TestClient sends `Host: testserver`; the live server is reached as 127.0.0.1
    served = settings.model_copy(update={"allowed_hosts": [*settings.allowed_hosts, "testserver"]})
    return create_app(served, provider_factory=lambda: fake, limits=limits)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def make_actor(app: FastAPI) -> Iterator[Any]:
    opened: list[TestClient] = []

    def make(name: str) -> Actor:
        app.state.accounts.create_user(name, PASSWORD)
        browser, csrf = sign_in(app, name)
        opened.append(browser)
        token = app.state.accounts.create_token(name, "tests").secret
        return Actor(name, browser, csrf, token)

    yield make
    for browser in opened:
        browser.close()


@pytest.fixture
def alice(make_actor: Any) -> Actor:
    actor: Actor = make_actor("alice")
    return actor


@pytest.fixture
def library(alice: Actor) -> str:
    """Alice's notebook 'Library' holding library.md; returns its id."""
    notebook_id = new_notebook(alice, "Library")
    job = upload(alice, notebook_id, ("library.md", LIBRARY_MD))
    assert job["items"][0]["status"] == "added", job
    return notebook_id


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[LiveServer]:
    """The app under a real uvicorn server, in a thread, on 127.0.0.1 and a free port."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", ws="none", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped while starting"
        assert time.monotonic() < deadline, "uvicorn did not start in 15 s"
        time.sleep(0.02)
    yield LiveServer(f"http://127.0.0.1:{port}", app)
    server.should_exit = True
    thread.join(timeout=15)
