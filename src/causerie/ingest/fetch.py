"""Fetch an http(s) URL safely: public addresses only, redirects re-checked, bytes and time capped.

Every hop is checked the same way (`check_url`): the host is resolved and each of its
addresses must be a public internet address (no loopback, private, link-local, multicast,
reserved or unspecified address, IPv4 or IPv6, IPv4-mapped and other embeddings included).
The request then goes to the address that was checked, not to a second DNS answer, so a
name cannot be re-pointed at an internal address between the check and the connection
(DNS rebinding); the Host header and the TLS server name keep the original host name.
Redirects are followed by hand, at most `Limits.max_redirects`, each new URL checked again.
Proxies from the environment are not used: the check must be about the real destination.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

from causerie.errors import BlockedURL, InputError, LoaderError, UnsupportedFormat
from causerie.ingest.limits import DEFAULT_LIMITS, Limits, describe_size

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# host, port -> the host's addresses as strings (the seam tests use to avoid real DNS)
Resolver = Callable[[str, int], Sequence[str]]

SCHEMES = ("http", "https")
USER_AGENT = "Causerie/0.1"
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_REDIRECT_CODES = (301, 302, 303, 307, 308)


@dataclass(frozen=True, slots=True)
class CheckedURL:
    """A URL whose host resolved to public addresses only."""

    url: httpx.URL
    host: str  # ASCII (IDNA) host name or address literal
    port: int
    addresses: tuple[IPAddress, ...]

    def connect_url(self) -> httpx.URL:
        """The same URL with its host replaced by the first checked address."""
        return self.url.copy_with(host=str(self.addresses[0]))


@dataclass(frozen=True, slots=True)
class Fetched:
    """What a URL returned: the body (within the caps) and its declared media type."""

    url: str  # as given
    final_url: str  # after redirects
    media_type: str  # lowercase, parameters removed; '' when the server sent none
    charset: str | None
    data: bytes


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for host (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: dict[str, None] = {}
    for *_, sockaddr in infos:
        found[str(sockaddr[0]).split("%", 1)[0]] = None
    return list(found)


def blocked_reason(address: IPAddress) -> str | None:
    """Why an address must not be fetched from ('loopback', 'private', ...), or None if public."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return blocked_reason(embedded)
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("non-public", not address.is_global),
    )
    return next((reason for reason, hit in checks if hit), None)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside an IPv4-mapped, 6to4, Teredo or NAT64 IPv6 address."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _parse_address(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def check_url(
    url: str,
    *,
    resolver: Resolver = system_resolver,
    allow_private: bool = False,
) -> CheckedURL:
    """Parse url, resolve its host and refuse it unless every address is public.

    Raises UnsupportedFormat (not http/https), BlockedURL (a non-public address, or
    'localhost'), LoaderError (malformed URL, unknown host). `allow_private` skips the address
    check; only tests use it, to reach a server on 127.0.0.1.
    """
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise LoaderError(url, "is not a valid URL") from exc
    if parsed.scheme not in SCHEMES:
        raise UnsupportedFormat(url, "only http:// and https:// URLs can be fetched")
    host = parsed.raw_host.decode("ascii").strip("[]").lower().rstrip(".")
    if not host:
        raise LoaderError(url, "has no host name")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    if not allow_private and (host == "localhost" or host.endswith(".localhost")):
        raise BlockedURL(
            url, f"points at this computer ({host}); only public addresses can be fetched"
        )
    literal = _parse_address(host)
    if literal is not None:
        addresses: tuple[IPAddress, ...] = (literal,)
    else:
        try:
            resolved = resolver(host, port)
        except (OSError, UnicodeError) as exc:
            raise LoaderError(url, f"the host name {host} could not be resolved") from exc
        parsed_addresses = [_parse_address(item) for item in resolved]
        addresses = tuple(a for a in parsed_addresses if a is not None)
        if not addresses:
            raise LoaderError(url, f"the host name {host} could not be resolved")
    if not allow_private:
        for address in addresses:
            reason = blocked_reason(address)
            if reason is not None:
                raise BlockedURL(
                    url,
                    f"points at a {reason} address ({address}); "
                    "only public internet addresses can be fetched",
                )
    return CheckedURL(url=parsed, host=host, port=port, addresses=addresses)


def _content_type(response: httpx.Response) -> tuple[str, str | None]:
    header = response.headers.get("content-type", "")
    media_type, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip("\"' ")
    return media_type.strip().lower(), charset


def _read_capped(response: httpx.Response, url: str, limits: Limits, deadline: float) -> bytes:
    cap = limits.url_max_bytes
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise LoaderError(
            url, f"is too large ({describe_size(int(declared))}); the limit is {describe_size(cap)}"
        )
    body = bytearray()
    for piece in response.iter_bytes():
        body += piece
        if len(body) > cap:
            raise LoaderError(url, f"is larger than the limit of {describe_size(cap)}")
        if time.monotonic() > deadline:
            raise LoaderError(url, f"took longer than {limits.url_timeout_s:g} s to download")
    return bytes(body)


def _request(client: httpx.Client, checked: CheckedURL) -> httpx.Request:
    default_port = 443 if checked.url.scheme == "https" else 80
    host_header = checked.url.raw_host.decode("ascii")
    if ":" in host_header:
        host_header = f"[{host_header}]"
    if checked.port != default_port:
        host_header = f"{host_header}:{checked.port}"
    extensions = {"sni_hostname": checked.host} if checked.url.scheme == "https" else {}
    return client.build_request(
        "GET",
        checked.connect_url(),
        headers={
            "Host": host_header,
            "User-Agent": USER_AGENT,
            "Accept": "text/html, application/pdf, text/plain;q=0.9, */*;q=0.5",
            "Accept-Encoding": "identity",
        },
        extensions=extensions,
    )


def fetch_url(
    url: str,
    limits: Limits = DEFAULT_LIMITS,
    *,
    transport: httpx.BaseTransport | None = None,
    resolver: Resolver = system_resolver,
    allow_private: bool = False,
) -> Fetched:
    """GET url within the limits, following redirects by hand and checking every hop.

    `transport` and `resolver` are seams for tests (httpx.MockTransport, a fake DNS);
    `allow_private` lets tests reach a local server. Every failure is an InputError naming url.
    """
    deadline = time.monotonic() + limits.url_timeout_s
    current = url
    with httpx.Client(
        transport=transport,
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(limits.url_timeout_s),
    ) as client:
        for _hop in range(limits.max_redirects + 1):
            checked = _check_hop(url, current, resolver, allow_private)
            if time.monotonic() > deadline:
                raise LoaderError(url, f"took longer than {limits.url_timeout_s:g} s to download")
            try:
                response = client.send(_request(client, checked), stream=True)
            except httpx.TimeoutException as exc:
                raise LoaderError(url, f"did not answer within {limits.url_timeout_s:g} s") from exc
            except httpx.HTTPError as exc:
                raise LoaderError(url, f"could not be reached ({_describe(exc)})") from exc
            try:
                location = response.headers.get("location")
                if response.status_code in _REDIRECT_CODES and location:
                    current = _redirect_target(url, checked.url, location)
                    continue
                if response.status_code >= 400:
                    phrase = response.reason_phrase or "error"
                    raise LoaderError(url, f"the server answered {response.status_code} {phrase}")
                if not 200 <= response.status_code < 300:
                    raise LoaderError(url, f"unexpected answer {response.status_code} from server")
                media_type, charset = _content_type(response)
                try:
                    data = _read_capped(response, url, limits, deadline)
                except httpx.TimeoutException as exc:
                    raise LoaderError(
                        url, f"did not answer within {limits.url_timeout_s:g} s"
                    ) from exc
                except httpx.HTTPError as exc:
                    raise LoaderError(url, f"download failed ({_describe(exc)})") from exc
                return Fetched(
                    url=url,
                    final_url=str(checked.url),
                    media_type=media_type,
                    charset=charset,
                    data=data,
                )
            finally:
                response.close()
    raise LoaderError(url, f"redirects more than {limits.max_redirects} times")


def _redirect_target(url: str, base: httpx.URL, location: str) -> str:
    try:
        return str(base.join(location.strip()))
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise LoaderError(url, f"redirects to an invalid address ({location[:200]})") from exc


def _check_hop(url: str, current: str, resolver: Resolver, allow_private: bool) -> CheckedURL:
    """check_url for one hop; an error on a redirect target names both URLs."""
    try:
        return check_url(current, resolver=resolver, allow_private=allow_private)
    except InputError as exc:
        if current == url:
            raise
        raise type(exc)(url, f"redirects to {current}: {exc.problem}") from exc


def _describe(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text[:160]}" if text else type(exc).__name__
