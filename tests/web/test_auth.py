"""Signing in and out, sessions, API tokens, CSRF, the first-account page, headers, language."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_helpers import PASSWORD, Actor, csrf_from, sign_in

from causerie.web.auth import CSRF_COOKIE, SESSION_COOKIE
from causerie.web.security import CONTENT_SECURITY_POLICY


def test_login_sets_a_hardened_session_cookie_and_logout_ends_the_session(
    app: FastAPI, alice: Actor
) -> None:
    browser = TestClient(app)
    form = {"username": "alice", "password": PASSWORD, "csrf_token": csrf_from(
        browser.get("/login").text)}  # fmt: skip
    done = browser.post("/login", data={**form, "next": "/api/me"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/api/me"
    cookie = next(c for c in done.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    session_id = browser.cookies[SESSION_COOKIE]
    me = browser.get("/api/me").json()
    assert me["name"] == "alice" and me["auth"] == "session"

    logout = browser.post("/logout", data={"csrf_token": me["csrf_token"]}, follow_redirects=False)
    assert logout.status_code == 303 and logout.headers["location"] == "/login"
    assert browser.get("/api/me").status_code == 401
    # the old cookie, replayed, is dead: the session was deleted on the server
    replay = TestClient(app, cookies={SESSION_COOKIE: session_id})
    assert replay.get("/api/me").status_code == 401


def test_session_cookie_is_secure_over_https(app: FastAPI, alice: Actor) -> None:
    browser = TestClient(app, base_url="https://testserver")
    token = csrf_from(browser.get("/login").text)
    done = browser.post(
        "/login",
        data={"username": "alice", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    cookie = next(c for c in done.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
    assert "Secure" in cookie


def test_wrong_password_and_unknown_user_get_the_same_answer(app: FastAPI, alice: Actor) -> None:
    browser = TestClient(app)
    token = csrf_from(browser.get("/login").text)
    answers = []
    for name, password in [("alice", "wrong password!"), ("nobody", PASSWORD)]:
        response = browser.post(
            "/login", data={"username": name, "password": password, "csrf_token": token}
        )
        assert response.status_code == 401
        assert "Wrong user name or password." in response.text
        answers.append(response.text.replace(name, "<name>"))
    assert answers[0] == answers[1]
    assert SESSION_COOKIE not in browser.cookies


def test_login_redirects_only_to_local_paths(app: FastAPI, alice: Actor) -> None:
    targets = [("https://evil.example/", "/"), ("//evil.example", "/"),
               ("/\\evil.example", "/"), ("/notebooks?x=1", "/notebooks?x=1")]  # fmt: skip
    for target, expected in targets:
        browser = TestClient(app)
        token = csrf_from(browser.get("/login").text)
        form = {"username": "alice", "password": PASSWORD, "csrf_token": token, "next": target}
        done = browser.post("/login", data=form, follow_redirects=False)
        assert done.headers["location"] == expected


def test_login_form_needs_its_csrf_token(app: FastAPI, alice: Actor) -> None:
    browser = TestClient(app)
    browser.get("/login")
    for token in (None, "forged"):
        form = {"username": "alice", "password": PASSWORD}
        if token:
            form["csrf_token"] = token
        response = browser.post("/login", data=form, follow_redirects=False)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "csrf_failed"
    assert SESSION_COOKIE not in browser.cookies


def test_cookie_writes_need_the_csrf_token_and_token_requests_do_not(alice: Actor) -> None:
    refused = alice.browser.post("/api/notebooks", json={"name": "No token"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    wrong = alice.browser.post(
        "/api/notebooks", json={"name": "Wrong"}, headers={"X-CSRF-Token": "nope"}
    )
    assert wrong.status_code == 403
    assert alice.api("GET", "/api/notebooks").json() == []  # nothing was created
    assert alice.api("POST", "/api/notebooks", json={"name": "With"}).status_code == 201
    # a script-free form post carries the token as a field
    form = alice.browser.post(
        "/api/tokens", data={"csrf_token": alice.csrf}, headers={"content-type":
        "application/x-www-form-urlencoded"})  # fmt: skip
    assert form.status_code != 403
    # Bearer requests carry no ambient credential: no CSRF token needed
    with TestClient(alice.browser.app) as bare:
        made = bare.post("/api/notebooks", json={"name": "By token"}, headers=alice.bearer)
    assert made.status_code == 201


def test_api_needs_a_session_or_a_valid_token(app: FastAPI, alice: Actor) -> None:
    with TestClient(app) as anonymous:
        for headers in ({}, {"Authorization": "Bearer cz_not-a-token"},
                        {"Authorization": "Basic YWxpY2U6eA=="}):  # fmt: skip
            response = anonymous.get("/api/notebooks", headers=headers)
            assert response.status_code == 401
            assert response.json()["error"]["code"] == "unauthorized"
        assert anonymous.get("/api/notebooks", headers=alice.bearer).status_code == 200
        revoked = app.state.accounts.list_tokens("alice")[0].id
        app.state.accounts.revoke_token("alice", revoked)
        assert anonymous.get("/api/notebooks", headers=alice.bearer).status_code == 401


def test_tokens_through_the_api(alice: Actor) -> None:
    made = alice.api("POST", "/api/tokens", json={"label": "script"})
    assert made.status_code == 201
    secret = made.json()["token"]
    with TestClient(alice.browser.app) as other:
        assert other.get("/api/me", headers={"Authorization": f"Bearer {secret}"}).json() == {
            "name": "alice", "auth": "token", "csrf_token": None}  # fmt: skip
    listed = alice.api("GET", "/api/tokens").json()
    assert {t["label"] for t in listed} == {"tests", "script"}
    assert all("token" not in t for t in listed)
    assert alice.api("DELETE", f"/api/tokens/{made.json()['id']}").status_code == 204
    assert alice.api("DELETE", f"/api/tokens/{made.json()['id']}").status_code == 404


def test_setup_creates_the_first_account_from_loopback_only(app: FastAPI) -> None:
    local_url = "http://127.0.0.1:8000"
    remote = TestClient(app, client=("203.0.113.9", 5000), base_url=local_url)
    assert remote.get("/setup").status_code == 403
    proxied = TestClient(app, client=("127.0.0.1", 5000), base_url=local_url)
    assert proxied.get("/setup", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403

    local = TestClient(app, client=("127.0.0.1", 5000), base_url=local_url)
    page = local.get("/setup")
    assert page.status_code == 200 and 'name="confirm"' in page.text
    token = csrf_from(page.text)
    form = {"username": "me", "password": "short", "confirm": "short", "csrf_token": token,
            "code": app.state.setup_code}  # fmt: skip
    weak = local.post("/setup", data=form)
    assert weak.status_code == 400 and "too short" in weak.text
    form.update(password=PASSWORD, confirm=PASSWORD + "x")
    assert "differ" in local.post("/setup", data=form).text
    form.update(confirm=PASSWORD)
    done = local.post("/setup", data=form, follow_redirects=False)
    assert done.status_code == 303
    assert local.get("/api/me").json()["name"] == "me"
    # once an account exists, /setup is closed, even from loopback
    closed = TestClient(app, client=("127.0.0.1", 5000), base_url=local_url).get("/setup")
    assert closed.status_code == 404
    assert [u.name for u in app.state.accounts.list_users()] == ["me"]


def test_security_headers_on_pages_api_and_errors(client: TestClient) -> None:
    for path in ("/login", "/api/notebooks", "/no/such/page", "/static/causerie.css"):
        headers = client.get(path).headers
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
        assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"


def test_csrf_cookie_is_set_for_pages_only(client: TestClient) -> None:
    assert CSRF_COOKIE in client.get("/login").headers.get("set-cookie", "")
    with TestClient(client.app) as fresh:
        assert "set-cookie" not in fresh.get("/api/notebooks").headers


@pytest.mark.parametrize(
    ("accept", "cookie", "expected"),
    [
        ("fr-CH, fr;q=0.9, en;q=0.8", None, "fr"),
        ("de, en;q=0.5", None, "en"),
        ("", None, "en"),
        ("en", "fr", "fr"),
        ("fr", "en", "en"),
    ],
)
def test_language_from_cookie_then_accept_language(
    client: TestClient, accept: str, cookie: str | None, expected: str
) -> None:
    if cookie:
        client.cookies.set("lang", cookie)
    page = client.get("/login", headers={"Accept-Language": accept})
    assert f'<html lang="{expected}">' in page.text
    assert ("Connexion" in page.text) == (expected == "fr")


def test_language_switch_sets_the_cookie(client: TestClient) -> None:
    switched = client.get("/lang?code=fr&next=/login", follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/login"
    assert "Mot de passe" in client.get("/login").text
    assert client.get("/lang?code=xx").status_code == 400


def test_signed_in_pages_show_the_user_and_a_logout_form(alice: Actor) -> None:
    page = alice.browser.get("/login", follow_redirects=False)
    assert page.status_code == 303  # already signed in
    again, _ = sign_in(alice.browser.app, "alice")
    html = again.get("/setup")  # closed: an account exists
    assert html.status_code in (403, 404)


def test_signing_in_again_replaces_the_session_id(app: FastAPI, alice: Actor) -> None:
    first = alice.browser.cookies[SESSION_COOKIE]
    again = alice.browser.post(
        "/login",
        data={"username": "alice", "password": PASSWORD, "csrf_token": alice.csrf},
        follow_redirects=False,
    )
    assert again.status_code == 303
    second = alice.browser.cookies[SESSION_COOKIE]
    assert second != first
    assert TestClient(app, cookies={SESSION_COOKIE: first}).get("/api/me").status_code == 401
    assert TestClient(app, cookies={SESSION_COOKIE: second}).get("/api/me").status_code == 200
