from __future__ import annotations

import json
import sys
import threading

import pytest

from causerie.config import load_settings
from causerie.errors import ConfigError, MissingCredentials, ProviderError, ProviderUnavailable
from causerie.providers import allow_model_requests, collect_text, make_provider
from causerie.providers.fake import (
    DEFAULT_REPLY,
    FakeProvider,
    FakeReply,
    example_for_schema,
    split_words,
)
from causerie.testing.provider_contract import ProviderContract
from causerie.types import Finish, GenerationOptions, Message, TextDelta, Usage

OPTIONS = GenerationOptions()
ASK = [Message("user", "What is the capital of France?")]


class TestFakeContract(ProviderContract):
    @pytest.fixture
    def provider(self) -> FakeProvider:
        return FakeProvider()


def test_streams_a_queued_reply_word_by_word() -> None:
    fake = FakeProvider()
    fake.enqueue("Paris is  the capital.\n")
    events = list(fake.stream(ASK, OPTIONS))
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert deltas == ["Paris", " is", "  the", " capital.\n"]
    assert events[-2] == Usage(prompt_tokens=6, completion_tokens=4)
    assert events[-1] == Finish("stop")


def test_replies_come_in_queue_order_and_calls_are_recorded() -> None:
    fake = FakeProvider("one", "two")
    opts = GenerationOptions(max_tokens=7)
    assert collect_text(fake.stream(ASK, opts)) == "one"
    assert collect_text(fake.stream([Message("user", "again")], OPTIONS)) == "two"
    assert fake.calls == [(ASK, opts), ([Message("user", "again")], OPTIONS)]
    assert fake.last_messages == [Message("user", "again")]
    assert fake.pending == 0


def test_calls_are_recorded_when_stream_is_called_not_iterated() -> None:
    fake = FakeProvider("a", "b")
    first = fake.stream(ASK, OPTIONS)
    second = fake.stream(ASK, OPTIONS)
    assert len(fake.calls) == 2
    assert collect_text(second) == "b"
    assert collect_text(first) == "a"


def test_an_exception_is_raised_before_any_text() -> None:
    fake = FakeProvider(ProviderUnavailable("server down"))
    with pytest.raises(ProviderUnavailable, match="server down"):
        next(iter(fake.stream(ASK, OPTIONS)))


def test_interrupted_reply_keeps_the_partial_text() -> None:
    fake = FakeProvider(FakeReply("Paris is the capital.", interrupt_after=8))
    events = list(fake.stream(ASK, OPTIONS))
    assert collect_text(iter(events)) == "Paris is"
    assert not any(isinstance(e, Usage) for e in events)
    assert isinstance(events[-1], Finish) and events[-1].reason == "interrupted"
    assert events[-1].error


def test_finish_reason_can_be_scripted() -> None:
    fake = FakeProvider(FakeReply("cut", finish_reason="length"))
    assert list(fake.stream(ASK, OPTIONS))[-1] == Finish("length")


def test_default_reply_when_the_queue_is_empty() -> None:
    fake = FakeProvider()
    assert collect_text(fake.stream(ASK, OPTIONS)) == DEFAULT_REPLY


def test_strict_raises_when_the_queue_is_empty() -> None:
    fake = FakeProvider(strict=True)
    with pytest.raises(ProviderError, match="strict"):
        fake.stream(ASK, OPTIONS)
    assert len(fake.calls) == 1


def test_json_schema_returns_queued_text_as_is() -> None:
    payload = '{"answer": "Paris", "sources": [1]}'
    fake = FakeProvider(payload)
    opts = GenerationOptions(json_schema={"type": "object"})
    assert collect_text(fake.stream(ASK, opts)) == payload


def test_json_schema_default_reply_is_a_minimal_document() -> None:
    schema = {
        "type": "object",
        "properties": {
            "answer": {"type": "string"},
            "sources": {"type": "array", "items": {"type": "integer"}},
            "confidence": {"type": "number"},
            "kind": {"enum": ["fact", "none"]},
            "nested": {
                "type": "object",
                "properties": {"ok": {"type": "boolean"}},
                "required": ["ok"],
            },
            "optional": {"type": "string"},
        },
        "required": ["answer", "sources", "confidence", "kind", "nested"],
    }
    text = collect_text(FakeProvider().stream(ASK, GenerationOptions(json_schema=schema)))
    assert json.loads(text) == {
        "answer": "",
        "sources": [],
        "confidence": 0,
        "kind": "fact",
        "nested": {"ok": False},
    }
    assert example_for_schema({"type": ["null", "integer"]}) == 0


def test_early_close_is_counted() -> None:
    fake = FakeProvider("a b c")
    stream = fake.stream(ASK, OPTIONS)
    next(stream)
    stream.close()  # type: ignore[attr-defined]
    assert fake.closed_early == 1


def test_split_words_joins_back_exactly() -> None:
    for text in ["", " ", "a", "  lead", "trail  ", "a\n\nb  c\t"]:
        pieces = split_words(text)
        assert "".join(pieces) == text
        assert all(pieces)


def test_rejects_unknown_reply_types() -> None:
    with pytest.raises(TypeError):
        FakeProvider().enqueue(42)  # type: ignore[arg-type]


def test_thread_safe_enqueue_and_stream() -> None:
    fake = FakeProvider()
    fake.enqueue(*[f"reply {i}" for i in range(200)])
    results: list[str] = []

    def worker() -> None:
        for _ in range(50):
            results.append(collect_text(fake.stream(ASK, OPTIONS)))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == sorted(f"reply {i}" for i in range(200))


# --------------------------------------------------------------------------- package and factory


def test_importing_the_package_loads_no_adapter() -> None:
    import subprocess

    code = (
        "import sys, causerie.providers;"
        "heavy = [m for m in ('httpx', 'llama_cpp', 'anthropic', 'google.genai',"
        " 'causerie.providers.openai_compat', 'causerie.providers.llamacpp') if m in sys.modules];"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_lazy_exports() -> None:
    import causerie.providers as providers

    assert providers.FakeProvider is FakeProvider
    assert set(providers.__all__) <= set(dir(providers))
    with pytest.raises(AttributeError):
        _ = providers.NoSuchProvider


def test_make_provider_fake() -> None:
    provider = make_provider(load_settings(provider="fake", context_window=2048))
    assert isinstance(provider, FakeProvider)
    assert provider.capabilities.context_window == 2048


def test_make_provider_openai_needs_a_key_for_api_openai_com(monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(MissingCredentials, match="CAUSERIE_API_KEY or OPENAI_API_KEY"):
        make_provider(load_settings(provider="openai"))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    provider = make_provider(load_settings(provider="openai"))
    assert provider.name == "openai"


def test_make_provider_openai_never_sends_openai_key_elsewhere(monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    provider = make_provider(
        load_settings(provider="openai", base_url="http://localhost:11434/v1", model="llama3.2")
    )
    assert provider.endpoint.api_key is None  # type: ignore[attr-defined]


def test_providers_declare_how_many_requests_they_take_at_once(tmp_path) -> None:
    served = load_settings(
        provider="openai", base_url="http://localhost:8000/v1", model="m", max_concurrent_requests=8
    )
    assert make_provider(served).capabilities.max_concurrency == 8
    default = load_settings(provider="openai", base_url="http://localhost:8000/v1", model="m")
    assert make_provider(default).capabilities.max_concurrency == 4
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"GGUF")
    embedded = make_provider(load_settings(provider="llamacpp", model=str(gguf)))
    assert embedded.capabilities.max_concurrency == 1  # the runner serialises generations
    assert FakeProvider(max_concurrency=3).capabilities.max_concurrency == 3
    with pytest.raises(ConfigError, match="max_concurrent_requests"):
        load_settings(max_concurrent_requests=0)


def test_make_provider_openai_local_server_needs_a_model() -> None:
    with pytest.raises(ConfigError, match="CAUSERIE_MODEL"):
        make_provider(load_settings(provider="openai", base_url="http://localhost:8000/v1"))


def test_make_provider_llamacpp_missing_path(tmp_path) -> None:
    missing = tmp_path / "nope.gguf"
    with pytest.raises(ProviderUnavailable, match=r"nope\.gguf"):
        make_provider(load_settings(provider="llamacpp", model=str(missing)))


def test_model_request_switch() -> None:
    from causerie.providers.openai_compat import OpenAICompatProvider

    provider = OpenAICompatProvider("http://127.0.0.1:9/v1", model="m")
    try:
        with allow_model_requests(False), pytest.raises(ProviderError, match="disabled"):
            provider.stream(ASK, OPTIONS)
    finally:
        provider.close()
