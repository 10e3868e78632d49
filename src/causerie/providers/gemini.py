"""Google's Gemini API through the official `google-genai` SDK (the `gemini` extra).

    GeminiProvider(api_key=None, model="gemini-2.5-flash")  # key: GEMINI_API_KEY

System messages become `system_instruction`; the assistant role is Gemini's `model` role.
`json_schema` is sent as `response_mime_type="application/json"` + `response_json_schema`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any, cast

from causerie.errors import (
    MissingCredentials,
    MissingDependency,
    ProviderError,
    ProviderUnavailable,
)
from causerie.providers.base import Capabilities, system_and_turns
from causerie.types import Event, Finish, FinishReason, GenerationOptions, Message, TextDelta, Usage

DEFAULT_MODEL = "gemini-2.5-flash"
CONTEXT_WINDOW = 1_000_000

_FINISH_REASONS: dict[str, FinishReason] = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "FINISH_REASON_UNSPECIFIED": "stop",
}


def to_contents(messages: Sequence[Message]) -> tuple[str, list[dict[str, Any]]]:
    """(system instruction, contents) with roles 'user' / 'model', same-role turns merged."""
    system, turns = system_and_turns(messages)
    contents = [
        {"role": "model" if role == "assistant" else "user", "parts": [{"text": content}]}
        for role, content in turns
    ]
    return system, contents


def _enum_name(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "name", value))


class GeminiProvider:
    name = "gemini"

    def __init__(
        self,
        api_key: str | None = None,
        model: str | None = None,
        base_url: str | None = None,
        timeout_s: float = 120.0,
        max_retries: int = 2,
        max_concurrent_requests: int = 4,
    ) -> None:
        try:
            from google import genai
            from google.genai import types
        except ImportError:
            raise MissingDependency("google-genai", "gemini") from None
        key = api_key or os.environ.get("GEMINI_API_KEY") or os.environ.get("GOOGLE_API_KEY")
        if not key:
            raise MissingCredentials(
                "Gemini needs an API key: set GEMINI_API_KEY or CAUSERIE_API_KEY"
            )
        self.model = model or DEFAULT_MODEL
        self.timeout_s = timeout_s
        self.base_url = base_url or "https://generativelanguage.googleapis.com"
        self.capabilities = Capabilities(
            structured_output=True,
            vision=False,
            context_window=CONTEXT_WINDOW,
            max_concurrency=max_concurrent_requests,
        )
        http_options = types.HttpOptions(
            base_url=base_url,
            timeout=int(timeout_s * 1000),
            retry_options=types.HttpRetryOptions(attempts=max_retries + 1),
        )
        self._client = genai.Client(api_key=key, vertexai=False, http_options=http_options)

    def close(self) -> None:
        self._client.close()

    def stream(self, messages: Sequence[Message], options: GenerationOptions) -> Iterator[Event]:
        from causerie.providers import check_allow_model_requests

        check_allow_model_requests(self.name)
        system, contents = to_contents(messages)
        config: dict[str, Any] = {
            "max_output_tokens": options.max_tokens,
            "temperature": options.temperature,
        }
        if system:
            config["system_instruction"] = system
        if options.stop:
            config["stop_sequences"] = list(options.stop)
        if options.seed is not None:
            config["seed"] = options.seed
        if options.json_schema is not None:
            config["response_mime_type"] = "application/json"
            config["response_json_schema"] = dict(options.json_schema)
        return self._events(contents, config)

    def _events(self, contents: list[dict[str, Any]], config: dict[str, Any]) -> Iterator[Event]:
        text_seen = False
        finish: str | None = None
        usage: Usage | None = None
        chunks: Any = None
        try:
            try:
                chunks = self._client.models.generate_content_stream(
                    model=self.model, contents=cast(Any, contents), config=cast(Any, config)
                )
                for chunk in chunks:
                    meta = chunk.usage_metadata
                    if meta is not None:
                        usage = Usage(
                            meta.prompt_token_count or 0, meta.candidates_token_count or 0
                        )
                    if not chunk.candidates:
                        feedback = chunk.prompt_feedback
                        if feedback is not None and feedback.block_reason is not None:
                            reason = _enum_name(feedback.block_reason)
                            raise ProviderError(f"Gemini blocked the prompt ({reason})")
                        continue
                    candidate = chunk.candidates[0]
                    parts = candidate.content.parts if candidate.content else None
                    for part in parts or ():
                        if part.text and not part.thought:
                            text_seen = True
                            yield TextDelta(part.text)
                    finish = _enum_name(candidate.finish_reason) or finish
            except Exception as exc:
                mapped = self.map_error(exc)
                if not text_seen:
                    if mapped is None:
                        raise
                    raise mapped from None
                yield Finish("interrupted", error=str(mapped or f"{type(exc).__name__}: {exc}"))
                return
        finally:
            if chunks is not None and hasattr(chunks, "close"):
                chunks.close()
        if finish is None:
            message = f"Gemini at {self.base_url}: the stream ended before the answer was complete"
            if not text_seen:
                raise ProviderUnavailable(message)
            yield Finish("interrupted", error=message)
            return
        if usage is not None:
            yield usage
        reason = _FINISH_REASONS.get(finish, "error")
        yield Finish(reason, error=f"Gemini stopped: {finish}" if reason == "error" else None)

    def map_error(self, exc: Exception) -> ProviderError | None:
        """Our error for an SDK or transport exception; None for anything else (a bug)."""
        from google.genai import errors

        where = f"Gemini at {self.base_url}"
        if isinstance(exc, ProviderError):
            return exc
        if isinstance(exc, errors.APIError):
            code = exc.code
            detail = (exc.message or str(exc))[:300]
            if code == 401 or "API key" in detail or exc.status == "UNAUTHENTICATED":
                return MissingCredentials(
                    f"{where} rejected the API key (HTTP {code}: {detail}); check "
                    "GEMINI_API_KEY or CAUSERIE_API_KEY"
                )
            if code == 403:
                return ProviderError(
                    f"{where} refused access (HTTP 403: {detail}); check that the key may use "
                    f"model {self.model!r}"
                )
            if code == 404:
                return ProviderError(
                    f"{where}: model {self.model!r} not found (HTTP 404: {detail}); "
                    "check CAUSERIE_MODEL"
                )
            if code == 429:
                return ProviderError(
                    f"{where} is rate limiting requests (HTTP 429: {detail}); wait and retry"
                )
            if code >= 500:
                return ProviderUnavailable(
                    f"{where} failed (HTTP {code}: {detail}); try again later"
                )
            return ProviderError(f"{where} rejected the request (HTTP {code}: {detail})")
        names = {cls.__name__ for cls in type(exc).__mro__}
        if names & {"TimeoutException", "TimeoutError"}:
            return ProviderError(
                f"{where} did not answer within {self.timeout_s:g} s; raise "
                "CAUSERIE_REQUEST_TIMEOUT_S or try again"
            )
        if names & {"ConnectError", "ConnectionError"}:
            return ProviderUnavailable(
                f"cannot reach {where}: {exc} — check the network connection"
            )
        if names & {"TransportError", "HTTPError", "StreamError"} or isinstance(exc, OSError):
            return ProviderUnavailable(f"{where}: the stream broke ({type(exc).__name__}: {exc})")
        return None
