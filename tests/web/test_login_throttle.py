"""Issue 11, item 3: failed sign-ins back off per client and per account, and only a bounded
number of password checks run at once (429 beyond)."""

from __future__ import annotations

import threading

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_helpers import PASSWORD, csrf_from

from causerie.web.login_guard import LoginGuard, TooBusy


def _attempt(client: TestClient, name: str, password: str) -> int:
    page = client.get("/login")
    form = {"username": name, "password": password, "csrf_token": csrf_from(page.text)}
    return client.post("/login", data=form, follow_redirects=False).status_code


def test_twenty_wrong_passwords_then_the_right_one_is_refused(app: FastAPI) -> None:
    app.state.accounts.create_user("alice", PASSWORD)
    with TestClient(app) as client:
        codes = [_attempt(client, "alice", f"wrong guess {n:02d}") for n in range(20)]
        assert codes[:5] == [401] * 5
        assert set(codes[5:]) == {429}
        assert _attempt(client, "alice", PASSWORD) == 429
        page = client.get("/login")
        form = {"username": "alice", "password": PASSWORD, "csrf_token": csrf_from(page.text)}
        answer = client.post("/login", data=form)
        assert int(answer.headers["retry-after"]) >= 1
        assert "Too many attempts" in answer.text


def test_backoff_is_per_account_from_any_client(app: FastAPI) -> None:
    app.state.accounts.create_user("alice", PASSWORD)
    app.state.accounts.create_user("bob", PASSWORD)
    for n in range(5):
        attacker = TestClient(app, client=(f"198.51.100.{n}", 4000))
        assert _attempt(attacker, "alice", "wrong guess!!") == 401
    elsewhere = TestClient(app, client=("203.0.113.50", 4000))
    assert _attempt(elsewhere, "alice", PASSWORD) == 429  # the account waits
    assert _attempt(elsewhere, "bob", PASSWORD) == 303  # another account does not


def test_concurrent_password_checks_are_bounded(app: FastAPI) -> None:
    app.state.accounts.create_user("alice", PASSWORD)
    guard: LoginGuard = app.state.login_guard
    client = TestClient(app)
    with guard.slot(), guard.slot():  # the two slots are taken by slow checks
        assert _attempt(client, "alice", PASSWORD) == 429
    assert _attempt(client, "alice", PASSWORD) == 303


def test_guard_backoff_doubles_and_success_clears() -> None:
    now = [0.0]
    guard = LoginGuard(free_failures=2, base_delay_s=1, max_delay_s=8, clock=lambda: now[0])
    guard.failed("1.2.3.4", "alice")
    assert guard.retry_after("1.2.3.4", "alice") is None
    delays = []
    for _ in range(5):
        guard.failed("1.2.3.4", "alice")
        delays.append(guard.retry_after("9.9.9.9", "Alice "))  # the account, any client
    assert delays == [1, 2, 4, 8, 8]
    assert guard.retry_after("1.2.3.4", "bob") == 8  # the client, any account
    guard.succeeded("1.2.3.4", "alice")
    assert guard.retry_after("1.2.3.4", "alice") is None


def test_guard_slots_refuse_beyond_the_bound() -> None:
    guard = LoginGuard(max_concurrent=2)
    entered, release = threading.Barrier(3), threading.Event()

    def hold() -> None:
        with guard.slot():
            entered.wait()
            release.wait()

    threads = [threading.Thread(target=hold) for _ in range(2)]
    for thread in threads:
        thread.start()
    entered.wait()
    with pytest.raises(TooBusy), guard.slot():
        pass
    release.set()
    for thread in threads:
        thread.join()
    with guard.slot():
        pass
