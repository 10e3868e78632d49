"""ASGI middleware: security headers on every response, request size limits before any
parsing, and the pre-sign-in CSRF cookie for pages.

Size limits: a declared Content-Length over the limit is refused with 413 before the app runs;
a body without one (chunked) is counted while it streams, and the read that crosses the limit
raises BodyTooLarge (a 413 ApiError), so a parser never sees more than the limit.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from causerie.ingest.limits import describe_size
from causerie.web.auth import CSRF_COOKIE
from causerie.web.errors import ApiError

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}
_NOT_PAGES = re.compile(r"^/(api|v1|static)(/|$)")


class BodyTooLarge(ApiError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            "payload_too_large",
            f"the request body is larger than the limit of {describe_size(limit)}",
        )


def _json_413(limit: int) -> bytes:
    import json

    message = BodyTooLarge(limit).message
    return json.dumps({"error": {"code": "payload_too_large", "message": message}}).encode()


class SecurityMiddleware:
    """`body_limit(scope)` gives the largest body the request may carry."""

    def __init__(self, app: ASGIApp, body_limit: Callable[[Scope], int]) -> None:
        self.app = app
        self.body_limit = body_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        new_csrf = self._presession_csrf(scope)
        secure = scope.get("scheme") == "https"
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if new_csrf:
                    flags = "; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")
                    headers.append("set-cookie", f"{CSRF_COOKIE}={new_csrf}{flags}")
            await send(message)

        limit = self.body_limit(scope)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse_too_large(send_with_headers, limit)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge:
            if started:
                raise
            await _refuse_too_large(send_with_headers, limit)

    @staticmethod
    def _presession_csrf(scope: Scope) -> str | None:
        """A new pre-sign-in CSRF token for a page request that has none (else None)."""
        if _NOT_PAGES.match(scope.get("path", "")):
            return None
        for name, value in scope.get("headers", ()):
            if name == b"cookie" and cookie_parser(value.decode("latin-1")).get(CSRF_COOKIE):
                return None
        token = secrets.token_urlsafe(32)
        scope.setdefault("state", {})["presession_csrf"] = token
        return token


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse_too_large(send: Send, limit: int) -> None:
    body = _json_413(limit)
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
