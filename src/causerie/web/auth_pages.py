"""Sign-in pages: /login, /logout, /setup (the first account, from this machine only), /lang.

No account exists by default and none has a default password. The first one is made with
`causerie users create NAME`, or on /setup, which answers only while no account exists, only
to a browser on the server's own machine (a loopback peer, no proxy headers, a loopback name in
the Host header and in Origin when sent: a DNS-rebinding page or a same-host proxy fails), and
only with the one-time setup code that `causerie serve` prints.

Sign-in attempts go through the LoginGuard (causerie.web.login_guard): after a few failures a
client or an account must wait, longer after each failure (429 with Retry-After), and only a
few password checks run at once (429 beyond).
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from causerie.accounts import MIN_PASSWORD_CHARS
from causerie.errors import InputError
from causerie.web import i18n
from causerie.web.auth import (
    SESSION_COOKIE,
    accounts_of,
    end_session,
    start_session,
    verify_csrf,
    web_session,
)
from causerie.web.errors import ApiError
from causerie.web.hosts import host_name, is_loopback_name, origin_host
from causerie.web.login_guard import LoginGuard, TooBusy
from causerie.web.templating import templates

router = APIRouter(include_in_schema=False)
_PROXY_HEADERS = ("x-forwarded-for", "x-forwarded-host", "forwarded", "x-real-ip")
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


def safe_next(target: str | None) -> str:
    """A local path to go to after signing in; anything else (another site) becomes '/'."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(ch in target for ch in "\r\n\\") or "://" in target.split("?")[0]:
        return "/"
    return target


def is_local_browser(request: Request) -> bool:
    """A loopback peer, no proxy headers, a loopback Host, and a loopback Origin if any."""
    peer = request.client.host if request.client else ""
    if not is_loopback_name(peer) or any(h in request.headers for h in _PROXY_HEADERS):
        return False
    if not is_loopback_name(host_name(request.headers.get("host"))):
        return False
    origin = origin_host(request.headers.get("origin"))
    return origin is None or is_loopback_name(origin)


def guard_of(request: Request) -> LoginGuard:
    guard: LoginGuard = request.app.state.login_guard
    return guard


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _too_many(request: Request, retry_after: int, template: str, **context: Any) -> Response:
    message = i18n.translate("login.throttled", i18n.request_language(request))
    response = _render(request, template, 429, error=message.format(seconds=retry_after),
                       **context)  # fmt: skip
    response.headers["Retry-After"] = str(retry_after)
    return response


async def _form_text(request: Request, *names: str) -> dict[str, str]:
    form = await request.form()
    values = {}
    for name in names:
        value = form.get(name)
        values[name] = value if isinstance(value, str) else ""
    return values


def _render(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    return templates.TemplateResponse(request, name, context, status_code=status)


# --------------------------------------------------------------------------- login / logout


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    if web_session(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _render(request, "login.html", next=safe_next(next), setup_open=_setup_open(request))


@router.post("/login")
async def login(request: Request) -> Response:
    await verify_csrf(request)
    form = await _form_text(request, "username", "password", "next")
    guard, client = guard_of(request), client_key(request)
    shown = {"username": form["username"], "next": safe_next(form["next"]), "setup_open": False}
    wait = guard.retry_after(client, form["username"])
    if wait is not None:
        return _too_many(request, wait, "login.html", **shown)
    try:
        with guard.slot():
            user = await run_in_threadpool(
                accounts_of(request).authenticate, form["username"], form["password"]
            )
    except TooBusy:
        return _too_many(request, 1, "login.html", **shown)
    if user is None:
        guard.failed(client, form["username"])
        message = i18n.translate("login.failed", i18n.request_language(request))
        return _render(request, "login.html", 401, error=message, username=form["username"],
                       next=safe_next(form["next"]), setup_open=False)  # fmt: skip
    guard.succeeded(client, form["username"])
    earlier = request.cookies.get(SESSION_COOKIE)
    if earlier:  # a session id never survives a sign-in (no fixation)
        accounts_of(request).end_session(earlier)
    response = RedirectResponse(safe_next(form["next"]), status_code=303)
    start_session(request, response, user.name)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    if web_session(request) is not None:
        await verify_csrf(request)
    response = RedirectResponse("/login", status_code=303)
    end_session(request, response)
    return response


# --------------------------------------------------------------------------- first account


def _setup_open(request: Request) -> bool:
    return is_local_browser(request) and not accounts_of(request).has_users()


def _check_setup(request: Request) -> None:
    if not is_local_browser(request):
        raise ApiError(
            403,
            "forbidden",
            "the first account can be created only from the server's own machine; "
            "run `causerie users create NAME` there",
        )
    if accounts_of(request).has_users():
        raise ApiError(404, "not_found", "an account exists already: sign in at /login")


@router.get("/setup")
def setup_page(request: Request) -> Response:
    _check_setup(request)
    return _render(request, "setup.html", min_password=MIN_PASSWORD_CHARS)


def _code_matches(request: Request, sent: str) -> bool:
    expected = str(request.app.state.setup_code or "")
    normal = "".join(sent.split()).replace("-", "").upper()
    return bool(expected) and secrets.compare_digest(normal, expected.replace("-", "").upper())


@router.post("/setup")
async def setup(request: Request) -> Response:
    _check_setup(request)
    await verify_csrf(request)
    form = await _form_text(request, "username", "password", "confirm", "code")
    language = i18n.request_language(request)
    guard, client = guard_of(request), client_key(request)
    shown = {"username": form["username"], "min_password": MIN_PASSWORD_CHARS}
    wait = guard.retry_after(client, "/setup")
    if wait is not None:
        return _too_many(request, wait, "setup.html", **shown)
    error = None
    if not _code_matches(request, form["code"]):
        guard.failed(client, "/setup")
        error = i18n.translate("setup.bad_code", language)
    elif form["password"] != form["confirm"]:
        error = i18n.translate("setup.mismatch", language)
    else:
        try:
            with guard.slot():
                user = await run_in_threadpool(
                    accounts_of(request).create_user,
                    form["username"],
                    form["password"],
                    only_if_first=True,
                )
        except TooBusy:
            return _too_many(request, 1, "setup.html", **shown)
        except InputError as exc:
            error = str(exc)
    if error is not None:
        return _render(request, "setup.html", 400, error=error, username=form["username"],
                       min_password=MIN_PASSWORD_CHARS)  # fmt: skip
    request.app.state.setup_code = None  # one time only
    response = RedirectResponse("/", status_code=303)
    start_session(request, response, user.name)
    return response


# --------------------------------------------------------------------------- language


@router.get("/lang")
def choose_language(request: Request, code: str, next: str = "/") -> Response:
    if code not in i18n.LANGUAGES:
        raise ApiError(400, "invalid_input", f"{code!r}: languages are {', '.join(i18n.LANGUAGES)}")
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        i18n.LANG_COOKIE, code, max_age=LANG_COOKIE_MAX_AGE, samesite="lax",
        secure=request.url.scheme == "https", path="/",
    )  # fmt: skip
    return response
