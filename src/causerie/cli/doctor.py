"""`causerie doctor`: is this machine ready to answer? One line per check, exit 1 on a failure.

ok    cpu          AMD EPYC, x86_64, 2 cores: avx avx2 fma f16c avx512f ...
ok    runtime      default: probed 2026-12-02T05:19:10+00:00: llama.cpp's defaults passed ...
FAIL  disk         /home/me/.local/share/causerie: 120 MiB free, 512 MiB needed
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from causerie.cli.app import App
from causerie.errors import CauserieError

if TYPE_CHECKING:
    from causerie.providers.llamacpp import LlamaCppProvider

MIN_FREE_BYTES = 512 * 1024 * 1024  # the default model alone is 491 MB when it is assembled
DATABASES = ("causerie.sqlite3", "accounts.sqlite3")  # study's tables live in causerie.sqlite3


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


class _Skip(Exception):
    """A check that does not apply (another provider); not a failure."""


@click.command()
@click.pass_obj
def doctor(app: App) -> None:
    """Check the CPU, the model runtime, the model file, the databases and the disk."""
    failed = False
    for check in run_checks(app):
        failed = failed or not check.ok
        status = "ok  " if check.ok else "FAIL"
        click.echo(f"{status}  {check.name:<16} {check.detail}")
    if failed:
        raise click.exceptions.Exit(1)


def run_checks(app: App) -> Iterator[Check]:
    steps: list[tuple[str, Callable[[App], str]]] = [
        ("cpu", _cpu),
        ("provider", _provider),
        ("model file", _model_file),
        ("runtime", _runtime),
        ("decode", _decode),
        ("embedder", _embedder),
        *(
            [("postgresql", _postgres)]
            if app.settings.uses_postgres
            else [(name, _database(name)) for name in DATABASES]
        ),
        ("disk", _disk),
    ]
    for name, step in steps:
        try:
            yield Check(name, True, step(app))
        except _Skip as skipped:
            yield Check(name, True, str(skipped))
        except (CauserieError, OSError, sqlite3.Error) as exc:
            yield Check(name, False, str(exc))


def _cpu(app: App) -> str:
    from causerie.runner.cpu import cpu_info

    info = cpu_info()
    flags = " ".join(info.notable_flags()) or "no SIMD flags reported"
    return f"{info.model}, {info.arch}, {info.cores} cores: {flags}"


def _provider(app: App) -> str:
    settings = app.settings
    if settings.provider != "llamacpp":
        where = f" at {settings.base_url}" if settings.base_url else ""
        return f"{settings.provider} {settings.model or '(its default model)'}{where}"
    from causerie.runner.probe import llama_cpp_version

    version = llama_cpp_version()
    if version == "not installed":
        raise CauserieError("llama-cpp-python is not installed: pip install 'causerie[llamacpp]'")
    from causerie.runner.cpu import available_cores

    threads = settings.threads or available_cores()
    return f"llamacpp (embedded), llama-cpp-python {version}, {threads} threads"


def _llamacpp(app: App) -> LlamaCppProvider:
    """The engine's provider (built once, shared by the checks); _Skip when not llama.cpp."""
    from causerie.providers.llamacpp import LlamaCppProvider

    provider = app.engine.provider
    if not isinstance(provider, LlamaCppProvider):
        raise _Skip(f"not used by provider {app.settings.provider}")
    return provider


def _model_file(app: App) -> str:
    provider = _llamacpp(app)
    from causerie.providers.default_model import DEFAULT_SPEC, default_model_path, sha256_file

    path = provider.model_path  # the default model is assembled and verified here if needed
    digest = sha256_file(path, progress=True, label="Checking model")
    size = path.stat().st_size
    if path != default_model_path(provider.home):
        return f"{path}: {size:,} bytes, SHA-256 {digest}"
    if digest != DEFAULT_SPEC.sha256:
        raise CauserieError(
            f"{path}: SHA-256 {digest} does not match the default model's {DEFAULT_SPEC.sha256}; "
            "delete the file and it is assembled again on next use"
        )
    return f"{path}: {size:,} bytes, SHA-256 matches the pinned default model"


def _runtime(app: App) -> str:
    runner = _llamacpp(app).runner
    choice = runner.start()
    return f"{choice.params.name}, pid {runner.pid} ({choice.reason}); {choice.system_info}"


def _decode(app: App) -> str:
    timing = _llamacpp(app).runner.self_test()
    prompt_rate = timing["prompt_tokens"] / max(timing["prompt_ms"], 1e-3) * 1000
    gen_rate = max(timing["generated_tokens"] - 1, 0) / max(timing["generation_ms"], 1e-3) * 1000
    return (
        f"{timing['prompt_tokens']} prompt tokens in {timing['prompt_ms']:.0f} ms "
        f"({prompt_rate:.0f} tokens/s), then {gen_rate:.1f} tokens/s "
        f"(load average {os.getloadavg()[0]:.1f})"
    )


def _embedder(app: App) -> str:
    embedder = app.embedder
    if embedder is None:
        return "none: search is lexical only"
    started = time.perf_counter()
    vectors = embedder.embed(["Quand la bibliothèque ouvre-t-elle ?"], kind="query")
    took = (time.perf_counter() - started) * 1000
    return f"{embedder.name}: one query embedded in {took:.0f} ms ({vectors.shape[1]} dimensions)"


def _database(name: str) -> Callable[[App], str]:
    def check(app: App) -> str:
        path = app.settings.home / name
        if not path.exists():
            return f"{path}: not created yet"
        return f"{path}: {integrity(path)}"

    return check


def _postgres(app: App) -> str:
    """The server, pgvector and the schema versions of a PostgreSQL database_url."""
    from causerie.postgres.db import Database

    db = Database(app.settings.database_url, max_size=1)
    try:
        with db.transaction() as conn:
            row = conn.execute(
                "SELECT current_setting('server_version') AS server,"
                " (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS vector"
            ).fetchone()
        versions = db.versions()
    finally:
        db.close()
    assert row is not None
    if row["vector"] is None:
        raise CauserieError(
            f"{db.name}: the pgvector extension is missing (CREATE EXTENSION vector)"
        )
    schema = ", ".join(f"{k} {v}" for k, v in sorted(versions.items())) or "no tables yet"
    return f"{db.name}: PostgreSQL {row['server']}, pgvector {row['vector']}; {schema}"


def integrity(path: Path) -> str:
    """`PRAGMA integrity_check` on a read-only connection; raises with the first problem."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()
    if rows != ["ok"]:
        raise CauserieError(f"{path}: integrity check failed: {'; '.join(rows[:3])}")
    return "integrity check ok"


def _disk(app: App) -> str:
    home = app.settings.home
    folder = home if home.exists() else next((p for p in home.parents if p.exists()), Path("/"))
    free = shutil.disk_usage(folder).free
    if free < MIN_FREE_BYTES:
        raise CauserieError(
            f"{home}: {free / 2**20:,.0f} MiB free, {MIN_FREE_BYTES / 2**20:,.0f} MiB needed"
        )
    return f"{home}: {free / 2**30:,.1f} GiB free"
