"""URL fetching: blocked addresses, redirects re-checked, caps, content types; no real network.

MockTransport tests use a fake resolver; one test runs a real HTTP server on 127.0.0.1 with
the address check relaxed (allow_private=True), to prove the real HTTP path works.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import httpx
import pytest

from causerie.errors import BlockedURL, LoaderError, UnsupportedFormat
from causerie.ingest.fetch import blocked_reason, check_url, fetch_url
from causerie.ingest.limits import Limits
from causerie.ingest.loaders import load_source, load_url

PUBLIC_IP = "93.184.216.34"
DNS = {
    "example.org": [PUBLIC_IP],
    "files.example.org": ["2606:2800:220:1:248:1893:25c8:1946"],
    "intranet.example.org": ["192.168.1.10"],
    "mixed.example.org": [PUBLIC_IP, "10.1.2.3"],
    "rebind.example.org": ["127.0.0.1"],
}

PAGE = (
    b"<html><head><title>Fetched page</title></head><body><article><h1>Fetched page</h1>"
    b"<p>This page was fetched through a mock transport and carries enough words to be "
    b"kept by the main-text extractor, which drops very short blocks of text.</p>"
    b"</article></body></html>"
)


def fake_resolver(host: str, port: int) -> list[str]:
    if host not in DNS:
        raise OSError(f"unknown host {host}")
    return DNS[host]


Handler = Callable[[httpx.Request], httpx.Response]


def routes(table: dict[str, Handler | httpx.Response]) -> tuple[httpx.MockTransport, list[str]]:
    """A mock transport answering by 'host/path' (the Host header, not the address dialled)."""
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        key = f"{request.headers['host']}{request.url.path}"
        seen.append(f"{request.url.host} {key}")
        answer = table.get(key)
        if answer is None:
            return httpx.Response(404)
        return answer(request) if callable(answer) else answer

    return httpx.MockTransport(handle), seen


# --------------------------------------------------------------------------- address checks


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.8.9.10:8080/admin",
        "http://localhost/",
        "http://LOCALHOST./",
        "http://app.localhost/",
        "http://10.0.0.5/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://100.64.0.1/",
        "http://[::1]/",
        "http://[::]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[ff02::1]/",
        "http://[2002:7f00:1::]/",  # 6to4 wrapping 127.0.0.1
        "http://[64:ff9b::a00:1]/",  # NAT64 wrapping 10.0.0.1
        "https://intranet.example.org/",
        "https://mixed.example.org/",  # one private address among public ones is enough
        "https://rebind.example.org/",
    ],
)
def test_non_public_addresses_are_blocked(url: str) -> None:
    with pytest.raises(BlockedURL) as caught:
        check_url(url, resolver=fake_resolver)
    assert str(caught.value).startswith(url)
    assert "only public" in str(caught.value)


@pytest.mark.parametrize("url", ["http://2130706433/", "http://0x7f.0.0.1/", "http://0177.0.0.1/"])
def test_odd_spellings_of_loopback_are_blocked(url: str) -> None:
    # These resolve through the system resolver's numeric parsing, without any network.
    with pytest.raises((BlockedURL, LoaderError)):
        check_url(url)


def test_public_addresses_pass() -> None:
    checked = check_url("https://example.org/a?b=1", resolver=fake_resolver)
    assert [str(a) for a in checked.addresses] == [PUBLIC_IP]
    assert str(checked.connect_url()) == f"https://{PUBLIC_IP}/a?b=1"
    assert check_url(f"http://{PUBLIC_IP}:8080/").port == 8080
    v6 = check_url("http://files.example.org/", resolver=fake_resolver)
    assert str(v6.connect_url()).startswith("http://[2606:2800:")


def test_blocked_reason_names_the_kind() -> None:
    import ipaddress

    assert blocked_reason(ipaddress.ip_address("127.0.0.1")) == "loopback"
    assert blocked_reason(ipaddress.ip_address("::ffff:10.0.0.1")) == "private"
    assert blocked_reason(ipaddress.ip_address("169.254.169.254")) == "link-local"
    assert blocked_reason(ipaddress.ip_address(PUBLIC_IP)) is None


def test_bad_urls() -> None:
    with pytest.raises(UnsupportedFormat):
        check_url("ftp://example.org/file")
    with pytest.raises(UnsupportedFormat):
        check_url("file:///etc/passwd")
    with pytest.raises(LoaderError, match="could not be resolved"):
        check_url("https://no-such-host.example.org/", resolver=fake_resolver)
    with pytest.raises(LoaderError):
        check_url("http:///no-host")


def test_load_source_blocks_urls_before_any_request() -> None:
    with pytest.raises(BlockedURL):
        load_source("http://127.0.0.1:9/never-contacted")


# --------------------------------------------------------------------------- mock transport


def test_fetch_connects_to_the_checked_address_with_the_original_host() -> None:
    transport, seen = routes(
        {
            "example.org/page": httpx.Response(
                200, headers={"content-type": "text/html"}, content=PAGE
            )
        }
    )
    doc = load_url("https://example.org/page", transport=transport, resolver=fake_resolver)
    assert seen == [f"{PUBLIC_IP} example.org/page"]
    assert doc.uri == "https://example.org/page"
    assert doc.title == "Fetched page"
    assert doc.media_type == "text/html"
    assert "mock transport" in doc.text


def test_redirect_to_a_blocked_address_is_refused() -> None:
    transport, seen = routes(
        {
            "example.org/go": httpx.Response(302, headers={"location": "http://127.0.0.1/admin"}),
            "127.0.0.1/admin": httpx.Response(200, text="secret"),
        }
    )
    with pytest.raises(BlockedURL) as caught:
        fetch_url("https://example.org/go", transport=transport, resolver=fake_resolver)
    message = str(caught.value)
    assert message.startswith("https://example.org/go: redirects to http://127.0.0.1/admin")
    assert "loopback" in message
    assert seen == [f"{PUBLIC_IP} example.org/go"]  # the blocked hop was never requested


def test_redirect_to_a_name_that_resolves_privately_is_refused() -> None:
    transport, seen = routes(
        {
            "example.org/go": httpx.Response(
                301, headers={"location": "https://intranet.example.org/"}
            )
        }
    )
    with pytest.raises(BlockedURL, match="private"):
        fetch_url("https://example.org/go", transport=transport, resolver=fake_resolver)
    assert len(seen) == 1


def test_relative_redirects_are_followed() -> None:
    transport, seen = routes(
        {
            "example.org/old": httpx.Response(301, headers={"location": "/new"}),
            "example.org/new": httpx.Response(
                200, headers={"content-type": "text/plain; charset=utf-8"}, text="Moved here."
            ),
        }
    )
    doc = load_url("http://example.org/old", transport=transport, resolver=fake_resolver)
    assert doc.text == "Moved here."
    assert doc.metadata["final_url"] == "http://example.org/new"
    assert len(seen) == 2


def test_redirect_to_an_invalid_address() -> None:
    transport, _ = routes(
        {"example.org/go": httpx.Response(302, headers={"location": "http://[::1/"})}
    )
    with pytest.raises(LoaderError, match=r"(?i)invalid"):
        fetch_url("http://example.org/go", transport=transport, resolver=fake_resolver)


def test_too_many_redirects() -> None:
    transport, _ = routes({"example.org/loop": httpx.Response(302, headers={"location": "/loop"})})
    with pytest.raises(LoaderError, match="redirects more than 2 times"):
        fetch_url(
            "http://example.org/loop",
            Limits(max_redirects=2),
            transport=transport,
            resolver=fake_resolver,
        )


def test_http_error_status() -> None:
    transport, _ = routes({})
    with pytest.raises(LoaderError, match="the server answered 404 Not Found"):
        fetch_url("http://example.org/missing", transport=transport, resolver=fake_resolver)


def test_declared_size_over_the_cap() -> None:
    transport, _ = routes(
        {
            "example.org/big": httpx.Response(
                200, headers={"content-type": "text/plain"}, content=b"x" * 5000
            )
        }
    )
    with pytest.raises(LoaderError, match="too large"):
        fetch_url(
            "http://example.org/big",
            Limits(url_max_bytes=1000),
            transport=transport,
            resolver=fake_resolver,
        )


def test_streamed_body_over_the_cap_stops_reading() -> None:
    produced: list[int] = []

    def endless() -> Iterator[bytes]:
        for index in range(1000):
            produced.append(index)
            yield b"y" * 1024

    transport, _ = routes(
        {
            "example.org/stream": lambda request: httpx.Response(
                200, headers={"content-type": "text/plain"}, content=endless()
            )
        }
    )
    with pytest.raises(LoaderError, match=r"larger than the limit of 4\.0 KB"):
        fetch_url(
            "http://example.org/stream",
            Limits(url_max_bytes=4096),
            transport=transport,
            resolver=fake_resolver,
        )
    assert len(produced) < 10


def test_unsupported_content_type() -> None:
    transport, _ = routes(
        {
            "example.org/cat.png": httpx.Response(
                200, headers={"content-type": "image/png"}, content=b"\x89PNG"
            )
        }
    )
    with pytest.raises(UnsupportedFormat, match="image/png"):
        load_url("http://example.org/cat.png", transport=transport, resolver=fake_resolver)


def test_generic_content_type_falls_back_to_the_url_extension(make_pdf) -> None:
    pdf = make_pdf(["A PDF served as octet-stream."])
    transport, _ = routes(
        {
            "example.org/doc.pdf": httpx.Response(
                200, headers={"content-type": "application/octet-stream"}, content=pdf
            )
        }
    )
    doc = load_url("http://example.org/doc.pdf", transport=transport, resolver=fake_resolver)
    assert doc.media_type == "application/pdf"
    assert doc.sections[0].page == 1


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (httpx.ConnectError("connection refused"), "could not be reached"),
        (httpx.ReadTimeout("slow"), "did not answer within 20 s"),
    ],
)
def test_transport_errors_are_wrapped(error: Exception, message: str) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise error

    with pytest.raises(LoaderError, match=message) as caught:
        fetch_url(
            "http://example.org/", transport=httpx.MockTransport(fail), resolver=fake_resolver
        )
    assert caught.value.input_name == "http://example.org/"


# --------------------------------------------------------------------------- real HTTP


class _Handler(BaseHTTPRequestHandler):
    ROUTES: ClassVar[dict[str, tuple[str, bytes]]] = {
        "/page.html": ("text/html; charset=utf-8", PAGE),
        "/notes.txt": ("text/plain; charset=utf-8", "Café notes: the real path works.".encode()),
        "/big.txt": ("text/plain", b"z " * 50_000),
        "/image.png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    }

    def do_GET(self) -> None:
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/notes.txt")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path not in self.ROUTES:
            self.send_error(404)
            return
        content_type, body = self.ROUTES[self.path]
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output quiet


@pytest.fixture
def local_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_real_http_fetch_against_a_local_server(local_server: str) -> None:
    with pytest.raises(BlockedURL, match="loopback"):
        load_url(f"{local_server}/notes.txt")  # the default refuses this computer

    notes = load_url(f"{local_server}/notes.txt", allow_private=True)
    assert notes.text == "Café notes: the real path works."
    assert notes.uri == f"{local_server}/notes.txt"

    page = load_url(f"{local_server}/page.html", allow_private=True)
    assert page.title == "Fetched page" and page.media_type == "text/html"

    redirected = load_url(f"{local_server}/redirect", allow_private=True)
    assert redirected.text == notes.text
    assert redirected.metadata["final_url"] == f"{local_server}/notes.txt"

    with pytest.raises(LoaderError, match="too large"):
        load_url(f"{local_server}/big.txt", Limits(url_max_bytes=10_000), allow_private=True)
    with pytest.raises(UnsupportedFormat, match="image/png"):
        load_url(f"{local_server}/image.png", allow_private=True)
    with pytest.raises(LoaderError, match="404"):
        load_url(f"{local_server}/missing", allow_private=True)
