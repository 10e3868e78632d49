"""Model providers behind one seam: `stream(messages, options) -> Iterator[Event]`.

    provider = make_provider(settings)   # llamacpp (default), openai, anthropic, gemini, fake

Importing this package stays cheap: adapters (and httpx, the SDKs, llama_cpp) load on first use,
through `make_provider` or attribute access (`causerie.providers.OpenAICompatProvider`).

Tests: set `causerie.providers.ALLOW_MODEL_REQUESTS = False` (an autouse fixture) so that any
real adapter refuses to generate, and turn it back on, e.g. with
`allow_model_requests(True)`, in the tests where a real model is the point.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module
from typing import TYPE_CHECKING, Any

from causerie.errors import ConfigError, ProviderError
from causerie.providers.base import Capabilities, Provider, collect_text

if TYPE_CHECKING:
    from causerie.config import Settings
    from causerie.providers.anthropic import AnthropicProvider
    from causerie.providers.fake import FakeProvider, FakeReply
    from causerie.providers.gemini import GeminiProvider
    from causerie.providers.llamacpp import LlamaCppProvider
    from causerie.providers.openai_compat import OpenAICompatProvider

__all__ = [
    "ALLOW_MODEL_REQUESTS",
    "AnthropicProvider",
    "Capabilities",
    "FakeProvider",
    "FakeReply",
    "GeminiProvider",
    "LlamaCppProvider",
    "OpenAICompatProvider",
    "Provider",
    "allow_model_requests",
    "check_allow_model_requests",
    "collect_text",
    "make_provider",
]

OPENAI_BASE_URL = "https://api.openai.com/v1"
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"

# --------------------------------------------------------------------------- test switch

ALLOW_MODEL_REQUESTS = True


def check_allow_model_requests(provider_name: str) -> None:
    """Called by every real adapter before it generates."""
    if not ALLOW_MODEL_REQUESTS:
        raise ProviderError(
            f"{provider_name}: real model requests are disabled "
            "(causerie.providers.ALLOW_MODEL_REQUESTS is False); use FakeProvider, or allow "
            "them in this test with causerie.providers.allow_model_requests(True)"
        )


@contextmanager
def allow_model_requests(allow: bool = True) -> Iterator[None]:
    """Temporarily set ALLOW_MODEL_REQUESTS."""
    global ALLOW_MODEL_REQUESTS
    previous = ALLOW_MODEL_REQUESTS
    ALLOW_MODEL_REQUESTS = allow
    try:
        yield
    finally:
        ALLOW_MODEL_REQUESTS = previous


# --------------------------------------------------------------------------- lazy exports

_LAZY = {
    "AnthropicProvider": "causerie.providers.anthropic",
    "FakeProvider": "causerie.providers.fake",
    "FakeReply": "causerie.providers.fake",
    "GeminiProvider": "causerie.providers.gemini",
    "LlamaCppProvider": "causerie.providers.llamacpp",
    "OpenAICompatProvider": "causerie.providers.openai_compat",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'causerie.providers' has no attribute {name!r}")
    return getattr(import_module(module), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


# --------------------------------------------------------------------------- factory


def _sdk_options(settings: Settings) -> dict[str, Any]:
    """What the SDK-based adapters (Anthropic, Gemini) take from the settings."""
    return {
        "api_key": settings.api_key or None,
        "model": settings.model or None,
        "base_url": settings.base_url or None,
        "timeout_s": settings.request_timeout_s,
        "max_retries": settings.max_retries,
        "max_concurrent_requests": settings.max_concurrent_requests,
    }


def make_provider(settings: Settings) -> Provider:
    """Build the provider the settings name. API keys: CAUSERIE_API_KEY (settings.api_key),
    else the provider's own variable (OPENAI_API_KEY only for api.openai.com,
    ANTHROPIC_API_KEY, GEMINI_API_KEY / GOOGLE_API_KEY)."""
    kind = settings.provider
    if kind == "llamacpp":
        from causerie.providers.default_model import MODELS
        from causerie.providers.llamacpp import LlamaCppProvider

        embedded = settings.model if settings.model in MODELS else ""
        return LlamaCppProvider(
            None if embedded else (settings.model or None),
            embedded=embedded,
            n_ctx=settings.context_window,
            n_threads=settings.threads,
            home=settings.home,
            runtime=settings.runtime,
        )
    if kind == "openai":
        from causerie.providers.openai_compat import OpenAICompatProvider, is_openai_host

        base_url = settings.base_url or OPENAI_BASE_URL
        hosted = is_openai_host(base_url)
        api_key = settings.api_key or (os.environ.get("OPENAI_API_KEY", "") if hosted else "")
        model = settings.model or (DEFAULT_OPENAI_MODEL if hosted else "")
        if not model:
            raise ConfigError(
                f"provider 'openai' at {base_url} needs a model name: set CAUSERIE_MODEL "
                "(e.g. 'llama3.2' for Ollama, the served model's name for vLLM)"
            )
        return OpenAICompatProvider(
            base_url=base_url,
            api_key=api_key or None,
            model=model,
            timeout_s=settings.request_timeout_s,
            max_retries=settings.max_retries,
            context_window=settings.context_window,
            max_concurrent_requests=settings.max_concurrent_requests,
        )
    if kind == "anthropic":
        from causerie.providers.anthropic import AnthropicProvider

        return AnthropicProvider(**_sdk_options(settings))
    if kind == "gemini":
        from causerie.providers.gemini import GeminiProvider

        return GeminiProvider(**_sdk_options(settings))
    if kind == "fake":
        from causerie.providers.fake import FakeProvider

        return FakeProvider(context_window=settings.context_window)
    raise ConfigError(
        f"unknown provider {kind!r}: choose llamacpp, openai, anthropic, gemini or fake"
    )
