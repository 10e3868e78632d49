"""Host and Origin checks: the allowed-hosts setting on every route (no DNS rebinding), and
the loopback test of the first-run /setup page.

    host_name("[::1]:8000") -> "::1"        host_name("Example.org.:443") -> "example.org"
    is_loopback_name("localhost") -> True   host_allowed("a.example.org", ["*.example.org"])

A web page whose DNS name is re-pointed at 127.0.0.1 (DNS rebinding) reaches the server with
its own name in the Host header: refusing any Host not in `allowed_hosts` (by default the
loopback names) stops it before any route runs. Starlette's TrustedHostMiddleware is not used:
it cuts the Host header at the first ':', which breaks IPv6 literals such as [::1].
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
_HOST_CHARS = re.compile(r"^[a-z0-9._:-]+$")  # DNS names, IPv4, IPv6 (brackets removed)


def host_name(value: str | None) -> str:
    """The host of a Host header value (no port, no brackets, lower case); '' when unusable."""
    if not value:
        return ""
    try:
        parts = urlsplit(f"//{value.strip()}")
        name = parts.hostname or ""
        _ = parts.port  # a port that is not a number makes the header unusable
    except ValueError:
        return ""
    name = name.rstrip(".").lower()
    return name if _HOST_CHARS.match(name) else ""


def is_loopback_name(name: str) -> bool:
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def origin_host(origin: str | None) -> str | None:
    """The host of an Origin (or Referer) header; None when absent, '' when unusable."""
    if origin is None:
        return None
    try:
        parts = urlsplit(origin.strip())
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https"):
        return ""
    return (parts.hostname or "").rstrip(".").lower()


def host_allowed(name: str, allowed: Iterable[str]) -> bool:
    """`name` matches an entry: '*' (any), 'example.org' (exactly), '*.example.org' (any name
    below it). Entries are compared without port, case-insensitively."""
    if not name:
        return False
    for entry in allowed:
        pattern = entry.strip().lower().rstrip(".").strip("[]")
        if pattern == "*" or pattern == name:
            return True
        if pattern.startswith("*.") and name.endswith(pattern[1:]):
            return True
    return False


class AllowedHostsMiddleware:
    """400 for any HTTP request whose Host header is not in `allowed_hosts`."""

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str]) -> None:
        self.app = app
        self.allowed = tuple(allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw = dict(scope.get("headers", ())).get(b"host", b"").decode("latin-1")
            name = host_name(raw)
            if not host_allowed(name, self.allowed):
                await _refuse(send, raw)
                return
        await self.app(scope, receive, send)


async def _refuse(send: Send, raw: str) -> None:
    message = (
        f"the host {raw[:100]!r} is not served here; add it to the allowed_hosts setting"
        " (CAUSERIE_ALLOWED_HOSTS) if it should be"
    )
    body = json.dumps({"error": {"code": "invalid_host", "message": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
