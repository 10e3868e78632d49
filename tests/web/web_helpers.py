"""Helpers shared by the web tests (the fixtures are in conftest.py)."""

from __future__ import annotations

import re
import socket
import time
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from causerie.web.limits import WebLimits

PASSWORD = "correct horse battery staple"
LIBRARY_MD = b"""# Valmont library

## Opening hours

The library is open Tuesday to Saturday from 9:00 to 18:00.
On Sundays it opens from 10:00 to 14:00. It is closed on Mondays.

## Borrowing

Books are lent for three weeks. The late fee is 0.20 euros per day and per item.
"""
SUNDAY_ANSWER = "On Sundays the library opens from 10:00 to 14:00 [1]."
TEST_LIMITS = WebLimits(
    max_body_bytes=64 * 1024,
    max_upload_bytes=256 * 1024,
    max_file_bytes=64 * 1024,
    max_files=20,
    chat_burst=100,
    chat_refill_s=1.0,
)


def csrf_from(html: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert found, "the page has no csrf-token meta tag"
    return found.group(1)


@dataclass
class Actor:
    """A user of the app: a signed-in browser (cookie + CSRF token) and an API token."""

    name: str
    browser: TestClient
    csrf: str
    token: str

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A request as the browser's scripts make it: cookie plus X-CSRF-Token."""
        headers = {"X-CSRF-Token": self.csrf, **kwargs.pop("headers", {})}
        return self.browser.request(method, path, headers=headers, **kwargs)

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def sign_in(app: FastAPI, name: str, password: str = PASSWORD) -> tuple[TestClient, str]:
    """Sign in through the real form: GET /login (CSRF cookie), POST /login."""
    browser = TestClient(app)
    page = browser.get("/login")
    assert page.status_code == 200
    form = {"username": name, "password": password, "csrf_token": csrf_from(page.text)}
    done = browser.post("/login", data=form, follow_redirects=False)
    assert done.status_code == 303, done.text
    me = browser.get("/api/me")
    assert me.status_code == 200, me.text
    return browser, me.json()["csrf_token"]


def upload(actor: Actor, notebook_id: str, *files: tuple[str, bytes]) -> dict[str, Any]:
    """Upload files and wait for the ingestion job to finish; returns the finished job."""
    response = actor.api(
        "POST",
        f"/api/notebooks/{notebook_id}/sources",
        files=[("files", (name, data, "application/octet-stream")) for name, data in files],
    )
    assert response.status_code == 202, response.text
    return wait_job(actor, response.json()["id"])


def wait_job(actor: Actor, job_id: str, timeout_s: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        job: dict[str, Any] = actor.api("GET", f"/api/jobs/{job_id}").json()
        if job["state"] == "done":
            return job
        assert time.monotonic() < deadline, f"job still {job['state']}"
        time.sleep(0.02)


def new_notebook(actor: Actor, name: str) -> str:
    response = actor.api("POST", "/api/notebooks", json={"name": name})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    app: FastAPI
