"""Issue 11, item 2: the first-run /setup page cannot be taken by a web page (DNS rebinding) nor
through a same-host reverse proxy; it needs the one-time code `serve` prints; every route
answers only the allowed hosts."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_helpers import PASSWORD, LiveServer, csrf_from

from causerie.web.hosts import host_allowed, host_name, is_loopback_name

LOCAL = "http://127.0.0.1:8000"


def _setup_form(client: TestClient, **extra: str) -> dict[str, Any]:
    page = client.get("/setup")
    assert page.status_code == 200, page.text
    return {"username": "me", "password": PASSWORD, "confirm": PASSWORD,
            "csrf_token": csrf_from(page.text), **extra}  # fmt: skip


def _local(app: FastAPI, base_url: str = LOCAL) -> TestClient:
    return TestClient(app, client=("127.0.0.1", 5000), base_url=base_url)


def test_setup_needs_the_one_time_code(app: FastAPI) -> None:
    browser = _local(app)
    code = app.state.setup_code
    assert code and len(code.replace("-", "")) == 12
    for wrong in ("", "0000-0000-0000"):
        refused = browser.post("/setup", data=_setup_form(browser, code=wrong))
        assert refused.status_code == 400 and "setup code" in refused.text
    assert app.state.accounts.list_users() == []
    done = browser.post("/setup", data=_setup_form(browser, code=code.lower()),
                        follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    assert [u.name for u in app.state.accounts.list_users()] == ["me"]
    assert app.state.setup_code is None  # used once


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "rebind.attacker.example:8000"},  # DNS rebinding: the page's own name
        {"Origin": "http://rebind.attacker.example:8000"},
        {"Origin": "null"},
        {"X-Forwarded-Host": "notes.example.org"},  # a same-host reverse proxy
        {"Forwarded": "for=203.0.113.9"},
    ],
)
def test_setup_refuses_foreign_host_or_origin_even_from_loopback(
    settings,
    fake,
    headers: dict[str, str],  # type: ignore[no-untyped-def]
) -> None:
    from causerie.web.app import close_app, create_app

    # allowed_hosts '*': the /setup check itself must refuse the rebinding Host
    app = create_app(settings.model_copy(update={"allowed_hosts": ["*"]}),
                     provider_factory=lambda: fake)  # fmt: skip
    wide = _local(app)
    form = _setup_form(wide, code=app.state.setup_code)
    answer = wide.post("/setup", data=form, headers=headers)
    assert answer.status_code == 403, answer.text
    assert app.state.accounts.list_users() == []
    close_app(app)


def test_rebinding_host_is_refused_on_every_route(app: FastAPI) -> None:
    client = TestClient(app, base_url="http://rebind.attacker.example:8000")
    for path in ("/setup", "/login", "/api/notebooks", "/v1/models", "/openapi.json"):
        answer = client.get(path)
        assert answer.status_code == 400, (path, answer.text)
        assert answer.json()["error"]["code"] == "invalid_host"
    assert _local(app).get("/login").status_code == 200
    assert _local(app, "http://localhost:8000").get("/login").status_code == 200
    assert _local(app, "http://[::1]:8000").get("/login").status_code == 200


def test_allowed_hosts_setting(settings, fake) -> None:  # type: ignore[no-untyped-def]
    from causerie.web.app import close_app, create_app

    custom = settings.model_copy(update={"allowed_hosts": ["*.example.org"]})
    app = create_app(custom, provider_factory=lambda: fake)
    assert TestClient(app, base_url="http://notes.example.org").get("/login").status_code == 200
    assert TestClient(app, base_url="http://example.com").get("/login").status_code == 400
    assert TestClient(app, base_url=LOCAL).get("/login").status_code == 400
    close_app(app)


@pytest.mark.parametrize(
    ("header", "name"),
    [("[::1]:8000", "::1"), ("Example.ORG.:443", "example.org"), ("127.0.0.1", "127.0.0.1"),
     ("a b", ""), ("host:notaport", ""), ("", "")],
)  # fmt: skip
def test_host_name_parsing(header: str, name: str) -> None:
    assert host_name(header) == name


def test_loopback_and_patterns() -> None:
    assert is_loopback_name("localhost") and is_loopback_name("127.8.9.1")
    assert is_loopback_name("::1") and not is_loopback_name("10.0.0.1")
    assert not is_loopback_name("localhost.attacker.example")
    assert host_allowed("a.example.org", ["*.example.org"])
    assert not host_allowed("example.org.evil", ["*.example.org"])
    assert not host_allowed("", ["*"])


def test_live_server_refuses_a_rebinding_host(live_server: LiveServer) -> None:
    import httpx

    with httpx.Client(base_url=live_server.url) as client:
        assert client.get("/login").status_code == 200
        rebound = client.get("/setup", headers={"Host": "rebind.attacker.example"})
        assert rebound.status_code == 400
