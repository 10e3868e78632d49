"""`causerie doctor`: one line per check, exit 1 with the failing line. The runner checks use a
real runner process with scripted words (`causerie.runner.scripted`), and the real model in the
test marked `model`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from causerie.cli.app import App
from causerie.cli.main import cli
from causerie.providers import allow_model_requests
from causerie.providers.llamacpp import LlamaCppProvider
from causerie.runner import close_all


@pytest.fixture
def scripted(tmp_path: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    gguf = tmp_path / "scripted.gguf"
    gguf.write_bytes(b"GGUF scripted stand-in")

    def use(**script: Any) -> None:
        provider = LlamaCppProvider(
            gguf, n_ctx=512, n_threads=1, home=isolated_home,
            backend={"kind": "scripted", "script": script},
        )  # fmt: skip
        monkeypatch.setattr(App, "make_provider", lambda self: provider)

    with allow_model_requests(True):
        yield use
    close_all()


def doctor() -> tuple[int, dict[str, str]]:
    result = CliRunner().invoke(cli, ["doctor"], catch_exceptions=False)
    lines = {}
    for line in result.stdout.splitlines():
        status, name, detail = line[:4].strip(), line[6:22].strip(), line[23:]
        lines[name] = f"{status} {detail}"
    return result.exit_code, lines


def test_all_well_after_a_fallback(scripted: Any, tmp_path: Path, isolated_home: Path) -> None:
    scripted(crash_when_extra_buffer_types=True)
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\n\nThe reading room opens at nine.\n", encoding="utf-8")
    assert CliRunner().invoke(cli, ["add", str(notes)]).exit_code == 0
    code, lines = doctor()
    assert code == 0, lines
    assert lines["cpu"].startswith("ok ") and "cores" in lines["cpu"]
    assert lines["model file"].startswith("ok ") and "SHA-256" in lines["model file"]
    runtime = lines["runtime"]
    assert runtime.startswith("ok no-extra-buffers")
    assert (
        "default was killed by SIGSEGV (a crash inside llama.cpp) during the test decode" in runtime
    )
    assert lines["decode"].startswith("ok ") and "tokens/s" in lines["decode"]
    db = isolated_home / "causerie.sqlite3"
    assert lines["causerie.sqlite3"] == f"ok {db}: integrity check ok"
    assert "study.sqlite3" not in lines  # study's tables are in causerie.sqlite3
    assert lines["disk"].startswith("ok ") and "GiB free" in lines["disk"]


def test_a_damaged_database_fails_with_its_name(scripted: Any, isolated_home: Path) -> None:
    scripted()
    isolated_home.mkdir(parents=True, exist_ok=True)
    damaged = isolated_home / "accounts.sqlite3"
    damaged.write_bytes(b"this is not a database, " * 200)
    code, lines = doctor()
    assert code == 1
    assert lines["accounts.sqlite3"].startswith("FAIL ")
    assert "not a database" in lines["accounts.sqlite3"]
    assert lines["runtime"].startswith("ok ")


def test_a_model_that_runs_nowhere_fails_the_runtime_line(scripted: Any) -> None:
    scripted(crash_in_self_test=True)
    code, lines = doctor()
    assert code == 1
    assert lines["runtime"].startswith("FAIL llama.cpp cannot run scripted.gguf")
    assert "minimal: was killed by SIGSEGV" in lines["runtime"]
    assert lines["decode"].startswith("FAIL ")


def test_other_providers_skip_the_model_checks() -> None:
    code, lines = doctor()  # the tests' default provider is the fake
    assert code == 0, lines
    assert lines["provider"].startswith("ok fake")
    assert lines["runtime"] == "ok not used by provider fake"


@pytest.fixture
def real_model(default_model: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CAUSERIE_MODEL", str(default_model))
    monkeypatch.setenv("CAUSERIE_EMBEDDER", "none")
    yield default_model
    close_all()


@pytest.mark.model
def test_doctor_with_the_real_model(real_model: Path) -> None:
    code, lines = doctor()
    assert code == 0, lines
    assert lines["runtime"].startswith("ok ")
    assert "CPU :" in lines["runtime"]  # llama.cpp's own view of the CPU, from the runner
    assert "tokens/s" in lines["decode"]
    assert str(os.getpid()) not in lines["runtime"]
