"""Who is asking, as FastAPI dependencies, and CSRF protection for cookie-authenticated writes.

    require_user(request) -> Owner      API routes: session cookie, or `Authorization: Bearer
                                        cz_...`; 401 JSON otherwise. A cookie-authenticated
                                        unsafe request (POST, PUT, PATCH, DELETE) must carry
                                        the CSRF token.
    page_user(request) -> Owner | None  pages: session cookie only (redirect to /login on None)
    csrf_token(request) -> str          the token for forms (field `csrf_token`) and for scripts
                                        (header `X-CSRF-Token`, e.g. from <meta name="csrf-token">)
    verify_csrf(request)                the CSRF check alone, for page form handlers

Sessions live on the server (AccountStore): the cookie holds a random id, the database only its
hash, and logging out deletes the row, so a copied cookie stops working. The cookie is HttpOnly,
SameSite=Lax, and Secure when the request came over https. A signed-in session has its own CSRF
token (synchronizer token); before sign-in (the login and setup forms) the token is a random
`causerie_csrf` cookie that the form must echo (double submit). Bearer-token requests carry no
ambient credentials, so they need no CSRF token.
"""

from __future__ import annotations

import secrets

from fastapi import Request
from fastapi.responses import Response

from causerie.accounts import AccountStore, WebSession
from causerie.types import Owner
from causerie.web.errors import ApiError

SESSION_COOKIE = "causerie_session"
CSRF_COOKIE = "causerie_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_NO_SESSION = object()
FORM_MAX_FIELDS = 10  # text fields in any form (the sign-in form has four)


def accounts_of(request: Request) -> AccountStore:
    accounts: AccountStore = request.app.state.accounts
    return accounts


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise ApiError(401, "unauthorized", "the Authorization header must be 'Bearer <token>'")
    return value.strip()


def web_session(request: Request) -> WebSession | None:
    """The signed-in session of this request's cookie (looked up once per request)."""
    cached = getattr(request.state, "web_session", _NO_SESSION)
    if cached is not _NO_SESSION:
        return cached  # type: ignore[return-value]
    cookie = request.cookies.get(SESSION_COOKIE)
    found = accounts_of(request).session(cookie) if cookie else None
    request.state.web_session = found
    return found


async def require_user(request: Request) -> Owner:
    """The owner behind a Bearer token or a session cookie; 401 otherwise (and 403 for a
    cookie-authenticated unsafe request without the CSRF token)."""
    token = _bearer(request)
    if token is not None:
        user = accounts_of(request).user_for_token(token)
        if user is None:
            raise ApiError(401, "unauthorized", "the API token is not valid (revoked or mistyped)")
        request.state.auth = "token"
        return user.owner
    session = web_session(request)
    if session is None:
        raise ApiError(401, "unauthorized", "sign in, or send 'Authorization: Bearer <token>'")
    request.state.auth = "session"
    await verify_csrf(request)
    return session.user.owner


def page_user(request: Request) -> Owner | None:
    """The signed-in owner for a page (session cookie only); None: redirect to /login."""
    session = web_session(request)
    return session.user.owner if session else None


def csrf_token(request: Request) -> str:
    """The CSRF token this request's forms and scripts must send back."""
    session = web_session(request)
    if session is not None:
        return session.csrf_token
    return presession_token(request)


def presession_token(request: Request) -> str:
    """The `causerie_csrf` cookie's value, or a new one (SecurityMiddleware sets the cookie)."""
    token = getattr(request.state, "presession_csrf", None) or request.cookies.get(CSRF_COOKIE)
    if not token:
        token = secrets.token_urlsafe(32)
    request.state.presession_csrf = token
    return token


async def verify_csrf(request: Request) -> None:
    """403 unless an unsafe cookie-authenticated request carries its CSRF token."""
    if request.method in SAFE_METHODS or getattr(request.state, "auth", None) == "token":
        return
    session = web_session(request)
    expected = session.csrf_token if session else request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(_FORM_TYPES):
        # parsed once with the upload limits: the route later gets this same (cached) form
        limits = request.app.state.limits
        form = await request.form(max_files=limits.max_files, max_fields=FORM_MAX_FIELDS)
        field = form.get(CSRF_FIELD)
        sent = field if isinstance(field, str) else None
    if not expected or not sent or not secrets.compare_digest(sent, expected):
        raise ApiError(
            403,
            "csrf_failed",
            f"missing or wrong CSRF token: send the '{CSRF_HEADER}' header "
            f"or the '{CSRF_FIELD}' form field",
        )


def start_session(request: Request, response: Response, user_name: str) -> WebSession:
    """Sign `user_name` in: a new server-side session and its cookie on `response`."""
    session_id, session = accounts_of(request).create_session(user_name)
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return session


def end_session(request: Request, response: Response) -> None:
    """Sign out: the server-side session is deleted, the cookie cleared."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        accounts_of(request).end_session(cookie)
    request.state.web_session = None
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax",
        secure=request.url.scheme == "https",
    )  # fmt: skip
