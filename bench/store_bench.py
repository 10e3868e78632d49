"""Benchmark of the embedded SQLite store: ingestion, lexical search and vector search.

Fills a store in a temporary folder with synthetic chunks and prints a table. A chunk is 300
words drawn from a made-up 50,000-word vocabulary with Zipf-like frequencies; as in
causerie.textproc, its index text leaves out the stop words (here: the 150 most frequent
words, about half of all tokens), and a question's 3-6 terms are content words drawn with the
same frequencies. A stress line also draws query terms among all words (index texts keep only
content words, so the commonest of those are then the most frequent content words). Vectors
are 384-dimensional random unit vectors.

    python bench/store_bench.py                 # 10k and 100k chunks
    python bench/store_bench.py --sizes 10000   # just one size
"""

from __future__ import annotations

import argparse
import string
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from causerie.store.base import NewSource
from causerie.store.sqlite import SQLiteStore
from causerie.types import Chunk, Locator, Owner

OWNER = Owner("bench")
MODEL = "bench-384"
DIM = 384
VOCABULARY = 50_000
WORDS_PER_CHUNK = 300
STOP_RANKS = 150  # the most frequent words play the stop words: kept in text, not indexed
CHUNKS_PER_SOURCE = 500
QUERIES = 200
ZIPF_EXPONENT = 1.07


def make_vocabulary(rng: np.random.Generator) -> np.ndarray:
    letters = np.array(list(string.ascii_lowercase))
    words: set[str] = set()
    while len(words) < VOCABULARY:
        length = int(rng.integers(3, 11))
        words.add("".join(rng.choice(letters, length)))
    return np.array(sorted(words, key=lambda w: (len(w), w)))


def zipf_probabilities() -> np.ndarray:
    weights = 1.0 / np.arange(1, VOCABULARY + 1) ** ZIPF_EXPONENT
    return weights / weights.sum()


def make_sources(
    rng: np.random.Generator, vocabulary: np.ndarray, total: int, probabilities: np.ndarray
) -> list[NewSource]:
    sources = []
    for start in range(0, total, CHUNKS_PER_SOURCE):
        count = min(CHUNKS_PER_SOURCE, total - start)
        ranks = rng.choice(VOCABULARY, size=(count, WORDS_PER_CHUNK), p=probabilities)
        texts = [" ".join(vocabulary[row]) for row in ranks]
        index_texts = [" ".join(vocabulary[row[row >= STOP_RANKS]]) for row in ranks]
        uri = f"doc-{start // CHUNKS_PER_SOURCE:05d}.txt"
        chunks = [
            Chunk(
                id=Chunk.make_id(uri, ordinal, text),
                ordinal=ordinal,
                text=text,
                locator=Locator(char_start=0, char_end=len(text), page=ordinal // 3 + 1),
                token_count=WORDS_PER_CHUNK,
            )
            for ordinal, text in enumerate(texts)
        ]
        sources.append(
            NewSource(
                uri=uri,
                title=uri,
                media_type="text/plain",
                language="en",
                content_hash=uri,
                chunks=chunks,
                index_texts=index_texts,
            )
        )
    return sources


def percentiles(timings: list[float]) -> tuple[float, float]:
    ms = np.array(timings) * 1000.0
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def timed(calls: list[Callable[[], object]]) -> list[float]:
    timings = []
    for call in calls:
        start = time.perf_counter()
        call()
        timings.append(time.perf_counter() - start)
    return timings


def bench_size(total: int, folder: Path, rng: np.random.Generator) -> list[tuple[str, str]]:
    vocabulary = make_vocabulary(rng)
    probabilities = zipf_probabilities()
    sources = make_sources(rng, vocabulary, total, probabilities)
    results: list[tuple[str, str]] = []

    store = SQLiteStore(folder / f"bench-{total}.db")
    notebook = store.ensure_notebook(OWNER, "bench")
    store.ensure_notebook(OWNER, "other")  # a second notebook, so scoping is not free

    start = time.perf_counter()
    for source in sources:
        store.put_source(OWNER, notebook.id, source)
    elapsed = time.perf_counter() - start
    results.append(("put_source (500-chunk sources)", f"{total / elapsed:,.0f} chunks/s"))

    replaced = sources[0]
    start = time.perf_counter()
    store.put_source(OWNER, notebook.id, replaced)
    results.append(
        ("replace one 500-chunk source", f"{(time.perf_counter() - start) * 1e3:.0f} ms")
    )

    content = probabilities.copy()
    content[:STOP_RANKS] = 0.0
    content /= content.sum()

    def query(draw: Callable[[int], np.ndarray]) -> list[str]:
        return [str(w) for w in vocabulary[draw(int(rng.integers(3, 7)))]]

    mixes = {
        "content words (Zipf)": [
            query(lambda k: rng.choice(VOCABULARY, size=k, replace=False, p=content))
            for _ in range(QUERIES)
        ],
        "stress: 1,000 commonest": [
            query(lambda k: rng.choice(np.arange(STOP_RANKS, STOP_RANKS + 1000), k, False))
            for _ in range(QUERIES)
        ],
    }
    for label, term_lists in mixes.items():
        timings = timed(
            [partial(store.lexical_search, OWNER, notebook.id, terms, 20) for terms in term_lists]
        )
        p50, p95 = percentiles(timings)
        results.append((f"lexical, 3-6 terms, {label}", f"p50 {p50:.1f} ms, p95 {p95:.1f} ms"))

    vectors = rng.standard_normal((total, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [c.id for s in sources for c in s.chunks]
    start = time.perf_counter()
    for begin in range(0, total, 1000):
        store.put_vectors(OWNER, MODEL, ids[begin : begin + 1000], vectors[begin : begin + 1000])
    elapsed = time.perf_counter() - start
    results.append(("put_vectors (batches of 1000)", f"{total / elapsed:,.0f} vectors/s"))

    counts = timed(
        [
            lambda: (
                store.count_chunks(OWNER, notebook.id),
                store.count_vectors(OWNER, notebook.id, MODEL),
            )
        ]
        * 20
    )
    results.append(("count_chunks + count_vectors", f"p50 {percentiles(counts)[0]:.1f} ms"))

    start = time.perf_counter()
    store.chunks_without_vectors(OWNER, notebook.id, MODEL, 64)
    results.append(
        ("chunks_without_vectors (none left)", f"{(time.perf_counter() - start) * 1e3:.1f} ms")
    )

    queries = rng.standard_normal((QUERIES + 1, DIM)).astype(np.float32)
    search = partial(store.vector_search, OWNER, notebook.id, MODEL)
    cold = timed([partial(search, queries[0], 20)])[0]
    results.append(("vector search, cold (loads matrix)", f"{cold * 1e3:.0f} ms"))
    timings = timed([partial(search, q, 20) for q in queries[1:]])
    p50, p95 = percentiles(timings)
    results.append(("vector search, warm", f"p50 {p50:.1f} ms, p95 {p95:.1f} ms"))

    other = SQLiteStore(folder / f"bench-{total}.db")  # a second connection writes...
    other.put_vectors(OWNER, MODEL, ids[:1], vectors[1:2])
    other.close()
    after_write = timed([partial(search, queries[1], 20)])
    results.append(("vector search after another writer", f"{after_write[0] * 1e3:.0f} ms"))

    store.close()
    size_mb = (folder / f"bench-{total}.db").stat().st_size / 2**20
    results.append(("database file", f"{size_mb:,.0f} MiB"))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    table: dict[int, list[tuple[str, str]]] = {}
    with tempfile.TemporaryDirectory(prefix="causerie-bench-") as tmp:
        for size in args.sizes:
            table[size] = bench_size(size, Path(tmp), rng)
    labels = [label for label, _ in table[args.sizes[0]]]
    width = max(len(label) for label in labels)
    header = f"{'measure':<{width}} | " + " | ".join(f"{size:>26,} chunks" for size in args.sizes)
    print(header)
    print("-" * len(header))
    for row, label in enumerate(labels):
        cells = " | ".join(f"{table[size][row][1]:>33}" for size in args.sizes)
        print(f"{label:<{width}} | {cells}")


if __name__ == "__main__":
    main()
