"""The Anthropic and Gemini adapters, through their official SDKs, against a local server
that speaks each API's streaming format. Skipped where the SDK is not installed, except the
missing-dependency tests."""

from __future__ import annotations

import builtins
import json
import re
import socket
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from local_http_server import LocalHTTPServer

from causerie.errors import (
    MissingCredentials,
    MissingDependency,
    ProviderError,
    ProviderUnavailable,
)
from causerie.providers import allow_model_requests, collect_text
from causerie.providers.fake import split_words
from causerie.testing.provider_contract import ProviderContract
from causerie.types import Finish, GenerationOptions, Message, TextDelta, Usage

ASK = [
    Message("system", "Be brief."),
    Message("user", "Hello."),
    Message("user", "What is the capital of France?"),
]
OPTIONS = GenerationOptions(max_tokens=32, temperature=0.0, stop=["\n\n"])
REPLY = "Paris is the capital of France."


# --------------------------------------------------------------------------- canned server


@dataclass
class Canned:
    status: int = 200
    events: list[bytes] = field(default_factory=list)  # SSE events, sent one by one
    body: Any = None  # JSON body for errors
    cut: bool = False  # drop the connection after the events (no clean end)
    delay_s: float = 0.0


class CannedServer(LocalHTTPServer):
    def __init__(self) -> None:
        self.responses: deque[Canned] = deque()
        self.requests: list[dict[str, Any]] = []
        self.disconnects = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                server.requests.append(
                    {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": json.loads(raw or b"{}"),
                    }
                )
                canned = server.responses.popleft()
                self.close_connection = True
                try:
                    self._respond(canned)
                except (BrokenPipeError, ConnectionResetError):
                    server.disconnects += 1

            def _respond(self, canned: Canned) -> None:
                if canned.status != 200:
                    data = json.dumps(canned.body).encode()
                    self.send_response(canned.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(data)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.send_header("Connection", "close")
                self.end_headers()
                for event in canned.events:
                    self.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
                    self.wfile.flush()
                    if canned.delay_s:
                        time.sleep(canned.delay_s)
                if canned.cut:
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()

        self._serve(Handler)

    @property
    def url(self) -> str:
        return self.root

    def add(self, *responses: Canned) -> None:
        self.responses.extend(responses)


@pytest.fixture
def server() -> Iterator[CannedServer]:
    with CannedServer() as srv, allow_model_requests(True):
        yield srv


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


# --------------------------------------------------------------------------- Anthropic wire


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def anthropic_stream(
    text: str = REPLY, stop_reason: str = "end_turn", upto: int | None = None
) -> list[bytes]:
    pieces = split_words(text)
    events = [
        _sse(
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": "msg_1",
                    "type": "message",
                    "role": "assistant",
                    "content": [],
                    "model": "claude-haiku-4-5",
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": 12, "output_tokens": 1},
                },
            },
        ),
        _sse(
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        ),
        _sse("ping", {"type": "ping"}),
    ]
    for piece in pieces[:upto]:
        delta = {"type": "text_delta", "text": piece}
        events.append(
            _sse("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta})
        )
    if upto is not None:
        return events
    events += [
        _sse("content_block_stop", {"type": "content_block_stop", "index": 0}),
        _sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                "usage": {"output_tokens": len(pieces)},
            },
        ),
        _sse("message_stop", {"type": "message_stop"}),
    ]
    return events


def anthropic_error(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}


@pytest.fixture
def anthropic_provider(server: CannedServer) -> Iterator[Any]:
    pytest.importorskip("anthropic")
    from causerie.providers.anthropic import AnthropicProvider

    provider = AnthropicProvider(
        api_key="sk-ant-test", base_url=server.url, max_retries=0, timeout_s=5
    )
    yield provider
    provider.close()


class TestAnthropicContract(ProviderContract):
    @pytest.fixture
    def provider(self, anthropic_provider: Any, server: CannedServer) -> Any:
        self._server = server
        return anthropic_provider

    def script_reply(self, provider: Any, text: str) -> str | None:
        self._server.add(Canned(events=anthropic_stream(text)))
        return text


def test_anthropic_stream_and_request(anthropic_provider: Any, server: CannedServer) -> None:
    server.add(Canned(events=anthropic_stream()))
    events = list(anthropic_provider.stream(ASK, OPTIONS))
    assert collect_text(iter(events)) == REPLY
    assert events[-2:] == [Usage(12, 6), Finish("stop")]
    [request] = server.requests
    assert request["path"] == "/v1/messages"
    headers = request["headers"]  # the key goes as x-api-key (1.x SDKs) or a bearer token (2.x)
    assert "sk-ant-test" in (headers.get("x-api-key"), headers.get("authorization", "")[7:])
    body = request["body"]
    assert body["system"] == "Be brief."
    assert body["messages"] == [
        {"role": "user", "content": "Hello.\n\nWhat is the capital of France?"}
    ]
    assert (body["model"], body["max_tokens"], body["stream"]) == ("claude-haiku-4-5", 32, True)
    assert body["stop_sequences"] == ["\n\n"]


def test_anthropic_json_schema(anthropic_provider: Any, server: CannedServer) -> None:
    server.add(Canned(events=anthropic_stream('{"answer": "Paris"}')))
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "string"}},
        "required": ["answer"],
    }
    text = collect_text(anthropic_provider.stream(ASK, GenerationOptions(json_schema=schema)))
    assert json.loads(text) == {"answer": "Paris"}
    fmt = server.requests[0]["body"]["output_config"]["format"]
    assert fmt == {"type": "json_schema", "schema": {**schema, "additionalProperties": False}}


def test_anthropic_max_tokens(anthropic_provider: Any, server: CannedServer) -> None:
    server.add(Canned(events=anthropic_stream(stop_reason="max_tokens")))
    assert list(anthropic_provider.stream(ASK, OPTIONS))[-1] == Finish("length")


def test_anthropic_cut_mid_answer(anthropic_provider: Any, server: CannedServer) -> None:
    server.add(Canned(events=anthropic_stream(upto=2), cut=True))
    events = list(anthropic_provider.stream(ASK, OPTIONS))
    assert collect_text(iter(events)) == "Paris is"
    assert isinstance(events[-1], Finish) and events[-1].reason == "interrupted"


def test_anthropic_error_event_mid_stream(anthropic_provider: Any, server: CannedServer) -> None:
    error = _sse("error", anthropic_error("overloaded_error", "Overloaded"))
    server.add(Canned(events=[*anthropic_stream(upto=2), error]))
    events = list(anthropic_provider.stream(ASK, OPTIONS))
    assert collect_text(iter(events)) == "Paris is"
    assert events[-1].reason == "interrupted"  # type: ignore[union-attr]
    assert "Overloaded" in (events[-1].error or "")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("status", "kind", "error", "pattern"),
    [
        (
            401,
            "authentication_error",
            MissingCredentials,
            r"HTTP 401: invalid x-api-key.*ANTHROPIC_API_KEY",
        ),
        (403, "permission_error", ProviderError, "HTTP 403"),
        (404, "not_found_error", ProviderError, r"model 'claude-haiku-4-5' not found"),
        (429, "rate_limit_error", ProviderError, "rate limiting"),
        (529, "overloaded_error", ProviderUnavailable, "HTTP 529"),
        (400, "invalid_request_error", ProviderError, "HTTP 400: boom"),
    ],
)
def test_anthropic_status_errors(
    anthropic_provider: Any, server: CannedServer, status: int, kind: str, error: type, pattern: str
) -> None:
    message = "invalid x-api-key" if status == 401 else "boom"
    server.add(Canned(status=status, body=anthropic_error(kind, message)))
    with pytest.raises(error, match=pattern):
        list(anthropic_provider.stream(ASK, OPTIONS))


def test_anthropic_early_close_releases_the_connection(
    anthropic_provider: Any, server: CannedServer
) -> None:
    server.add(Canned(events=anthropic_stream("word " * 200), delay_s=0.01))
    stream = anthropic_provider.stream(ASK, OPTIONS)
    assert isinstance(next(stream), TextDelta)
    stream.close()
    _wait_for(lambda: server.disconnects == 1)


def test_anthropic_unreachable() -> None:
    pytest.importorskip("anthropic")
    from causerie.providers.anthropic import AnthropicProvider

    url = _closed_port_url()
    provider = AnthropicProvider(api_key="k", base_url=url, max_retries=0, timeout_s=5)
    try:
        with (
            allow_model_requests(True),
            pytest.raises(ProviderUnavailable, match=re.escape(f"cannot reach Anthropic at {url}")),
        ):
            list(provider.stream(ASK, OPTIONS))
    finally:
        provider.close()


def test_anthropic_missing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("anthropic")
    from causerie.providers.anthropic import AnthropicProvider

    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(MissingCredentials, match="ANTHROPIC_API_KEY or CAUSERIE_API_KEY"):
        AnthropicProvider()


def test_anthropic_key_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("anthropic")
    from causerie.providers.anthropic import AnthropicProvider

    monkeypatch.setenv("ANTHROPIC_API_KEY", "from-env")
    AnthropicProvider().close()


def test_anthropic_message_mapping() -> None:
    from causerie.providers.anthropic import closed_schema, split_system

    system, turns = split_system(
        [
            Message("system", "A"),
            Message("user", "q1"),
            Message("system", "B"),
            Message("assistant", "a1"),
            Message("assistant", "a2"),
            Message("user", "q2"),
        ]
    )
    assert system == "A\n\nB"
    assert turns == [
        {"role": "user", "content": "q1"},
        {"role": "assistant", "content": "a1\n\na2"},
        {"role": "user", "content": "q2"},
    ]
    nested = {
        "type": "object",
        "properties": {"x": {"type": "array", "items": {"type": "object", "properties": {}}}},
    }
    closed = closed_schema(nested)
    assert closed["additionalProperties"] is False
    assert closed["properties"]["x"]["items"]["additionalProperties"] is False
    assert "additionalProperties" not in nested


# --------------------------------------------------------------------------- Gemini wire


def gemini_chunk(text: str | None, finish: str | None = None, usage: bool = False) -> bytes:
    candidate: dict[str, Any] = {"index": 0}
    if text is not None:
        candidate["content"] = {"role": "model", "parts": [{"text": text}]}
    if finish:
        candidate["finishReason"] = finish
    payload: dict[str, Any] = {"candidates": [candidate], "modelVersion": "gemini-2.5-flash"}
    if usage:
        payload["usageMetadata"] = {
            "promptTokenCount": 12,
            "candidatesTokenCount": 6,
            "totalTokenCount": 18,
        }
    return f"data: {json.dumps(payload)}\r\n\r\n".encode()


def gemini_stream(text: str = REPLY, finish: str = "STOP", upto: int | None = None) -> list[bytes]:
    pieces = split_words(text)
    events = [gemini_chunk(piece) for piece in pieces[:upto]]
    if upto is None:
        events.append(gemini_chunk(None, finish=finish, usage=True))
    return events


def gemini_error(code: int, status: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status}}


@pytest.fixture
def gemini_provider(server: CannedServer) -> Iterator[Any]:
    pytest.importorskip("google.genai")
    from causerie.providers.gemini import GeminiProvider

    provider = GeminiProvider(api_key="g-test", base_url=server.url, max_retries=0, timeout_s=5)
    yield provider
    provider.close()


class TestGeminiContract(ProviderContract):
    @pytest.fixture
    def provider(self, gemini_provider: Any, server: CannedServer) -> Any:
        self._server = server
        return gemini_provider

    def script_reply(self, provider: Any, text: str) -> str | None:
        self._server.add(Canned(events=gemini_stream(text)))
        return text


def test_gemini_stream_and_request(gemini_provider: Any, server: CannedServer) -> None:
    server.add(Canned(events=gemini_stream()))
    events = list(
        gemini_provider.stream(
            [*ASK, Message("assistant", "Paris."), Message("user", "Sure?")], OPTIONS
        )
    )
    assert collect_text(iter(events)) == REPLY
    assert events[-2:] == [Usage(12, 6), Finish("stop")]
    [request] = server.requests
    assert "/models/gemini-2.5-flash:streamGenerateContent" in request["path"]
    assert request["headers"]["x-goog-api-key"] == "g-test"
    body = request["body"]
    assert body["systemInstruction"]["parts"][0]["text"] == "Be brief."
    assert [c["role"] for c in body["contents"]] == ["user", "model", "user"]
    assert body["contents"][0]["parts"][0]["text"] == "Hello.\n\nWhat is the capital of France?"
    config = body["generationConfig"]
    assert (config["maxOutputTokens"], config["temperature"], config["stopSequences"]) == (
        32,
        0.0,
        ["\n\n"],
    )


def test_gemini_json_schema(gemini_provider: Any, server: CannedServer) -> None:
    server.add(Canned(events=gemini_stream('{"answer": "Paris"}')))
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "string"}},
        "required": ["answer"],
    }
    text = collect_text(gemini_provider.stream(ASK, GenerationOptions(json_schema=schema)))
    assert json.loads(text) == {"answer": "Paris"}
    config = server.requests[0]["body"]["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert config["responseJsonSchema"] == schema


def test_gemini_max_tokens(gemini_provider: Any, server: CannedServer) -> None:
    server.add(Canned(events=gemini_stream(finish="MAX_TOKENS")))
    assert list(gemini_provider.stream(ASK, OPTIONS))[-1] == Finish("length")


def test_gemini_safety_stop_is_an_error_finish(gemini_provider: Any, server: CannedServer) -> None:
    server.add(Canned(events=gemini_stream(finish="SAFETY")))
    finish = list(gemini_provider.stream(ASK, OPTIONS))[-1]
    assert (
        isinstance(finish, Finish) and finish.reason == "error" and "SAFETY" in (finish.error or "")
    )


def test_gemini_cut_mid_answer(gemini_provider: Any, server: CannedServer) -> None:
    server.add(Canned(events=gemini_stream(upto=2), cut=True))
    events = list(gemini_provider.stream(ASK, OPTIONS))
    assert collect_text(iter(events)) == "Paris is"
    assert isinstance(events[-1], Finish) and events[-1].reason == "interrupted"


@pytest.mark.parametrize(
    ("status", "state", "message", "error", "pattern"),
    [
        (400, "INVALID_ARGUMENT", "API key not valid.", MissingCredentials, "GEMINI_API_KEY"),
        (403, "PERMISSION_DENIED", "denied", ProviderError, "HTTP 403"),
        (404, "NOT_FOUND", "no such model", ProviderError, r"model 'gemini-2.5-flash' not found"),
        (429, "RESOURCE_EXHAUSTED", "quota", ProviderError, "rate limiting"),
        (503, "UNAVAILABLE", "overloaded", ProviderUnavailable, "HTTP 503"),
    ],
)
def test_gemini_status_errors(
    gemini_provider: Any,
    server: CannedServer,
    status: int,
    state: str,
    message: str,
    error: type,
    pattern: str,
) -> None:
    server.add(Canned(status=status, body=gemini_error(status, state, message)))
    with pytest.raises(error, match=pattern):
        list(gemini_provider.stream(ASK, OPTIONS))


def test_gemini_unreachable() -> None:
    pytest.importorskip("google.genai")
    from causerie.providers.gemini import GeminiProvider

    url = _closed_port_url()
    provider = GeminiProvider(api_key="k", base_url=url, max_retries=0, timeout_s=5)
    try:
        with (
            allow_model_requests(True),
            pytest.raises(ProviderUnavailable, match="cannot reach Gemini"),
        ):
            list(provider.stream(ASK, OPTIONS))
    finally:
        provider.close()


def test_gemini_missing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("google.genai")
    from causerie.providers.gemini import GeminiProvider

    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    with pytest.raises(MissingCredentials, match="GEMINI_API_KEY or CAUSERIE_API_KEY"):
        GeminiProvider()


def test_gemini_message_mapping() -> None:
    from causerie.providers.gemini import to_contents

    system, contents = to_contents(
        [
            Message("system", "S"),
            Message("user", "q"),
            Message("assistant", "a"),
            Message("assistant", "b"),
        ]
    )
    assert system == "S"
    assert contents == [
        {"role": "user", "parts": [{"text": "q"}]},
        {"role": "model", "parts": [{"text": "a\n\nb"}]},
    ]


# --------------------------------------------------------------------------- missing SDKs


@pytest.mark.parametrize(
    ("module", "cls", "blocked", "package", "extra"),
    [
        (
            "causerie.providers.anthropic",
            "AnthropicProvider",
            "anthropic",
            "anthropic",
            "anthropic",
        ),
        ("causerie.providers.gemini", "GeminiProvider", "google", "google-genai", "gemini"),
    ],
)
def test_missing_sdk_gives_an_install_hint(
    monkeypatch: pytest.MonkeyPatch, module: str, cls: str, blocked: str, package: str, extra: str
) -> None:
    import importlib

    real_import = builtins.__import__

    def guarded(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == blocked or name.startswith(blocked + "."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    provider_cls = getattr(importlib.import_module(module), cls)
    monkeypatch.setattr(builtins, "__import__", guarded)
    with pytest.raises(MissingDependency) as info:
        provider_cls(api_key="k")
    assert (info.value.package, info.value.extra) == (package, extra)
    assert f"pip install 'causerie[{extra}]'" in str(info.value)


def _wait_for(condition: Any, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert condition()


def test_gemini_early_close_releases_the_connection(
    gemini_provider: Any, server: CannedServer
) -> None:
    server.add(Canned(events=gemini_stream("word " * 200), delay_s=0.01))
    stream = gemini_provider.stream(ASK, OPTIONS)
    assert isinstance(next(stream), TextDelta)
    stream.close()
    _wait_for(lambda: server.disconnects == 1)


def test_factory_builds_the_sdk_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("anthropic")
    pytest.importorskip("google.genai")
    from causerie.config import load_settings
    from causerie.providers import make_provider

    for var in ("ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    for name in ("anthropic", "gemini"):
        with pytest.raises(MissingCredentials):
            make_provider(load_settings(provider=name))
        settings = load_settings(provider=name, api_key="k", model="m", max_concurrent_requests=6)
        provider = make_provider(settings)
        assert (provider.name, provider.model) == (name, "m")  # type: ignore[attr-defined]
        assert provider.capabilities.max_concurrency == 6
        provider.close()  # type: ignore[attr-defined]
