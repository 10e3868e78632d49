"""The CV assistant on fictional CV / job posting pairs (bench/cv_pairs/*), each with a
hand-written list of requirements (required, nice), matches and tempting inventions.

    .venv/bin/python bench/cv_bench.py                 # code + an adversarial scripted model
    .venv/bin/python bench/cv_bench.py --model         # ... and the real embedded model
    .venv/bin/python bench/cv_bench.py --only en-data  # one pair

Measures, per pair and per language (the posting's):
- requirements: precision / recall of the requirements found in the posting (keys of the
  skills list, `experience`, `language:xx`) against the hand-written ones, and how many got
  the right kind (required / nice);
- match: precision / recall of "found in the CV" against the hand-written matches, and of
  the gaps (requirements not found);
- the score, identical over --runs runs (read + match from the files each time);
- tailoring and the letter, with an adversarial scripted model (every reply adds a tempting
  invention, then the faithful line) and, with --model, the real model: how many of the
  pair's tempting inventions (absent from the CV) reached the tailored CV or the letter's
  body (target 0), how many rewrites were refused, and whether every figure and date of the
  CV is still there, written the same way.

Prints markdown tables; writes bench/results/cv.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from causerie import grounding, textproc
from causerie.assistants.cv.letter import letter
from causerie.assistants.cv.reading import read_cv, read_posting
from causerie.assistants.cv.score import Report, match
from causerie.assistants.cv.tailor import tailor
from causerie.providers.base import Capabilities, Provider
from causerie.types import Event, Finish, GenerationOptions, Message, TextDelta, Usage

HERE = Path(__file__).parent
PAIRS = HERE / "cv_pairs"
RESULTS = HERE / "results" / "cv.md"


class Tempter:
    """A scripted model that tries every trick: each first reply to a line adds one of the
    pair's tempting inventions; the next try copies the line (so a refusal is recoverable)."""

    name = "tempter"
    capabilities = Capabilities(structured_output=True)

    def __init__(self, tempting: Sequence[str]) -> None:
        self.tempting = list(tempting)
        self.turn = 0
        self.calls = 0

    def stream(self, messages: Sequence[Message], options: GenerationOptions) -> Iterator[Event]:
        self.calls += 1
        prompt = messages[-1].content
        line = re.search(r"<line>(.*?)</line>", prompt, re.S)
        text = line.group(1) if line else ""
        field_name = "paragraph" if '"paragraph"' in prompt else "text"
        if "rejected because" not in prompt:
            trick = self.tempting[self.turn % len(self.tempting)]
            self.turn += 1
            text = f"{text}, with {trick} and a team of 15"
        elif field_name == "paragraph":
            text = f"My CV states: {text}."
        yield TextDelta(json.dumps({field_name: text}, ensure_ascii=False))
        yield Usage(0, 0)
        yield Finish("stop")

    def close(self) -> None:
        return None


@dataclass
class Outcome:
    name: str
    language: str
    extracted: set[str]
    kinds_right: int
    gold: set[str]
    found: set[str]
    gold_found: set[str]
    score: int
    stable_runs: int
    runs: int
    seconds_score: float
    generation: dict[str, dict[str, Any]] = field(default_factory=dict)


def prf(predicted: set[str], gold: set[str]) -> tuple[int, int, int]:
    """(true positives, predicted, gold)."""
    return len(predicted & gold), len(predicted), len(gold)


def ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "n/a"


def appears(phrase: str, text: str) -> bool:
    words = " ".join(textproc.fold(w) for w in textproc.words(phrase))
    running = " ".join(textproc.fold(w) for w in textproc.words(text))
    return bool(words) and f" {words} " in f" {running} "


def generation_check(report: Report, provider: Provider, tempting: list[str]) -> dict[str, Any]:
    cv_text = report.cv.text
    absent = [t for t in tempting if not appears(t, cv_text)]
    started = time.perf_counter()
    tailored = tailor(report, provider)
    written = letter(report, provider)
    seconds = time.perf_counter() - started
    cited = {c["paragraph"] for c in written.citations}
    body = "\n\n".join(p for i, p in enumerate(written.text.split("\n\n"), 1) if i in cited)
    reached_cv = [t for t in absent if appears(t, tailored.markdown)]
    reached_letter = [t for t in absent if appears(t, body)]
    figures = grounding.numbers_in(cv_text)
    kept = figures & grounding.numbers_in(tailored.markdown)
    dates = [p.text for p in report.periods]
    dates_kept = [d for d in dates if d in tailored.markdown]
    return {
        "tempting": len(absent),
        "reached_cv": reached_cv,
        "reached_letter": reached_letter,
        "refused": len(tailored.rejected) + len(written.rejected),
        "rewordings": sum(c.how == "rewording" for c in tailored.changes),
        "figures": len(figures),
        "figures_kept": len(kept),
        "dates": len(dates),
        "dates_kept": len(dates_kept),
        "seconds": seconds,
    }


def run_pair(folder: Path, runs: int, real: Provider | None) -> Outcome:
    gold_data = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    year, month = (int(x) for x in gold_data["as_of"].split("-"))
    cv_path = next(p for p in sorted(folder.iterdir()) if p.stem == "cv")
    job_path = folder / "job.md"
    dumps = set()
    started = time.perf_counter()
    report = None
    for _ in range(runs):
        report = match(read_cv(str(cv_path)), read_posting(str(job_path)), as_of=(year, month))
        dumps.add(json.dumps(report.to_json(), sort_keys=True))
    seconds = (time.perf_counter() - started) / runs
    assert report is not None
    kinds = {m.requirement.key: m.requirement.kind for m in report.matches}
    gold_kind = {k: "required" for k in gold_data["required"]}
    gold_kind.update({k: "nice" for k in gold_data["nice"]})
    outcome = Outcome(
        name=folder.name,
        language=report.posting.language,
        extracted=set(kinds),
        kinds_right=sum(kinds[k] == gold_kind[k] for k in set(kinds) & set(gold_kind)),
        gold=set(gold_kind),
        found={m.requirement.key for m in report.matches if m.found},
        gold_found=set(gold_data["found"]),
        score=report.score,
        stable_runs=runs if len(dumps) == 1 else 0,
        runs=runs,
        seconds_score=seconds,
    )
    tempting = gold_data["tempting"]
    outcome.generation["tempter"] = generation_check(report, Tempter(tempting), tempting)
    if real is not None:
        outcome.generation["model"] = generation_check(report, real, tempting)
    return outcome


def tables(outcomes: list[Outcome], load: str, model_name: str | None) -> str:
    out = [f"Load average at the start: {load}.", ""]
    out += ["## Per pair", "",
            "| pair | lang | score | requirements P / R | kind right | match P / R | gaps P / R "
            "| same score over runs | s per score |",
            "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for o in outcomes:
        tp, pr, gd = prf(o.extracted, o.gold)
        mtp, mpr, mgd = prf(o.found, o.gold_found)
        gaps_pred = o.extracted - o.found
        gaps_gold = o.gold - o.gold_found
        gtp, gpr, ggd = prf(gaps_pred, gaps_gold)
        common = len(o.extracted & o.gold)
        out.append(f"| {o.name} | {o.language} | {o.score} | {ratio(tp, pr)} / {ratio(tp, gd)} "
                   f"| {o.kinds_right}/{common} | {ratio(mtp, mpr)} / {ratio(mtp, mgd)} "
                   f"| {ratio(gtp, gpr)} / {ratio(gtp, ggd)} | {o.stable_runs}/{o.runs} "
                   f"| {o.seconds_score:.3f} |")  # fmt: skip
    out += ["", "## Per language (micro-averaged)", "",
            "| lang | pairs | requirements P / R | kind right | match P / R | gaps P / R "
            "| score identical over runs |", "|---|---|---|---|---|---|---|"]  # fmt: skip
    for language in sorted({o.language for o in outcomes}):
        group = [o for o in outcomes if o.language == language]
        req = [prf(o.extracted, o.gold) for o in group]
        mat = [prf(o.found, o.gold_found) for o in group]
        gap = [prf(o.extracted - o.found, o.gold - o.gold_found) for o in group]

        def total(rows: list[tuple[int, int, int]]) -> str:
            tp, pr, gd = (sum(r[i] for r in rows) for i in range(3))
            return f"{ratio(tp, pr)} / {ratio(tp, gd)}"

        kinds = sum(o.kinds_right for o in group)
        common = sum(len(o.extracted & o.gold) for o in group)
        stable = sum(o.stable_runs == o.runs for o in group)
        out.append(f"| {language} | {len(group)} | {total(req)} | {kinds}/{common} | "
                   f"{total(mat)} | {total(gap)} | {stable}/{len(group)} pairs |")  # fmt: skip
    modes = [("tempter", "adversarial scripted model")]
    if model_name:
        modes.append(("model", model_name))
    for key, label in modes:
        out += ["", f"## Tailoring and letter: {label}", "",
                "| pair | lang | tempting (absent from CV) | reached tailored CV | reached letter "
                "| refused | rewordings kept | figures kept | dates kept | s |",
                "|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
        for o in outcomes:
            g = o.generation.get(key)
            if g is None:
                continue
            reached_cv = ", ".join(g["reached_cv"]) or "0"
            reached_letter = ", ".join(g["reached_letter"]) or "0"
            out.append(f"| {o.name} | {o.language} | {g['tempting']} | {reached_cv} | "
                       f"{reached_letter} | {g['refused']} | {g['rewordings']} | "
                       f"{g['figures_kept']}/{g['figures']} | {g['dates_kept']}/{g['dates']} | "
                       f"{g['seconds']:.1f} |")  # fmt: skip
        rows = [o.generation[key] for o in outcomes if key in o.generation]
        reached = sum(len(g["reached_cv"]) + len(g["reached_letter"]) for g in rows)
        out.append(f"\nInventions that reached a tailored CV or a letter: **{reached}** "
                   f"(of {sum(g['tempting'] for g in rows)} tempting ones, in "
                   f"{len(rows)} pairs); figures kept "
                   f"{sum(g['figures_kept'] for g in rows)}/{sum(g['figures'] for g in rows)}, "
                   f"dates kept {sum(g['dates_kept'] for g in rows)}/"
                   f"{sum(g['dates'] for g in rows)}.")  # fmt: skip
    return "\n".join(out) + "\n"


def real_provider() -> tuple[Provider, str]:
    from causerie.wiring import Services

    services = Services()
    provider = services.make_provider()
    model = services.settings.model or "the default GGUF"
    return provider, f"real model ({services.settings.provider}, {model})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", action="store_true", help="also run the real model")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--only", default=None, help="comma-separated pair names")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    load = f"{os.getloadavg()[0]:.2f}"
    folders = sorted(p for p in PAIRS.iterdir() if (p / "expected.json").is_file())
    if args.only:
        folders = [f for f in folders if f.name in args.only.split(",")]
    real, model_name = real_provider() if args.model else (None, None)
    outcomes = []
    for folder in folders:
        print(f"{folder.name} ...", file=sys.stderr, flush=True)
        outcomes.append(run_pair(folder, args.runs, real))
    report = "# CV assistant benchmark\n\n" + tables(outcomes, load, model_name)
    report += f"\nLoad average at the end: {os.getloadavg()[0]:.2f}.\n"
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    if "CAUSERIE_HOME" not in os.environ:
        os.environ["CAUSERIE_HOME"] = tempfile.mkdtemp(prefix="cv-bench-")
    main()
