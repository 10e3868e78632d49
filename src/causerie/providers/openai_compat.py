"""One adapter for every server that speaks OpenAI chat completions over HTTP + SSE.

OpenAI, vLLM, Ollama (`http://localhost:11434/v1`), LM Studio, llama.cpp server, OpenRouter:

    OpenAICompatProvider(base_url="http://localhost:11434/v1", model="llama3.2")

The module has two halves:
- the wire format (`build_chat_request`, `iter_sse_data`, `parse_chunk`): pure functions from
  messages to a request body and from SSE lines to events, with no I/O;
- the transport (`Endpoint`, `RetryPolicy`, `OpenAICompatProvider._open`): URL, credentials,
  timeouts, bounded retries with backoff before the first byte, and error mapping.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from causerie.errors import MissingCredentials, ProviderError, ProviderUnavailable
from causerie.providers.base import Capabilities
from causerie.types import Event, Finish, FinishReason, GenerationOptions, Message, TextDelta, Usage

# =========================================================================== wire format


def build_chat_request(
    model: str,
    messages: Sequence[Message],
    options: GenerationOptions,
    *,
    include_usage: bool = True,
) -> dict[str, Any]:
    """The JSON body of a streaming POST /chat/completions."""
    body: dict[str, Any] = {
        "model": model,
        "messages": [{"role": m.role, "content": m.content} for m in messages],
        "stream": True,
        "max_tokens": options.max_tokens,
        "temperature": options.temperature,
    }
    if include_usage:
        body["stream_options"] = {"include_usage": True}
    if options.stop:
        body["stop"] = list(options.stop)
    if options.seed is not None:
        body["seed"] = options.seed
    if options.json_schema is not None:
        schema = dict(options.json_schema)
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": _schema_name(schema), "schema": schema},
        }
    return body


def _schema_name(schema: Mapping[str, Any]) -> str:
    """OpenAI wants ^[a-zA-Z0-9_-]{1,64}$."""
    name = re.sub(r"[^a-zA-Z0-9_-]+", "_", str(schema.get("title") or "answer"))
    return name.strip("_")[:64] or "answer"


def iter_sse_data(lines: Iterable[str]) -> Iterator[str]:
    """The `data` of each server-sent event; multi-line data is joined with newlines.
    Comments (`:`), `event:`, `id:` and `retry:` fields are skipped."""
    buffer: list[str] = []
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line:
            if buffer:
                yield "\n".join(buffer)
                buffer = []
            continue
        if line.startswith("data:"):
            value = line[5:]
            buffer.append(value[1:] if value.startswith(" ") else value)
    if buffer:
        yield "\n".join(buffer)


@dataclass(frozen=True, slots=True)
class Chunk:
    """What one streamed JSON object says."""

    text: str = ""
    finish_reason: str | None = None
    usage: Usage | None = None
    error: str | None = None


def parse_chunk(payload: Any) -> Chunk:
    if not isinstance(payload, dict):
        return Chunk(error=f"unexpected stream data: {str(payload)[:200]}")
    if payload.get("error"):
        return Chunk(error=error_message(payload))
    text = ""
    finish_reason = None
    choices = payload.get("choices") or []
    if choices and isinstance(choices[0], dict):
        choice = choices[0]
        delta = choice.get("delta") or {}
        content = delta.get("content") if isinstance(delta, dict) else None
        text = content if isinstance(content, str) else ""
        finish_reason = choice.get("finish_reason")
    usage = None
    raw_usage = payload.get("usage")
    if isinstance(raw_usage, dict):
        usage = Usage(
            prompt_tokens=int(raw_usage.get("prompt_tokens") or 0),
            completion_tokens=int(raw_usage.get("completion_tokens") or 0),
        )
    return Chunk(text=text, finish_reason=finish_reason, usage=usage)


def map_finish_reason(reason: str | None) -> FinishReason:
    if reason == "length":
        return "length"
    if reason == "content_filter":
        return "error"
    return "stop"  # stop, eos, tool_calls, function_call, or unset after [DONE]


def error_message(body: Any) -> str:
    """The human part of an error body: {"error": {"message": ...}}, {"error": "..."},
    {"detail": ...}, or the raw text."""
    if isinstance(body, bytes | str):
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        try:
            body = json.loads(text)
        except ValueError:
            return " ".join(text.split())[:300] or "(empty body)"
    if isinstance(body, dict):
        err = body.get("error", body.get("detail", body.get("message")))
        if isinstance(err, dict):
            err = err.get("message") or err
        if err:
            return str(err)[:300]
    return json.dumps(body)[:300]


# =========================================================================== transport


def is_openai_host(base_url: str) -> bool:
    return (urlsplit(base_url).hostname or "").lower() == "api.openai.com"


def server_label(base_url: str) -> str:
    """A name for error messages: OpenAI, OpenRouter, Ollama, LM Studio, or the generic one."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower()
    if host == "api.openai.com":
        return "OpenAI"
    if host.endswith("openrouter.ai"):
        return "OpenRouter"
    if parts.port == 11434:
        return "Ollama"
    if parts.port == 1234:
        return "LM Studio"
    return "the OpenAI-compatible server"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where to send requests and with which credentials."""

    base_url: str
    api_key: str | None = None
    extra_headers: Mapping[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")

    def headers(self) -> dict[str, str]:
        headers = {"Accept": "text/event-stream", **self.extra_headers}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded retries before the first byte: exponential backoff with jitter, Retry-After
    honoured up to `cap_s`."""

    max_retries: int = 2
    base_s: float = 0.5
    cap_s: float = 20.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.cap_s)
        backoff = min(self.cap_s, self.base_s * 2.0**attempt)
        return backoff * (0.5 + random.random() / 2)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number or an HTTP date."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when.timestamp() - time.time()


_RETRY_STATUSES = {408, 429}
_CONNECT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError)


class OpenAICompatProvider:
    """Stream chat completions from an OpenAI-compatible server."""

    name = "openai"

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        model: str = "",
        timeout_s: float = 120.0,
        max_retries: int = 2,
        extra_headers: Mapping[str, str] | None = None,
        *,
        client: httpx.Client | None = None,
        context_window: int = 8192,
        max_concurrent_requests: int = 4,
        include_usage: bool = True,
        backoff_base_s: float = 0.5,
        retry_after_cap_s: float = 20.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not model:
            raise ProviderError(f"{server_label(base_url)} at {base_url}: no model name given")
        self.endpoint = Endpoint(base_url.rstrip("/"), api_key or None, dict(extra_headers or {}))
        self.label = server_label(base_url)
        if is_openai_host(base_url) and not self.endpoint.api_key:
            raise MissingCredentials(
                f"OpenAI at {base_url} needs an API key: set CAUSERIE_API_KEY or OPENAI_API_KEY"
            )
        self.model = model
        self.timeout_s = timeout_s
        self.retry = RetryPolicy(max_retries, backoff_base_s, retry_after_cap_s)
        self.include_usage = include_usage
        self.capabilities = Capabilities(
            structured_output=True,
            context_window=context_window,
            max_concurrency=max_concurrent_requests,
        )
        self._sleep = sleep
        self._owns_client = client is None
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s))
        )

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def stream(self, messages: Sequence[Message], options: GenerationOptions) -> Iterator[Event]:
        from causerie.providers import check_allow_model_requests

        check_allow_model_requests(self.name)
        body = build_chat_request(self.model, messages, options, include_usage=self.include_usage)
        return self._events(body)

    # ------------------------------------------------------------------ request and retries

    def _open(self, body: dict[str, Any]) -> httpx.Response:
        """POST and return a streaming 2xx response, retrying what is worth retrying."""
        url = self.endpoint.url("chat/completions")
        attempt = 0
        while True:
            request = self._client.build_request(
                "POST", url, json=body, headers=self.endpoint.headers()
            )
            try:
                response = self._client.send(request, stream=True)
            except _CONNECT_ERRORS as exc:
                if attempt < self.retry.max_retries:
                    self._sleep(self.retry.delay(attempt))
                    attempt += 1
                    continue
                raise ProviderUnavailable(
                    f"cannot reach {self.label} at {url}: {_describe(exc)} — is the server running?"
                ) from None
            except httpx.TimeoutException as exc:
                raise ProviderError(
                    f"{self.label} at {url} did not answer within {self.timeout_s:g} s "
                    f"({type(exc).__name__}); raise CAUSERIE_REQUEST_TIMEOUT_S or try again"
                ) from None
            except httpx.HTTPError as exc:
                raise ProviderUnavailable(
                    f"request to {self.label} at {url} failed: {_describe(exc)}"
                ) from None
            if response.is_success:
                return response
            try:
                raw = response.read()
            except httpx.HTTPError:
                raw = b""
            finally:
                response.close()
            status = response.status_code
            if (status in _RETRY_STATUSES or status >= 500) and attempt < self.retry.max_retries:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                self._sleep(self.retry.delay(attempt, retry_after))
                attempt += 1
                continue
            raise self._status_error(status, raw, url, attempts=attempt + 1)

    def _status_error(self, status: int, raw: bytes, url: str, *, attempts: int) -> ProviderError:
        detail = error_message(raw)
        where = f"{self.label} at {url}"
        if status == 401:
            hint = (
                "check CAUSERIE_API_KEY"
                if self.endpoint.api_key
                else "no API key is set: set CAUSERIE_API_KEY"
            )
            return MissingCredentials(f"{where} rejected the request (HTTP 401: {detail}); {hint}")
        if status == 403:
            return ProviderError(
                f"{where} refused access (HTTP 403: {detail}); check that the API key may use "
                f"model {self.model!r}"
            )
        if status == 404:
            hint = f"; pull it with: ollama pull {self.model}" if self.label == "Ollama" else ""
            return ProviderError(
                f"{where}: model {self.model!r} or the endpoint was not found (HTTP 404: "
                f"{detail}); check CAUSERIE_MODEL and that the base URL ends in /v1{hint}"
            )
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        if status == 429:
            return ProviderError(
                f"{where} is rate limiting requests (HTTP 429{tries}: {detail}); wait and retry"
            )
        if status >= 500:
            return ProviderUnavailable(
                f"{where} failed (HTTP {status}{tries}: {detail}); try again later"
            )
        return ProviderError(f"{where} rejected the request (HTTP {status}: {detail})")

    # ------------------------------------------------------------------ the stream

    def _events(self, body: dict[str, Any]) -> Iterator[Event]:
        response = self._open(body)
        where = f"{self.label} at {response.request.url}"
        text_seen = False
        done = False
        finish_reason: str | None = None
        usage: Usage | None = None
        try:
            try:
                for data in iter_sse_data(response.iter_lines()):
                    if data.strip() == "[DONE]":
                        done = True
                        break
                    try:
                        chunk = parse_chunk(json.loads(data))
                    except ValueError:
                        chunk = Chunk(error=f"invalid JSON in the stream: {data[:200]!r}")
                    if chunk.error:
                        if not text_seen:
                            raise ProviderError(f"{where}: {chunk.error}")
                        yield Finish("interrupted", error=f"{where}: {chunk.error}")
                        return
                    if chunk.text:
                        text_seen = True
                        yield TextDelta(chunk.text)
                    usage = chunk.usage or usage
                    finish_reason = chunk.finish_reason or finish_reason
            except httpx.HTTPError as exc:
                message = f"{where}: the stream broke ({_describe(exc)})"
                if not text_seen:
                    raise ProviderUnavailable(message) from None
                yield Finish("interrupted", error=message)
                return
        finally:
            response.close()
        if not done and finish_reason is None:
            message = f"{where}: the stream ended before the answer was complete"
            if not text_seen:
                raise ProviderUnavailable(message)
            yield Finish("interrupted", error=message)
            return
        if usage is not None:
            yield usage
        reason = map_finish_reason(finish_reason)
        yield Finish(reason, error=f"{where}: content filtered" if reason == "error" else None)


def _describe(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 300 else text[:300] + "…"
