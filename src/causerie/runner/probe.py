"""Find, once per (llama-cpp-python version, model hash, CPU), runtime parameters that work.

    process, choice = start_runner(spec)   # a warm runner, and why it runs with these params

The first start on a new combination is the probe: each candidate of `params.CANDIDATES` in
turn loads the model in a runner process and decodes a test prompt; the first runner that
survives is kept (it is the warm runner, not a throwaway) and its choice is written to
`<home>/runtime.json`. Later starts read the choice and skip the test decode. If a runner with a
remembered choice crashes while starting, or crashes twice in a row while answering, that choice
is struck off and the next start probes again from where it failed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from causerie.errors import ProviderUnavailable
from causerie.runner.cpu import cpu_info
from causerie.runner.params import CANDIDATES, RuntimeParams, params_named
from causerie.runner.process import RunnerDied, RunnerLoadError, RunnerProcess, RunnerSpec

RUNTIME_FILE = "runtime.json"
CRASHES_BEFORE_FALLBACK = 2


@dataclass(frozen=True, slots=True)
class RuntimeChoice:
    """The parameters a runner uses, and why."""

    params: RuntimeParams
    reason: str
    key: str
    tried: tuple[tuple[str, str], ...] = ()  # (params name, "ok" or how it died)
    self_test: dict[str, Any] | None = None
    system_info: str = ""


def llama_cpp_version() -> str:
    try:
        return metadata.version("llama-cpp-python")
    except metadata.PackageNotFoundError:
        return "not installed"


def runtime_facts(spec: RunnerSpec) -> dict[str, Any]:
    """What the choice depends on. The key is a hash of all of it, every CPU flag included."""
    cpu = cpu_info()
    return {
        "llama_cpp": llama_cpp_version(),
        "model_sha256": model_sha256(spec.model_path, spec.home),
        "cpu": cpu.model,
        "arch": cpu.arch,
        "flags": sorted(cpu.flags),
        "backend": spec.backend_json or "llama.cpp",
    }


def runtime_key(facts: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- the notes file


def _notes_path(home: Path) -> Path:
    return home / RUNTIME_FILE


def read_notes(home: Path) -> dict[str, Any]:
    try:
        data = json.loads(_notes_path(home).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"choices": {}, "model_hashes": {}}
    if not isinstance(data, dict):
        return {"choices": {}, "model_hashes": {}}
    data.setdefault("choices", {})
    data.setdefault("model_hashes", {})
    return data


def _write_notes(home: Path, data: dict[str, Any]) -> None:
    home.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".runtime.", suffix=".tmp", dir=home)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=2, sort_keys=True)
    os.replace(tmp, _notes_path(home))


def _update_notes(home: Path, key: str, **fields: Any) -> None:
    data = read_notes(home)
    entry = data["choices"].setdefault(key, {})
    entry.update(fields)
    _write_notes(home, data)


def model_sha256(path: Path, home: Path) -> str:
    """The model file's SHA-256: from the default model's stamp when it matches, else hashed
    once and remembered by (path, size, mtime)."""
    from causerie.providers.default_model import read_stamp, sha256_file

    stamped = read_stamp(path)
    if stamped is not None:
        return stamped
    try:
        st = path.stat()
    except OSError:
        return "missing"
    data = read_notes(home)
    known = data["model_hashes"].get(str(path))
    if known and known.get("size") == st.st_size and known.get("mtime_ns") == st.st_mtime_ns:
        return str(known["sha256"])
    digest = sha256_file(path, progress=st.st_size > 64 * 1024 * 1024, label="Hashing model")
    data["model_hashes"][str(path)] = {
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "sha256": digest,
    }
    _write_notes(home, data)
    return digest


# --------------------------------------------------------------------------- starting


def start_runner(spec: RunnerSpec) -> tuple[RunnerProcess, RuntimeChoice]:
    """A ready runner for `spec`: with the runtime setting if one is set, else with the
    remembered choice, else by probing. ProviderUnavailable when nothing works."""
    facts = runtime_facts(spec)
    key = runtime_key(facts)
    if spec.runtime != "auto":
        return _start_as_set(spec, key)
    entry = read_notes(spec.home)["choices"].get(key) or {}
    remembered = params_named(str(entry.get("params", "")))
    if remembered is not None:
        try:
            process, ready = _launch(spec, remembered, self_test=False)
        except RunnerDied as died:
            _strike(spec.home, key, remembered.name, f"{died.cause} while starting")
        else:
            return process, _choice(key, remembered, entry, ready, "remembered")
    return _probe(spec, key, facts)


def _start_as_set(spec: RunnerSpec, key: str) -> tuple[RunnerProcess, RuntimeChoice]:
    params = params_named(spec.runtime)
    if params is None:
        names = ", ".join(p.name for p in CANDIDATES)
        raise ProviderUnavailable(f"unknown runtime {spec.runtime!r}: choose auto or {names}")
    try:
        process, ready = _launch(spec, params, self_test=False)
    except RunnerDied as died:
        raise ProviderUnavailable(
            f"llama.cpp with runtime {params.name!r} (set by CAUSERIE_RUNTIME): the model "
            f"runner {died.cause} while loading {spec.model_path.name}; set "
            "CAUSERIE_RUNTIME=auto to let Causerie find parameters that work"
        ) from None
    return process, RuntimeChoice(
        params, "set by the runtime setting (CAUSERIE_RUNTIME)", key,
        system_info=str(ready.get("system_info", "")),
    )  # fmt: skip


def _probe(
    spec: RunnerSpec, key: str, facts: dict[str, Any]
) -> tuple[RunnerProcess, RuntimeChoice]:
    struck = set(read_notes(spec.home)["choices"].get(key, {}).get("struck", []))
    tried: list[tuple[str, str]] = [(name, "struck off after crashes") for name in sorted(struck)]
    for params in CANDIDATES:
        if params.name in struck:
            continue
        if spec.progress:
            print(
                f"causerie: checking that llama.cpp runs {spec.model_path.name} on this CPU "
                f"({params.name} parameters; once per CPU and model)",
                file=sys.stderr,
                flush=True,
            )
        try:
            process, ready = _launch(spec, params, self_test=True)
        except RunnerDied as died:
            tried.append((params.name, f"{died.cause} during the test decode"))
            continue
        tried.append((params.name, "ok"))
        now = datetime.now(UTC).isoformat(timespec="seconds")
        _update_notes(
            spec.home,
            key,
            params=params.name,
            tried=[list(t) for t in tried],
            self_test=ready.get("self_test"),
            probed_at=now,
            facts={k: v for k, v in facts.items() if k != "flags"},
            crashes=0,
        )
        entry = read_notes(spec.home)["choices"][key]
        return process, _choice(key, params, entry, ready, f"probed {now}")
    attempts = "; ".join(f"{name}: {result}" for name, result in tried)
    raise ProviderUnavailable(
        f"llama.cpp cannot run {spec.model_path.name} on this CPU ({facts['cpu']}, "
        f"llama-cpp-python {facts['llama_cpp']}). Tried: {attempts}. Use another model "
        "(CAUSERIE_MODEL=/path/to/model.gguf) or an OpenAI-compatible server "
        "(CAUSERIE_PROVIDER=openai CAUSERIE_BASE_URL=http://host:port/v1 CAUSERIE_MODEL=name). "
        f"Details: {spec.log_path}"
    )


def _choice(
    key: str, params: RuntimeParams, entry: dict[str, Any], ready: dict[str, Any], how: str
) -> RuntimeChoice:
    tried = tuple((str(t[0]), str(t[1])) for t in entry.get("tried", []))
    failed = [f"{name} {result}" for name, result in tried if result != "ok"]
    why = f"{how}: " + (
        "; ".join(failed) if failed else "llama.cpp's defaults passed the test decode"
    )
    return RuntimeChoice(
        params,
        why,
        key,
        tried,
        entry.get("self_test") or ready.get("self_test"),
        str(ready.get("system_info", "")),
    )


def _launch(
    spec: RunnerSpec, params: RuntimeParams, *, self_test: bool
) -> tuple[RunnerProcess, dict[str, Any]]:
    """A runner with `params`, ready, and its ready message. RunnerDied when it dies first;
    ProviderUnavailable when llama.cpp refuses the file (no other parameters would help)."""
    process = RunnerProcess(spec, params, self_test=self_test)
    try:
        return process, process.wait_ready()
    except RunnerLoadError as exc:
        raise ProviderUnavailable(
            f"llama.cpp cannot load the model {spec.model_path}: {exc} — is it a valid GGUF file?"
        ) from None


def record_crash(spec: RunnerSpec, key: str, params_name: str, cause: str) -> None:
    """A runner crashed (a fault signal) while answering. After CRASHES_BEFORE_FALLBACK in a
    row with the same parameters, they are struck off: the next start probes the others."""
    if spec.runtime != "auto":
        return
    entry = read_notes(spec.home)["choices"].get(key, {})
    if entry.get("params") != params_name:
        return
    crashes = int(entry.get("crashes", 0)) + 1
    if crashes >= CRASHES_BEFORE_FALLBACK:
        _strike(spec.home, key, params_name, f"{cause} while answering, {crashes} times")
    else:
        _update_notes(spec.home, key, crashes=crashes)


def record_success(spec: RunnerSpec, key: str) -> None:
    entry = read_notes(spec.home)["choices"].get(key, {})
    if entry.get("crashes"):
        _update_notes(spec.home, key, crashes=0)


def _strike(home: Path, key: str, params_name: str, why: str) -> None:
    data = read_notes(home)
    entry = data["choices"].setdefault(key, {})
    struck = list(dict.fromkeys([*entry.get("struck", []), params_name]))
    entry.update(struck=struck, params=None, crashes=0, struck_why={
        **entry.get("struck_why", {}), params_name: why})  # fmt: skip
    with contextlib.suppress(OSError):
        _write_notes(home, data)
