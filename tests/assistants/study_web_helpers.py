"""Helpers for the tests of assistants' web pages: users signed in through the real login form
(cheap password hashing), and a browser that posts forms with its CSRF token."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with the smallest cost: the same code path, milliseconds instead of ~0.5 s."""
    from argon2 import PasswordHasher

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr("causerie.accounts.passwords._HASHER", cheap)


@dataclass
class Browser:
    """A signed-in user's browser: cookies, and the session's CSRF token for forms."""

    name: str
    client: TestClient
    csrf: str

    def get(self, path: str) -> httpx.Response:
        return self.client.get(path, follow_redirects=False)

    def post(self, path: str, data: dict[str, str] | None = None) -> httpx.Response:
        form = {"csrf_token": self.csrf, **(data or {})}
        return self.client.post(path, data=form, follow_redirects=False)


def sign_in(app: FastAPI, name: str) -> Browser:
    """Create the account, then sign in through the real form (GET /login, POST /login)."""
    app.state.accounts.create_user(name, PASSWORD)
    client = TestClient(app)
    login = client.get("/login")
    token = re.search(r'name="csrf-token" content="([^"]+)"', login.text)
    assert token, "the login page has no csrf-token meta tag"
    form = {"username": name, "password": PASSWORD, "csrf_token": token.group(1)}
    done = client.post("/login", data=form, follow_redirects=False)
    assert done.status_code == 303, done.text
    return Browser(name, client, client.get("/api/me").json()["csrf_token"])


def follow_job(browser: Browser, location: str, timeout_s: float = 30.0) -> str:
    """Reload a job's progress page until it redirects (the job finished); returns where to."""
    deadline = time.monotonic() + timeout_s
    while True:
        page = browser.get(location)
        if page.status_code == 303:
            return page.headers["location"]
        assert page.status_code == 200, page.text
        assert time.monotonic() < deadline, f"{location} still in progress"
        time.sleep(0.02)
