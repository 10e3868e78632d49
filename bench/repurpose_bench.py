"""The repurpose assistant on our own long pieces (bench/repurpose_data: fictional, written for
this bench, EN and FR, 800-950 words each, with figures and quotes; key claims written by hand
in key_claims.json), with the real embedded model: every piece into every format.

    .venv/bin/python bench/repurpose_bench.py                  # all pieces, all formats
    .venv/bin/python bench/repurpose_bench.py --only reed-beds.md --formats x-thread,outline

Per language it prints, and writes to bench/results/repurpose.md (raw rows: repurpose.json):
- within: drafts shipped within their format's limit, re-measured here with the format's rule
  (a withheld draft counts as a miss);
- figures and quotes: every number in a shipped sentence found as written in the passage it
  cites, every quoted span found word for word (case, accents and punctuation inside it kept)
  in that passage, a check independent of the assistant's own (which folds case and accents);
- key claims: share of the piece's hand-written key claims whose figures or names appear in
  the shipped draft;
- seconds: the format's own model call(s) and assembly, and apart the claims drawn from the
  piece's passages (shared by all formats), with the load average;
- the video scripts spoken by espeak-ng, measured in seconds of audio.

Home: CAUSERIE_BENCH_HOME (default /tmp/causerie-bench-home, kept between runs: the model is
assembled there once), notebook "repurpose-bench".
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from itertools import zip_longest
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
DATA = HERE / "repurpose_data"
RESULTS = HERE / "results"
HOME = Path(os.environ.get("CAUSERIE_BENCH_HOME", "/tmp/causerie-bench-home"))
NOTEBOOK = "repurpose-bench"
ALL_FORMATS = "x-thread,linkedin,newsletter,outline,video-script,bluesky,mastodon"
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def load() -> float:
    return os.getloadavg()[0]


def spoken_seconds(text: str, language: str) -> float | None:
    if shutil.which("espeak-ng") is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "script.wav"
        subprocess.run(["espeak-ng", "-v", language, "-w", str(path), text], check=True)
        with wave.open(str(path)) as audio:
            return audio.getnframes() / audio.getframerate()


def squeeze(text: str) -> str:
    return " ".join(text.split())


def figures_and_quotes(draft: Any) -> tuple[int, int, int, int, list[str]]:
    """(numbers found as written, numbers, quotes found word for word, quotes, misses)."""
    from causerie.assistants.kit.support import quotes_in

    numbers = found_numbers = quotes = found_quotes = 0
    misses: list[str] = []
    for sentence in draft.sentences:
        if sentence.role == "call" or not sentence.citations:
            continue
        passage = squeeze(" ".join(c.text for c in sentence.citations))
        for number in _NUMBER.findall(sentence.text):
            numbers += 1
            if number in passage:
                found_numbers += 1
            else:
                misses.append(f"number {number} in: {sentence.text}")
        for quote in quotes_in(sentence.text):
            quotes += 1
            bare = squeeze(quote).strip(" ,.;:!?")
            if bare in passage:
                found_quotes += 1
            else:
                misses.append(f"quote “{quote}” in: {sentence.text}")
    return found_numbers, numbers, found_quotes, quotes, misses


def reached(claim: dict[str, Any], text: str) -> bool:
    from causerie import grounding, textproc

    held_numbers = grounding.numbers_in(text)
    held_words = {textproc.fold(w) for w in textproc.words(text)}
    for token in claim["must"]:
        if token[0].isdigit():
            if not grounding.numbers_in(token) <= held_numbers:
                return False
        elif textproc.fold(token) not in held_words:
            return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="", help="pieces (file names), comma-separated")
    parser.add_argument("--formats", default=ALL_FORMATS)
    parser.add_argument("--passages", type=int, default=8)
    parser.add_argument("--output", default=str(RESULTS / "repurpose"))
    parser.add_argument("--until", default="", help="UTC HH:MM: start no piece after it")
    args = parser.parse_args()

    os.environ["CAUSERIE_HOME"] = str(HOME)
    from causerie.assistants.repurpose.formats import parse_formats, rule_for
    from causerie.assistants.repurpose.pipeline import Options, gather, repurpose
    from causerie.wiring import Services

    keys = json.loads((DATA / "key_claims.json").read_text(encoding="utf-8"))
    wanted = [p for p in keys if not args.only or p in args.only.split(",")]
    by_language = [[p for p in wanted if keys[p]["language"] == lang] for lang in ("en", "fr")]
    pieces = [p for pair in zip_longest(*by_language) for p in pair if p]  # EN, FR, EN, ...
    formats = parse_formats(args.formats)
    services = Services(warn=lambda m: print(m, file=sys.stderr))
    owner_store = services.store
    from causerie.types import LOCAL_OWNER as owner

    book = owner_store.ensure_notebook(owner, NOTEBOOK)
    outcomes = services.ingestor.add_many(owner, book, [str(DATA / p) for p in pieces])
    print("ingested:", [o.status for o in outcomes], file=sys.stderr)
    services.ingestor.embed_pending(owner, book)
    provider = services.make_provider()

    rows: list[dict[str, Any]] = []
    started_load = load()
    for piece in pieces:
        if args.until and time.strftime("%H:%M", time.gmtime()) >= args.until:
            print(f"stopping before {piece}: it is past {args.until} UTC", file=sys.stderr)
            break
        language = keys[piece]["language"]
        material = gather(owner_store, owner, book, [piece], args.passages)
        words = len((DATA / piece).read_text(encoding="utf-8").split())
        print(f"{piece}: {len(material.passages)} passages, {words} words", file=sys.stderr)
        before = load()

        def step(done: int, total: int, what: str) -> None:
            print(f"  {done}/{total} {what}", file=sys.stderr)

        result = repurpose(provider, services.embedder, material, formats, Options(), step)
        for draft in result.drafts:
            rule = rule_for(draft.format, language)
            parts = draft.parts
            within = bool(parts) and rule.check_length(parts).within
            good_n, all_n, good_q, all_q, misses = figures_and_quotes(draft)
            text = "\n".join(parts)
            claims = keys[piece]["claims"]
            hit = [c["claim"] for c in claims if parts and reached(c, text)]
            spoken = (
                spoken_seconds(text, language) if draft.format == "video-script" and parts else None
            )
            rows.append({
                "piece": piece, "language": language, "words": words, "format": draft.format,
                "shipped": bool(parts), "within": within,
                "length": draft.length.to_json() if draft.length else None,
                "numbers": [good_n, all_n], "quotes": [good_q, all_q], "misses": misses,
                "key_claims": [len(hit), len(claims)], "reached": hit,
                "seconds": round(draft.seconds, 2),
                "claims_seconds": round(result.claims.seconds, 2),
                "claims_calls": result.claims.calls, "claims_kept": len(result.claims.sentences),
                "claims_rejected": len(result.claims.rejected),
                "rejected": [r.to_json() for r in draft.rejected], "notes": draft.notes,
                "spoken_seconds": None if spoken is None else round(spoken, 1),
                "load": round((before + load()) / 2, 2), "output": draft.to_json(),
            })  # fmt: skip
        drawn = result.claims
        print(f"  claims: {len(drawn.sentences)} kept, {len(drawn.rejected)} rejected, "
              f"{drawn.seconds:.0f} s", file=sys.stderr)  # fmt: skip
        write(Path(args.output), rows, formats, started_load)  # after each piece: a partial
    report = write(Path(args.output), rows, formats, started_load)
    print(report)
    return 0


def write(out: Path, rows: list[dict[str, Any]], formats: list[str], load_start: float) -> str:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(
        json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    report = summary(rows, formats, load_start, load())
    out.with_suffix(".md").write_text(report, encoding="utf-8")
    return report


def pct(a: int, b: int) -> str:
    return "–" if b == 0 else f"{100 * a / b:.0f} % ({a}/{b})"


def summary(
    rows: list[dict[str, Any]], formats: list[str], load_start: float, load_end: float
) -> str:
    lines = [
        "# Repurpose benchmark",
        "",
        f"Embedded model (Qwen2.5-Coder-0.5B-Instruct Q4_K_M), 2 shared cores, load average "
        f"{load_start:.1f} at the start, {load_end:.1f} at the end. Pieces: bench/repurpose_data "
        "(fictional, ours). Figures are `bench/repurpose_bench.py`'s; raw rows in repurpose.json.",
        "",
    ]
    for language in sorted({r["language"] for r in rows}):
        mine = [r for r in rows if r["language"] == language]
        pieces = sorted({r["piece"] for r in mine})
        lines += [f"## {language.upper()}: {len(pieces)} pieces ({', '.join(pieces)})", "",
                  "| format | within limit | figures as in passage | quotes word for word "
                  "| key claims reached | s per format (median) | load |",
                  "|---|---|---|---|---|---|---|"]  # fmt: skip
        for name in formats:
            f = [r for r in mine if r["format"] == name]
            if not f:
                continue
            lines.append(
                f"| {name} | {pct(sum(r['within'] for r in f), len(f))} | "
                f"{pct(sum(r['numbers'][0] for r in f), sum(r['numbers'][1] for r in f))} | "
                f"{pct(sum(r['quotes'][0] for r in f), sum(r['quotes'][1] for r in f))} | "
                f"{pct(sum(r['key_claims'][0] for r in f), sum(r['key_claims'][1] for r in f))} | "
                f"{statistics.median(r['seconds'] for r in f):.1f} | "
                f"{statistics.median(r['load'] for r in f):.1f} |"
            )
        per_piece = {r["piece"]: r for r in mine}
        claims_s = [r["claims_seconds"] for r in per_piece.values()]
        kept = sum(r["claims_kept"] for r in per_piece.values())
        rejected = sum(r["claims_rejected"] for r in per_piece.values())
        calls = sum(r["claims_calls"] for r in per_piece.values())
        lines += ["", "Claims drawn from the passages (shared by every format): median "
                  f"{statistics.median(claims_s):.0f} s per piece, {calls} model calls, "
                  f"{kept} kept, {rejected} rejected by the checks.", ""]  # fmt: skip
        spoken = [r for r in mine if r["spoken_seconds"] is not None]
        if spoken:
            said = ", ".join(f"{r['spoken_seconds']:.0f} s" for r in spoken)
            lines += [f"Video scripts spoken by espeak-ng: {said} (rule: 30-60 s).", ""]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
