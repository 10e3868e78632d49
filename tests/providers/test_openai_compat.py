"""The OpenAI-compatible adapter against a real HTTP server on 127.0.0.1, scripted per test."""

from __future__ import annotations

import json
import socket
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from local_http_server import LocalHTTPServer

from causerie.errors import MissingCredentials, ProviderError, ProviderUnavailable
from causerie.providers import allow_model_requests, collect_text
from causerie.providers.fake import split_words
from causerie.providers.openai_compat import (
    OpenAICompatProvider,
    RetryPolicy,
    build_chat_request,
    error_message,
    iter_sse_data,
    parse_chunk,
    parse_retry_after,
    server_label,
)
from causerie.testing.provider_contract import ProviderContract
from causerie.types import Finish, GenerationOptions, Message, TextDelta, Usage

ASK = [Message("system", "Be brief."), Message("user", "What is the capital of France?")]
OPTIONS = GenerationOptions(max_tokens=32)


# --------------------------------------------------------------------------- the scripted server


@dataclass
class Step:
    """One scripted response. status 200 streams `text` as SSE chunks."""

    status: int = 200
    text: str = "Paris is the capital of France."
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None  # error body (JSON-encoded unless bytes)
    cut_after: int | None = None  # drop the connection after n text chunks (no [DONE])
    error_after: int | None = None  # send an SSE error object after n text chunks
    finish_reason: str = "stop"
    delay_s: float = 0.0  # pause between chunks
    header_delay_s: float = 0.0  # pause before the status line


class ScriptedServer(LocalHTTPServer):
    def __init__(self) -> None:
        self.steps: deque[Step] = deque()
        self.requests: list[dict[str, Any]] = []
        self.disconnects = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                server.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                step = server.steps.popleft() if server.steps else Step()
                self.close_connection = True
                try:
                    if step.header_delay_s:
                        time.sleep(step.header_delay_s)
                    if step.status != 200:
                        self._send_error(step)
                    else:
                        self._send_stream(step, body)
                except (BrokenPipeError, ConnectionResetError):
                    server.disconnects += 1

            def _send_error(self, step: Step) -> None:
                raw = step.body if isinstance(step.body, bytes) else json.dumps(step.body).encode()
                self.send_response(step.status)
                for name, value in step.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(raw)

            def _send_stream(self, step: Step, request: dict[str, Any]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.send_header("Connection", "close")
                self.end_headers()
                pieces = split_words(step.text)
                for i, piece in enumerate(pieces):
                    if step.cut_after is not None and i == step.cut_after:
                        self.wfile.flush()
                        self.connection.shutdown(socket.SHUT_RDWR)  # no final 0-chunk
                        return
                    if step.error_after is not None and i == step.error_after:
                        self._event({"error": {"message": "the model is overloaded"}})
                        self._end()
                        return
                    self._event(_chunk({"content": piece}))
                    if step.delay_s:
                        time.sleep(step.delay_s)
                self._event(_chunk({}, finish_reason=step.finish_reason))
                if request.get("stream_options", {}).get("include_usage"):
                    usage = {"prompt_tokens": 12, "completion_tokens": len(pieces)}
                    self._event({"id": "x", "choices": [], "usage": usage})
                self._write(b"data: [DONE]\n\n")
                self._end()

            def _event(self, payload: dict[str, Any]) -> None:
                self._write(b"data: " + json.dumps(payload).encode() + b"\n\n")

            def _write(self, data: bytes) -> None:
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

            def _end(self) -> None:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()

        self._serve(Handler)

    @property
    def base_url(self) -> str:
        return f"{self.root}/v1"

    def script(self, *steps: Step) -> None:
        self.steps.extend(steps)


def _chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as srv:
        yield srv


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def provider(server: ScriptedServer, sleeps: list[float]) -> Iterator[OpenAICompatProvider]:
    p = OpenAICompatProvider(
        base_url=server.base_url,
        api_key="sk-local",
        model="test-model",
        timeout_s=5.0,
        max_retries=2,
        sleep=sleeps.append,
    )
    with allow_model_requests(True):
        yield p
    p.close()


class TestOpenAICompatContract(ProviderContract):
    def script_reply(self, provider: Any, text: str) -> str | None:
        self._server.script(Step(text=text))
        return text

    @pytest.fixture(autouse=True)
    def _bind_server(self, server: ScriptedServer) -> None:
        self._server = server


# --------------------------------------------------------------------------- streaming


def test_streams_text_usage_and_finish(provider: OpenAICompatProvider) -> None:
    events = list(provider.stream(ASK, OPTIONS))
    assert collect_text(iter(events)) == "Paris is the capital of France."
    assert events[-2] == Usage(prompt_tokens=12, completion_tokens=6)
    assert events[-1] == Finish("stop")


def test_request_body_and_headers(server: ScriptedServer, provider: OpenAICompatProvider) -> None:
    schema = {"title": "Cited answer", "type": "object", "properties": {"a": {"type": "string"}}}
    opts = GenerationOptions(
        max_tokens=9, temperature=0.0, stop=["\n\n"], seed=3, json_schema=schema
    )
    list(provider.stream(ASK, opts))
    [request] = server.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == "Bearer sk-local"
    body = request["body"]
    assert body["model"] == "test-model"
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert (body["max_tokens"], body["temperature"], body["stop"], body["seed"]) == (
        9,
        0.0,
        ["\n\n"],
        3,
    )
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "Cited_answer", "schema": schema},
    }


def test_length_finish_reason(server: ScriptedServer, provider: OpenAICompatProvider) -> None:
    server.script(Step(finish_reason="length"))
    assert list(provider.stream(ASK, OPTIONS))[-1] == Finish("length")


def test_stream_cut_mid_answer_keeps_the_partial_text(
    server: ScriptedServer, provider: OpenAICompatProvider
) -> None:
    server.script(Step(cut_after=3))
    events = list(provider.stream(ASK, OPTIONS))
    assert collect_text(iter(events)) == "Paris is the"
    finish = events[-1]
    assert isinstance(finish, Finish) and finish.reason == "interrupted"
    assert finish.error and "stream" in finish.error
    assert len(server.requests) == 1  # never retried after text


def test_stream_cut_before_any_text_raises(
    server: ScriptedServer, provider: OpenAICompatProvider
) -> None:
    server.script(Step(cut_after=0))
    with pytest.raises(ProviderUnavailable, match="stream"):
        list(provider.stream(ASK, OPTIONS))


def test_error_object_mid_stream(server: ScriptedServer, provider: OpenAICompatProvider) -> None:
    server.script(Step(error_after=2))
    events = list(provider.stream(ASK, OPTIONS))
    assert collect_text(iter(events)) == "Paris is"
    assert events[-1] == Finish("interrupted", error=events[-1].error)  # type: ignore[union-attr]
    assert "overloaded" in (events[-1].error or "")  # type: ignore[union-attr]


def test_error_object_before_text_raises(
    server: ScriptedServer, provider: OpenAICompatProvider
) -> None:
    server.script(Step(error_after=0))
    with pytest.raises(ProviderError, match="overloaded"):
        list(provider.stream(ASK, OPTIONS))


def test_early_close_releases_the_connection(
    server: ScriptedServer, provider: OpenAICompatProvider
) -> None:
    server.script(Step(text="word " * 200, delay_s=0.01))
    stream = provider.stream(ASK, OPTIONS)
    assert isinstance(next(stream), TextDelta)
    stream.close()  # type: ignore[attr-defined]
    deadline = time.monotonic() + 5
    while server.disconnects == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.disconnects == 1


# --------------------------------------------------------------------------- retries and errors


def test_429_then_200_honours_retry_after(
    server: ScriptedServer, provider: OpenAICompatProvider, sleeps: list[float]
) -> None:
    server.script(
        Step(status=429, headers={"Retry-After": "0"}, body={"error": "slow down"}), Step()
    )
    assert collect_text(provider.stream(ASK, OPTIONS)) == "Paris is the capital of France."
    assert sleeps == [0.0]
    assert len(server.requests) == 2


def test_retry_after_is_capped(
    server: ScriptedServer, provider: OpenAICompatProvider, sleeps: list[float]
) -> None:
    server.script(Step(status=503, headers={"Retry-After": "3600"}, body={}), Step())
    collect_text(provider.stream(ASK, OPTIONS))
    assert sleeps == [20.0]


def test_500_retried_then_gives_up(
    server: ScriptedServer, provider: OpenAICompatProvider, sleeps: list[float]
) -> None:
    server.script(*[Step(status=500, body={"error": {"message": "boom"}})] * 3)
    with pytest.raises(ProviderUnavailable, match=r"HTTP 500 after 3 attempts: boom"):
        list(provider.stream(ASK, OPTIONS))
    assert len(server.requests) == 3
    assert len(sleeps) == 2 and 0 < sleeps[0] <= 0.5 and 0 < sleeps[1] <= 1.0


def test_500_then_success(server: ScriptedServer, provider: OpenAICompatProvider) -> None:
    server.script(Step(status=502, body=b"bad gateway"), Step(text="ok"))
    assert collect_text(provider.stream(ASK, OPTIONS)) == "ok"


def test_401_is_missing_credentials_and_not_retried(
    server: ScriptedServer, provider: OpenAICompatProvider
) -> None:
    server.script(Step(status=401, body={"error": {"message": "Incorrect API key"}}))
    with pytest.raises(MissingCredentials, match=r"HTTP 401: Incorrect API key.*CAUSERIE_API_KEY"):
        list(provider.stream(ASK, OPTIONS))
    assert len(server.requests) == 1


def test_403_names_the_model(server: ScriptedServer, provider: OpenAICompatProvider) -> None:
    server.script(Step(status=403, body={"error": "forbidden"}))
    with pytest.raises(ProviderError, match="test-model"):
        list(provider.stream(ASK, OPTIONS))


def test_404_model_not_found(server: ScriptedServer, provider: OpenAICompatProvider) -> None:
    server.script(Step(status=404, body={"error": {"message": 'model "test-model" not found'}}))
    with pytest.raises(ProviderError, match=r"model 'test-model'.*HTTP 404.*CAUSERIE_MODEL"):
        list(provider.stream(ASK, OPTIONS))


def test_400_passes_the_server_message(
    server: ScriptedServer, provider: OpenAICompatProvider
) -> None:
    server.script(Step(status=400, body={"detail": "max_tokens too large"}))
    with pytest.raises(ProviderError, match="max_tokens too large"):
        list(provider.stream(ASK, OPTIONS))


def test_read_timeout_before_headers(server: ScriptedServer, sleeps: list[float]) -> None:
    server.script(Step(header_delay_s=1.0))
    p = OpenAICompatProvider(server.base_url, model="m", timeout_s=0.2, sleep=sleeps.append)
    try:
        with allow_model_requests(True), pytest.raises(ProviderError, match="did not answer"):
            list(p.stream(ASK, OPTIONS))
    finally:
        p.close()


def test_connection_refused(sleeps: list[float]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    p = OpenAICompatProvider(url, model="m", max_retries=2, sleep=sleeps.append)
    try:
        with allow_model_requests(True), pytest.raises(ProviderUnavailable) as info:
            list(p.stream(ASK, OPTIONS))
    finally:
        p.close()
    message = str(info.value)
    assert message.startswith(
        f"cannot reach the OpenAI-compatible server at {url}/chat/completions"
    )
    assert "is the server running?" in message
    assert len(sleeps) == 2


def test_missing_key_for_api_openai_com() -> None:
    with pytest.raises(MissingCredentials, match="CAUSERIE_API_KEY or OPENAI_API_KEY"):
        OpenAICompatProvider("https://api.openai.com/v1", model="gpt-4o-mini")


def test_injected_client_is_used_and_not_closed(server: ScriptedServer) -> None:
    import httpx

    with httpx.Client(timeout=5) as client:
        p = OpenAICompatProvider(server.base_url, model="m", client=client)
        with allow_model_requests(True):
            assert collect_text(p.stream(ASK, OPTIONS)).startswith("Paris")
        p.close()
        assert not client.is_closed


# --------------------------------------------------------------------------- wire format units


def test_sse_parsing() -> None:
    lines = [": keep-alive", "event: message", 'data: {"a":', "data: 1}", "", "data:[DONE]", ""]
    assert list(iter_sse_data(lines)) == ['{"a":\n1}', "[DONE]"]
    assert list(iter_sse_data(["data: x"])) == ["x"]


def test_parse_chunk() -> None:
    chunk = parse_chunk(_chunk({"content": "hi"}, finish_reason=None))
    assert (chunk.text, chunk.finish_reason, chunk.usage, chunk.error) == ("hi", None, None, None)
    usage = parse_chunk({"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 4}})
    assert usage.usage == Usage(3, 4)
    assert parse_chunk({"error": {"message": "bad"}}).error == "bad"
    assert parse_chunk(_chunk({"role": "assistant"})).text == ""


def test_build_request_without_usage_or_schema() -> None:
    body = build_chat_request("m", ASK, GenerationOptions(seed=None), include_usage=False)
    assert "stream_options" not in body and "seed" not in body and "stop" not in body
    assert "response_format" not in body


def test_retry_after_and_backoff() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("nonsense") is None
    assert (parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") or 0) < 0
    policy = RetryPolicy(max_retries=5, base_s=1.0, cap_s=4.0)
    assert 0.5 <= policy.delay(0) <= 1.0 and 2.0 <= policy.delay(5) <= 4.0
    assert policy.delay(0, retry_after=100) == 4.0


def test_labels_and_error_messages() -> None:
    assert server_label("http://localhost:11434/v1") == "Ollama"
    assert server_label("https://openrouter.ai/api/v1") == "OpenRouter"
    assert server_label("https://api.openai.com/v1") == "OpenAI"
    assert server_label("http://gpu-box:8000/v1") == "the OpenAI-compatible server"
    assert error_message(b"<html> oops </html>") == "<html> oops </html>"
    assert error_message(b'{"error": {"message": "nope"}}') == "nope"
