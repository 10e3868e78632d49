"""Measure quiz generation with the embedded model on the study sample notebook.

    python scripts/quiz_check.py [--count-per-source 5] [--home DIR] [--json OUT]

Loads docs/study/water-cycle.md (English) and docs/study/volcans.md (French) into a fresh
notebook with the configured embedder (default: multilingual-e5-small), makes a quiz of
`count-per-source` items from each source with the configured provider (default: the
embedded llama.cpp model; CAUSERIE_MODEL may name a GGUF file), and checks each item by
script, independently of the checks the generator applies:

- citation:  the cited chunk is in the store, with the same text, in the right source;
- verbatim:  the answer (case and accents folded, spaces collapsed) is a substring of the
             cited passage;
- all words: every content word of the answer (stemmed) and every number is in the passage
             (the generator only asks for 60 % of the words);
- choices:   for multiple choice, the answer is among 4 distinct choices at answer_index.

It also reports how many model replies the generator rejected (what the checks filtered
out), the time, and a few short-answer grading pairs with the embedder's similarity.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "docs/study/water-cycle.md", ROOT / "docs/study/volcans.md"]

# (reference, given, should be accepted) for the grading thresholds
GRADING_PAIRS = [
    ("the Sun and gravity", "gravity and the sun's heat", True),
    ("about 86 percent", "86 %", True),
    ("condensation nuclei", "tiny particles that droplets form around", True),
    ("an aquifer", "a layer of rock storing groundwater", True),
    ("about nine days", "roughly a week and a half", False),
    ("infiltration", "evaporation", False),
    ("le magma est moins dense", "parce qu'il est plus léger que les roches", True),
    ("la ceinture de feu du Pacifique", "l'océan Atlantique", False),
]


def folded(text: str) -> str:
    from causerie import textproc

    return " ".join(re.sub(r"[^\w\s]", " ", textproc.fold(text)).split())


def all_words_in(answer: str, passage: str) -> bool:
    from causerie import grounding, textproc

    if not grounding.numbers_in(answer) <= grounding.numbers_in(passage, with_parts=True):
        return False
    stems = set(textproc.query_terms(passage))
    words = [w for w in textproc.content_words(answer) if not w[0].isdigit()]
    return all(set(textproc.query_terms(w)) & stems or textproc.fold(w) in stems for w in words)


def check_item(item, store, owner, notebook) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    from causerie.assistants.study.support import aligned

    [hit] = store.get_hits(owner, notebook.id, [item.citation.chunk_id]) or [None]
    citation_ok = (
        hit is not None
        and hit.chunk.text == item.citation.text
        and hit.source.uri == item.citation.source
    )
    choices_ok = True
    if item.kind == "mcq":
        distinct = len({folded(c) for c in item.choices}) == 4
        choices_ok = distinct and item.choices[item.answer_index] == item.answer
    return {
        "citation": citation_ok,
        "verbatim": folded(item.answer) in folded(item.citation.text),
        "all_words": all_words_in(item.answer, item.citation.text),
        "choices": choices_ok,
        # the answer's sentence is the one the question is about (a check added to the
        # generator after the first run; on older runs it shows what it would have rejected)
        "aligned": aligned(item.question, item.answer, item.citation.text),
    }


def summarise(rows_file: Path, home: Path) -> int:
    """Figures from an --items file (a run that was stopped early counts what it made), and
    the items saved as a quiz in the study database of `home`, for the CLI to take."""
    os.environ["CAUSERIE_HOME"] = str(home)
    from causerie.assistants.study.db import FILE_NAME, StudyStore
    from causerie.assistants.study.quiz import QuizItem
    from causerie.assistants.study.support import aligned
    from causerie.config import load_settings
    from causerie.store.sqlite import SQLiteStore
    from causerie.types import LOCAL_OWNER

    rows = [json.loads(line) for line in rows_file.read_text(encoding="utf-8").splitlines()]
    made = [r for r in rows if r["made"]]
    names = ("citation", "verbatim", "all_words", "choices", "aligned")
    for r in made:  # rows written before the alignment check existed
        r["checks"].setdefault(
            "aligned", aligned(r["question"], r["answer"], r["citation"]["text"])
        )
    share = {n: round(sum(r["checks"][n] for r in made) / len(made), 2) if made else 0.0
             for n in names}  # fmt: skip
    seconds = sum(r["seconds"] for r in rows)
    by_language = {lang: sum(r["language"] == lang for r in made) for lang in ("en", "fr")}
    summary = {"items": len(made), "by_language": by_language,
               "passages_skipped": len(rows) - len(made), "generation_s": round(seconds, 1),
               "s_per_item": round(seconds / len(made), 1) if made else None,
               "supported_share": share}  # fmt: skip
    settings = load_settings()
    store = SQLiteStore(settings.database_path)
    book = store.get_notebook(LOCAL_OWNER, "study-check")
    store.close()
    if book is not None and made:
        study = StudyStore(home / FILE_NAME)
        quiz = study.save_quiz(LOCAL_OWNER, book.id, f"quiz_check, {len(made)} items",
                               [QuizItem.from_json(r) for r in made])  # fmt: skip
        study.close()
        summary["saved_quiz"] = quiz.id
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    for r in made:
        failed = " ".join(n for n in names if not r["checks"][n]) or "all checks pass"
        choices = f" {r['choices']}" if r["choices"] else ""
        print(f"- [{r['language']}/{r['kind']}, {r['seconds']} s] {r['question']}{choices} -> "
              f"{r['answer']!r} ({r['citation']['where']}; {failed})")  # fmt: skip
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count-per-source", type=int, default=5)
    parser.add_argument("--home", type=Path, default=None, help="data folder (default: a temp one)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("--items", type=Path, default=None,
                        help="append each item, with its checks and time, to this JSONL file "
                        "as soon as it is made")  # fmt: skip
    parser.add_argument("--summarise", type=Path, default=None,
                        help="only summarise an --items file (needs --home)")  # fmt: skip
    args = parser.parse_args()
    if args.summarise:
        return summarise(args.summarise, args.home)
    home = args.home or Path(tempfile.mkdtemp(prefix="causerie-quiz-check-"))
    os.environ["CAUSERIE_HOME"] = str(home)

    from causerie.assistants.study.passages import notebook_passages
    from causerie.assistants.study.quiz import QuizMaker
    from causerie.config import load_settings
    from causerie.embedders import make_embedder
    from causerie.ingest.pipeline import Ingestor
    from causerie.providers import make_provider
    from causerie.store.sqlite import SQLiteStore
    from causerie.types import LOCAL_OWNER

    settings = load_settings()
    store = SQLiteStore(settings.database_path)
    embedder = make_embedder(settings)
    book = store.ensure_notebook(LOCAL_OWNER, "study-check")
    started = time.perf_counter()
    ingestor = Ingestor(store, embedder, settings.chunk_tokens)
    for outcome in ingestor.add_many(LOCAL_OWNER, book, [str(p) for p in SOURCES]):
        print(f"{outcome.status}: {outcome.target}", file=sys.stderr)
    ingestor.embed_pending(LOCAL_OWNER, book)
    ingest_s = time.perf_counter() - started

    provider = make_provider(settings)
    maker = QuizMaker(provider, embedder)
    items, tries, seconds, skipped = [], 0, 0.0, []
    last = [time.perf_counter()]

    def on_item(item) -> None:  # type: ignore[no-untyped-def]
        print("." if item else "x", end="", file=sys.stderr, flush=True)
        if args.items:
            now = time.perf_counter()
            row = {"made": item is not None, "seconds": round(now - last[0], 1)}
            if item is not None:
                row |= {**item.to_json(), "checks": check_item(item, store, LOCAL_OWNER, book)}
            with args.items.open("a", encoding="utf-8") as out:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        last[0] = time.perf_counter()

    for source in SOURCES:
        pool = notebook_passages(store, LOCAL_OWNER, book, source.name)
        print(f"{source.name}: {len(pool.passages)} passages", file=sys.stderr)
        result = maker.make(pool, args.count_per_source, "mixed", on_item=on_item)
        print(file=sys.stderr)
        items += result.items
        tries += result.tries
        seconds += result.seconds
        skipped += [{"source": s.source, "where": s.where, "reasons": list(s.reasons)}
                    for s in result.skipped]  # fmt: skip

    checks = [check_item(item, store, LOCAL_OWNER, book) for item in items]
    share = {name: sum(c[name] for c in checks) / len(checks) if checks else 0.0
             for name in ("citation", "verbatim", "all_words", "choices", "aligned")}  # fmt: skip
    grading = []
    if embedder is not None:
        from causerie.assistants.study.grading import _similarity
        from causerie.assistants.study.support import overlap

        for reference, given, expected in GRADING_PAIRS:
            similarity = _similarity(embedder, reference, given)
            grading.append({"reference": reference, "given": given, "same": expected,
                            "overlap": round(overlap(reference, given), 2),
                            "similarity": round(similarity or 0.0, 3)})  # fmt: skip
    report = {
        "provider": provider.name,
        "model": settings.model or "default (Qwen2.5-Coder-0.5B-Instruct Q4_K_M)",
        "embedder": getattr(embedder, "name", None),
        "items": len(items),
        "asked": 2 * args.count_per_source,
        "model_calls": tries,
        "rejected_replies": tries - len(items),
        "passages_skipped": len(skipped),
        "generation_s": round(seconds, 1),
        "s_per_item": round(seconds / len(items), 1) if items else None,
        "ingest_and_embed_s": round(ingest_s, 1),
        "supported_share": share,
        "items_detail": [
            {**item.to_json(), "checks": check} for item, check in zip(items, checks, strict=True)
        ],
        "skipped": skipped,
        "grading_pairs": grading,
    }
    store.close()
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    summary = {k: v for k, v in report.items() if k not in ("items_detail", "skipped")}
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    for item, check in zip(items, checks, strict=True):
        marks = " ".join(name for name, ok in check.items() if not ok) or "all checks pass"
        choices = f" {list(item.choices)}" if item.choices else ""
        print(f"- [{item.language}/{item.kind}] {item.question}{choices} -> {item.answer!r} "
              f"({item.citation.locator.label()}; {marks})")  # fmt: skip
    return 0 if items else 1


if __name__ == "__main__":
    sys.exit(main())
