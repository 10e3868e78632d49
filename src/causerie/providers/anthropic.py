"""Anthropic's Messages API through the official `anthropic` SDK (the `anthropic` extra).

    AnthropicProvider(api_key=None, model="claude-haiku-4-5")  # key: ANTHROPIC_API_KEY

System messages become the `system` parameter; consecutive turns of one role are merged, as the
API wants alternating turns. `json_schema` is sent as structured output
(`output_config.format`), with `additionalProperties: false` added to object schemas.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from causerie.errors import (
    MissingCredentials,
    MissingDependency,
    ProviderError,
    ProviderUnavailable,
)
from causerie.providers.base import Capabilities, system_and_turns
from causerie.types import Event, Finish, FinishReason, GenerationOptions, Message, TextDelta, Usage

DEFAULT_MODEL = "claude-haiku-4-5"
CONTEXT_WINDOW = 200_000

_STOP_REASONS: dict[str, FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "refusal": "error",
}


def split_system(messages: Sequence[Message]) -> tuple[str, list[dict[str, str]]]:
    """(system text, alternating user/assistant turns)."""
    system, turns = system_and_turns(messages)
    return system, [{"role": role, "content": content} for role, content in turns]


def closed_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `schema` whose object nodes say `additionalProperties: false`."""

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, Mapping):
            return node
        out = {key: walk(value) for key, value in node.items()}
        if out.get("type") == "object" or "properties" in out:
            out.setdefault("additionalProperties", False)
        return out

    result: dict[str, Any] = walk(schema)
    return result


class AnthropicProvider:
    name = "anthropic"

    def __init__(
        self,
        api_key: str | None = None,
        model: str | None = None,
        base_url: str | None = None,
        timeout_s: float = 120.0,
        max_retries: int = 2,
        max_concurrent_requests: int = 4,
        *,
        http_client: Any = None,
    ) -> None:
        try:
            import anthropic
        except ImportError:
            raise MissingDependency("anthropic", "anthropic") from None
        key = api_key or os.environ.get("ANTHROPIC_API_KEY")
        if not key:
            raise MissingCredentials(
                "Anthropic needs an API key: set ANTHROPIC_API_KEY or CAUSERIE_API_KEY"
            )
        self.model = model or DEFAULT_MODEL
        self.timeout_s = timeout_s
        self.capabilities = Capabilities(
            structured_output=True,
            vision=False,
            context_window=CONTEXT_WINDOW,
            max_concurrency=max_concurrent_requests,
        )
        self._client = anthropic.Anthropic(
            api_key=key,
            base_url=base_url,
            timeout=timeout_s,
            max_retries=max_retries,
            http_client=http_client,
        )
        # Recent SDKs (and models) dropped sampling parameters; send them only where accepted.
        accepted = inspect.signature(self._client.messages.create).parameters
        self._sends_temperature = "temperature" in accepted

    @property
    def base_url(self) -> str:
        return str(self._client.base_url)

    def close(self) -> None:
        self._client.close()

    def stream(self, messages: Sequence[Message], options: GenerationOptions) -> Iterator[Event]:
        from causerie.providers import check_allow_model_requests

        check_allow_model_requests(self.name)
        system, turns = split_system(messages)
        params: dict[str, Any] = {
            "model": self.model,
            "max_tokens": options.max_tokens,
            "messages": turns,
            "stream": True,
        }
        if self._sends_temperature:
            params["temperature"] = options.temperature
        if system:
            params["system"] = system
        if options.stop:
            params["stop_sequences"] = list(options.stop)
        if options.json_schema is not None:
            fmt = {"type": "json_schema", "schema": closed_schema(options.json_schema)}
            params["extra_body"] = {"output_config": {"format": fmt}}
        return self._events(params)

    def _events(self, params: dict[str, Any]) -> Iterator[Event]:
        try:
            stream = self._client.messages.create(**params)
        except Exception as exc:
            mapped = self.map_error(exc)
            if mapped is None:
                raise
            raise mapped from None
        text_seen = False
        stopped = False
        stop_reason: str | None = None
        usage = Usage()
        try:
            try:
                for event in stream:
                    kind = event.type
                    if kind == "message_start":
                        start = event.message.usage
                        usage = Usage(start.input_tokens or 0, start.output_tokens or 0)
                    elif kind == "content_block_delta":
                        text = getattr(event.delta, "text", None)
                        if event.delta.type == "text_delta" and text:
                            text_seen = True
                            yield TextDelta(text)
                    elif kind == "message_delta":
                        stop_reason = event.delta.stop_reason or stop_reason
                        prompt = event.usage.input_tokens or usage.prompt_tokens
                        usage = Usage(prompt, event.usage.output_tokens)
                    elif kind == "message_stop":
                        stopped = True
            except Exception as exc:
                mapped = self.map_error(exc)
                if not text_seen:
                    if mapped is None:
                        raise
                    raise mapped from None
                yield Finish("interrupted", error=str(mapped or f"{type(exc).__name__}: {exc}"))
                return
        finally:
            stream.close()
        if not stopped:
            message = (
                f"Anthropic at {self.base_url}: the stream ended before the answer was complete"
            )
            if not text_seen:
                raise ProviderUnavailable(message)
            yield Finish("interrupted", error=message)
            return
        yield usage
        reason = _STOP_REASONS.get(stop_reason or "end_turn", "stop")
        yield Finish(reason, error="Anthropic declined to answer" if reason == "error" else None)

    def map_error(self, exc: Exception) -> ProviderError | None:
        """Our error for an SDK or transport exception; None for anything else (a bug)."""
        import anthropic

        where = f"Anthropic at {self.base_url}"
        if isinstance(exc, anthropic.APIStatusError):
            status = exc.status_code
            detail = _detail(exc)
            if isinstance(exc, anthropic.AuthenticationError):
                return MissingCredentials(
                    f"{where} rejected the API key (HTTP 401: {detail}); check "
                    "ANTHROPIC_API_KEY or CAUSERIE_API_KEY"
                )
            if isinstance(exc, anthropic.PermissionDeniedError):
                return ProviderError(
                    f"{where} refused access (HTTP 403: {detail}); check that the key may use "
                    f"model {self.model!r}"
                )
            if isinstance(exc, anthropic.NotFoundError):
                return ProviderError(
                    f"{where}: model {self.model!r} not found (HTTP 404: {detail}); "
                    "check CAUSERIE_MODEL"
                )
            if isinstance(exc, anthropic.RateLimitError):
                return ProviderError(
                    f"{where} is rate limiting requests (HTTP 429: {detail}); wait and retry"
                )
            if status >= 500:
                return ProviderUnavailable(
                    f"{where} failed (HTTP {status}: {detail}); try again later"
                )
            return ProviderError(f"{where} rejected the request (HTTP {status}: {detail})")
        if isinstance(exc, anthropic.APITimeoutError):
            return ProviderError(
                f"{where} did not answer within {self.timeout_s:g} s; raise "
                "CAUSERIE_REQUEST_TIMEOUT_S or try again"
            )
        if isinstance(exc, anthropic.APIConnectionError):
            cause = exc.__cause__ or exc
            return ProviderUnavailable(
                f"cannot reach {where}: {cause} — check the network connection"
            )
        if isinstance(exc, ProviderError):
            return exc
        if _is_transport_error(exc):
            return ProviderUnavailable(f"{where}: the stream broke ({type(exc).__name__}: {exc})")
        return None


def _is_transport_error(exc: BaseException) -> bool:
    """httpx / httpx2 transport errors (without importing either) and socket errors."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & {"TransportError", "HTTPError", "StreamError"}) or isinstance(exc, OSError)


def _detail(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])[:300]
    return str(getattr(exc, "message", exc))[:300]
