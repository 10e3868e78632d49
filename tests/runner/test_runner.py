"""The model runner process: probe and fallback, crash containment, restarts, cancel.

Real runner processes, real pipes, real signals; only the model's words are scripted
(`causerie.runner.scripted`), and its crashes are real SIGSEGVs of the runner process.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from causerie.errors import ProviderError, ProviderUnavailable
from causerie.providers import allow_model_requests, collect_text
from causerie.providers.llamacpp import LlamaCppProvider
from causerie.runner import close_all
from causerie.runner.cpu import cpu_info
from causerie.runner.probe import read_notes
from causerie.runner.process import describe_exit
from causerie.types import Finish, GenerationOptions, Message, TextDelta, Usage

ASK = [Message("user", "When is the library open on Sundays?")]
REPLY = ["On Sundays", " it opens", " from 10:00", " to 14:00", " [1]."]


@pytest.fixture(autouse=True)
def runners() -> Iterator[None]:
    with allow_model_requests(True):
        yield
    close_all()


@pytest.fixture
def make(tmp_path: Path) -> Any:
    gguf = tmp_path / "scripted.gguf"
    gguf.write_bytes(b"GGUF scripted stand-in")

    def make(runtime: str = "auto", **script: Any) -> LlamaCppProvider:
        script.setdefault("replies", [REPLY])
        return LlamaCppProvider(
            gguf, n_ctx=512, n_threads=1, home=tmp_path / "home", runtime=runtime,
            backend={"kind": "scripted", "script": script},
        )  # fmt: skip

    return make


def choices(provider: LlamaCppProvider) -> dict[str, Any]:
    notes = read_notes(provider.home)["choices"]
    assert len(notes) == 1, notes
    return dict(next(iter(notes.values())))


def ask(provider: LlamaCppProvider) -> list[Any]:
    return list(provider.stream(ASK, GenerationOptions(max_tokens=32)))


# --------------------------------------------------------------------------- the probe


def test_a_crash_in_the_test_decode_falls_back_and_answers(
    make: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    provider = make(crash_when_extra_buffer_types=True)
    events = ask(provider)
    notes = capsys.readouterr().err.splitlines()
    assert [n for n in notes if "checking that llama.cpp runs scripted.gguf" in n] == [
        "causerie: checking that llama.cpp runs scripted.gguf on this CPU (default parameters;"
        " once per CPU and model)",
        "causerie: checking that llama.cpp runs scripted.gguf on this CPU (no-extra-buffers "
        "parameters; once per CPU and model)",
    ]
    assert collect_text(iter(events)) == "".join(REPLY)
    assert events[-1] == Finish("stop")
    note = choices(provider)
    assert note["params"] == "no-extra-buffers"
    assert note["tried"][0][0] == "default"
    assert "SIGSEGV" in note["tried"][0][1] and "test decode" in note["tried"][0][1]
    assert note["tried"][1] == ["no-extra-buffers", "ok"]
    choice = provider.runner.choice
    assert choice is not None and "default was killed by SIGSEGV" in choice.reason


def test_the_choice_is_remembered_and_the_test_decode_skipped(make: Any) -> None:
    first = make(crash_when_extra_buffer_types=True)
    ask(first)
    log = first.runner.spec.log_path
    close_all()  # a new process of the app
    second = make(crash_when_extra_buffer_types=True)
    assert collect_text(iter(ask(second))) == "".join(REPLY)
    choice = second.runner.choice
    assert choice is not None and choice.params.name == "no-extra-buffers"
    assert choice.reason.startswith("remembered")
    starts = [line for line in log.read_text().splitlines() if line.startswith("--- runner")]
    assert [s.rsplit(" ", 1)[1] for s in starts] == [
        "default", "no-extra-buffers", "no-extra-buffers",
    ]  # fmt: skip


def test_when_nothing_works_one_error_says_what_was_tried(make: Any) -> None:
    provider = make(crash_in_self_test=True)
    with pytest.raises(ProviderUnavailable) as caught:
        ask(provider)
    message = str(caught.value)
    for name in ("default", "no-extra-buffers", "minimal"):
        assert f"{name}: was killed by SIGSEGV" in message
    assert "CAUSERIE_MODEL=" in message and "CAUSERIE_PROVIDER=openai" in message
    assert str(provider.runner.spec.log_path) in message


def test_a_file_llama_cpp_refuses_is_not_retried(make: Any) -> None:
    provider = make(load_error="invalid magic characters")
    with pytest.raises(ProviderUnavailable, match=r"cannot load the model .*scripted\.gguf"):
        ask(provider)
    assert read_notes(provider.home)["choices"] == {}
    log = provider.runner.spec.log_path.read_text()
    assert log.count("--- runner") == 1


def test_the_runtime_setting_skips_the_probe(make: Any) -> None:
    provider = make(runtime="minimal", crash_in_self_test=True)
    assert collect_text(iter(ask(provider))) == "".join(REPLY)
    choice = provider.runner.choice
    assert choice is not None and choice.params.name == "minimal"
    assert "CAUSERIE_RUNTIME" in choice.reason
    with pytest.raises(ProviderUnavailable, match="unknown runtime 'fastest'"):
        ask(make(runtime="fastest"))


# --------------------------------------------------------------------------- crashes


def test_a_runner_killed_mid_answer_keeps_the_partial_answer(make: Any) -> None:
    provider = make(delay_s=0.2)
    stream = provider.stream(ASK, GenerationOptions())
    first = next(stream)
    assert first == TextDelta("On Sundays")
    pid = provider.runner.pid
    assert pid is not None and pid != os.getpid()
    os.kill(pid, signal.SIGSEGV)
    rest = list(stream)
    finish = rest[-1]
    assert isinstance(finish, Finish) and finish.reason == "interrupted"
    assert "killed by SIGSEGV" in (finish.error or "")
    assert "partial answer is kept" in (finish.error or "")
    assert not any(isinstance(e, Usage) for e in rest)
    # the next request starts a fresh runner and is answered
    assert collect_text(iter(ask(provider))) == "".join(REPLY)
    assert provider.runner.pid not in (None, pid)


def test_a_crash_before_the_first_token_raises_then_recovers(make: Any) -> None:
    provider = make(crash_after_chunks=0)
    with pytest.raises(ProviderError, match=r"killed by SIGSEGV .* before answering"):
        ask(provider)


def test_two_crashes_in_a_row_strike_the_remembered_choice(make: Any) -> None:
    provider = make(delay_s=0.1)
    for _ in range(2):
        stream = provider.stream(ASK, GenerationOptions())
        next(stream)
        os.kill(provider.runner.pid or 0, signal.SIGSEGV)
        assert list(stream)[-1].reason == "interrupted"  # type: ignore[union-attr]
    note = choices(provider)
    assert note["struck"] == ["default"] and note["params"] is None
    ask(provider)  # probes again, from the next candidate
    assert choices(provider)["params"] == "no-extra-buffers"


def test_an_answer_between_two_crashes_keeps_the_choice(make: Any) -> None:
    provider = make(delay_s=0.1)
    for _ in range(2):
        stream = provider.stream(ASK, GenerationOptions())
        next(stream)
        os.kill(provider.runner.pid or 0, signal.SIGSEGV)
        assert list(stream)[-1].reason == "interrupted"  # type: ignore[union-attr]
        assert collect_text(iter(ask(provider))) == "".join(REPLY)  # a whole answer between
    note = choices(provider)
    assert note["params"] == "default" and note["crashes"] == 0 and "struck" not in note


def test_a_python_error_mid_answer_is_an_interrupted_finish(make: Any) -> None:
    events = ask(make(fail_after_chunks=2))
    assert collect_text(iter(events)) == "On Sundays it opens"
    assert events[-1].reason == "interrupted" and "llama_decode" in events[-1].error


def test_describe_exit_names_the_signal_and_what_to_do() -> None:
    assert describe_exit(-signal.SIGSEGV) == (
        "was killed by SIGSEGV (a crash inside llama.cpp)", True,
    )  # fmt: skip
    illegal, fault = describe_exit(-signal.SIGILL)
    assert fault and "pip install --force-reinstall --no-cache-dir llama-cpp-python" in illegal
    assert "out of memory" in describe_exit(-signal.SIGKILL)[0]
    assert describe_exit(3) == ("exited with status 3", False)


# --------------------------------------------------------------------------- requests


def test_options_reach_the_model(make: Any, tmp_path: Path) -> None:
    record = tmp_path / "calls.jsonl"
    provider = make(record=str(record))
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    opts = GenerationOptions(max_tokens=9, temperature=0.3, stop=["##"], seed=7, json_schema=schema)
    events = list(provider.stream([Message("system", "S"), Message("user", "Q")], opts))
    assert events[-2:] == [Usage(prompt_tokens=16, completion_tokens=9), Finish("stop")]
    assert json.loads(record.read_text()) == {
        "messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "Q"}],
        "max_tokens": 9,
        "temperature": 0.3,
        "stop": ["##"],
        "seed": 7,
        "response_format": {"type": "json_object", "schema": schema},
        "threads": 1,
    }


def test_threads_follow_the_policy_unless_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from causerie import compute

    monkeypatch.setattr("causerie.providers.llamacpp.available_cores", lambda: 4)
    gguf = tmp_path / "scripted.gguf"
    gguf.write_bytes(b"GGUF")
    record = tmp_path / "calls.jsonl"

    def provider(threads: int, runtime: str = "auto") -> LlamaCppProvider:
        script = {"replies": [REPLY], "record": str(record)}
        return LlamaCppProvider(
            gguf,
            n_ctx=512,
            n_threads=threads,
            home=tmp_path / "home",
            runtime=runtime,
            backend={"kind": "scripted", "script": script},
        )

    def threads_used(provider: LlamaCppProvider) -> int:
        ask(provider)
        return int(json.loads(record.read_text().splitlines()[-1])["threads"])

    by_policy, fixed, minimal = provider(0), provider(2), provider(0, runtime="minimal")
    assert threads_used(by_policy) == 4
    with compute.embedding_passages():  # a notebook embeds in this process
        assert threads_used(by_policy) == 3
        assert threads_used(fixed) == 2  # a thread count in the settings is obeyed
        assert threads_used(minimal) == 1  # the runtime's own cap
    assert threads_used(by_policy) == 4


def test_closing_the_stream_cancels_and_keeps_the_runner(make: Any) -> None:
    provider = make(replies=[["word "] * 200], delay_s=0.02)
    stream = provider.stream(ASK, GenerationOptions())
    next(stream)
    pid = provider.runner.pid
    started = time.monotonic()
    stream.close()  # type: ignore[attr-defined]
    assert time.monotonic() - started < 2  # not the ~4 s of the whole reply
    assert provider.runner.pid == pid
    assert collect_text(iter(ask(provider))) == "word " * 200


def test_same_thread_second_stream_fails_fast(make: Any) -> None:
    provider = make(delay_s=0.05)
    first = provider.stream(ASK, GenerationOptions())
    next(first)
    with pytest.raises(ProviderError, match="still generating"):
        provider.stream(ASK, GenerationOptions())
    first.close()  # type: ignore[attr-defined]
    assert collect_text(provider.stream(ASK, GenerationOptions()))


def test_other_threads_wait_their_turn(make: Any) -> None:
    provider = make(delay_s=0.01)
    texts: list[str] = []
    threads = [
        threading.Thread(target=lambda: texts.append(collect_text(iter(ask(provider)))))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert texts == ["".join(REPLY)] * 3


def test_providers_with_the_same_settings_share_one_runner(make: Any) -> None:
    one, two = make(), make()
    ask(one)
    assert one.runner is two.runner and two.runner.pid == one.runner.pid


# --------------------------------------------------------------------------- the CPU


def test_cpu_flags_from_x86_and_arm_cpuinfo(tmp_path: Path) -> None:
    x86 = tmp_path / "x86"
    x86.write_text(
        "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Platinum 8480+\n"
        "flags\t\t: fpu avx2 avx512f amx_tile amx_int8 amx_bf16\n\n"
        "processor\t: 1\nmodel name\t: other\nflags\t\t: fpu\n"
    )
    info = cpu_info(x86)
    assert info.model == "Intel(R) Xeon(R) Platinum 8480+"
    assert info.notable_flags() == ["avx2", "avx512f", "amx_tile", "amx_int8", "amx_bf16"]
    arm = tmp_path / "arm"
    arm.write_text("processor\t: 0\nFeatures\t: fp asimd evtstrm aes asimddp sve i8mm\n")
    assert cpu_info(arm).notable_flags() == ["asimd", "asimddp", "sve", "i8mm"]
    assert cpu_info(tmp_path / "absent").flags == frozenset()


def test_reset_cache_and_self_test_are_answered_by_the_warm_runner(make: Any) -> None:
    provider = make()
    ask(provider)
    pid = provider.runner.pid
    provider.runner.reset_cache()
    timing = provider.runner.self_test()
    assert timing["type"] == "self_test" and timing["generated_tokens"] == 4
    assert timing["prompt_tokens"] > 300  # words here; the real model counts ~550 tokens
    assert provider.runner.pid == pid


def test_two_runners_never_compute_at_once(tmp_path: Path) -> None:
    """Different models (two runner processes) in two threads: their answers take turns."""
    spans: dict[str, tuple[float, float]] = {}

    def answer(name: str) -> None:
        gguf = tmp_path / f"{name}.gguf"
        gguf.write_bytes(b"GGUF " + name.encode())
        provider = LlamaCppProvider(
            gguf, n_ctx=512, n_threads=1, home=tmp_path / "home",
            backend={"kind": "scripted", "script": {"replies": [REPLY], "delay_s": 0.1}},
        )  # fmt: skip
        provider.runner.start()
        times = [time.monotonic() for e in ask(provider) if isinstance(e, TextDelta)]
        spans[name] = (times[0], times[-1])

    threads = [threading.Thread(target=answer, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    (_, first_end), (second_start, _) = sorted(spans.values())
    assert first_end < second_start, spans  # the second began after the first had finished
