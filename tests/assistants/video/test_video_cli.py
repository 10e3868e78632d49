"""`causerie video ...` and `causerie ask` over two subtitle files written here (an English
repair-café talk, .srt; a French interview with voice tags, .vtt), on a real SQLite file, with
the scripted fake model for the model's words."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
import srt
import webvtt
from click.testing import CliRunner

from causerie.cli.app import App
from causerie.cli.main import cli
from causerie.providers.fake import FakeProvider

MATERIAL = Path(__file__).parent / "material"
TALK = MATERIAL / "talk_en.srt"
INTERVIEW = MATERIAL / "entretien_fr.vtt"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeProvider:
    provider = FakeProvider(strict=True)
    monkeypatch.setattr(App, "make_provider", lambda self: provider)
    return provider


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def notebook() -> str:
    added = run("add", str(TALK), str(INTERVIEW), "--notebook", "talks")
    assert added.exit_code == 0, added.stderr
    return "talks"


def test_transcript_exports_give_back_the_cues(notebook: str, tmp_path: Path) -> None:
    original = list(srt.parse(TALK.read_text(encoding="utf-8")))
    out = run("video", "transcript", "talk_en.srt", "-n", notebook, "--format", "srt")
    assert out.exit_code == 0, out.stderr
    exported = list(srt.parse(out.stdout))
    assert [(s.start, s.end, s.content) for s in exported] == [
        (s.start, s.end, s.content) for s in original
    ]
    target = tmp_path / "entretien.vtt"
    out = run("video", "transcript", "entretien_fr.vtt", "-n", notebook, "--format", "vtt",
              "-o", str(target))  # fmt: skip
    assert out.exit_code == 0 and "Wrote 16 cues" in out.stderr
    captions = webvtt.read(str(target)).captions
    assert captions[0].start == "00:00:00.500"
    assert captions[1].text == "Claire: Bonjour Marc. Oui, avec mon frère, nous élevons quarante " \
        "chèvres depuis deux mille quinze."  # fmt: skip
    text = run("video", "transcript", "talk_en.srt", "-n", notebook, "--format", "txt").stdout
    paragraphs = text.strip().split("\n\n")
    assert paragraphs[0].startswith("[0:01] Hello, and welcome")
    assert paragraphs[1].startswith("[0:21] Let's start with the brakes")  # a 2-s pause


def test_ask_cites_the_time_range(notebook: str, fake: FakeProvider) -> None:
    fake.enqueue("Replace the brake pads when they are worn down to the groove [1].")
    asked = run("ask", "When should I replace the brake pads?", "-n", notebook)
    assert asked.exit_code == 0, asked.stderr
    line = next(x for x in asked.stdout.splitlines() if x.strip().startswith("[1]"))
    assert line.strip().startswith("[1] ") and "talk_en.srt [0:" in line and "–" in line
    fake.enqueue("Replace the brake pads when they are worn down to the groove [1].")
    as_json = json.loads(run("ask", "When should I replace the brake pads?", "-n", notebook,
                             "--json").stdout)  # fmt: skip
    locator = as_json["citations"][0]["locator"]
    assert locator["start_s"] <= 28.5 <= locator["end_s"]  # the cue that says it: 0:28-0:33


def test_unknown_or_untimed_sources_are_refused_by_name(notebook: str, tmp_path: Path) -> None:
    out = CliRunner().invoke(cli, ["video", "transcript", "nope.mp4", "-n", notebook])
    assert out.exit_code != 0 and "no source 'nope.mp4'" in out.stderr
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\n\nNothing timed here, just a few words about bicycles.\n")
    run("add", str(notes), "-n", notebook)
    out = CliRunner().invoke(cli, ["video", "transcript", "notes.md", "-n", notebook])
    assert out.exit_code != 0 and "has no timed transcript" in out.stderr


def _chapter_reply(title: str, summary: str) -> str:
    return json.dumps({"title": title, "summary": summary})


def test_chapters_follow_the_topics_and_are_kept(notebook: str, fake: FakeProvider) -> None:
    fake.enqueue(_chapter_reply("Welcome and brakes", "Tom Okafor fixes old bicycles every "
                                "Thursday at the Millbrook repair café [1]."))  # fmt: skip
    for _ in range(8):
        fake.enqueue(_chapter_reply("Chains", "Clean the chain with an old toothbrush and "
                                    "degreaser, then oil each link [1]."))  # fmt: skip
    out = run("video", "chapters", "talk_en.srt", "-n", notebook, "--json")
    assert out.exit_code == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["source"].endswith("talk_en.srt") and data["language"] == "en"
    chapters = data["chapters"]
    assert 2 <= len(chapters) <= 4
    assert chapters[0]["start_s"] == 1.0 and chapters[-1]["end_s"] == pytest.approx(128.08)
    assert all(a["end_s"] <= b["start_s"] for a, b in itertools.pairwise(chapters))
    first = chapters[0]
    assert first["title"] == "Welcome and brakes"
    assert first["citations"] and first["citations"][0]["locator"]["start_s"] is not None
    calls = len(fake.calls)
    block = run("video", "chapters", "talk_en.srt", "-n", notebook, "--youtube")
    assert block.stdout.splitlines()[0] == "00:00 Welcome and brakes"  # kept: no model call
    assert len(fake.calls) == calls


def test_an_unsupported_chapter_summary_is_refused(notebook: str, fake: FakeProvider) -> None:
    invented = _chapter_reply("Goats", "Claire sells 900 cheeses a week in Paris [1].")
    fake.enqueue(_chapter_reply("[1]", "Claire élève quarante chèvres [1]."))  # a title? no
    for _ in range(30):
        fake.enqueue(invented)
    out = run("video", "chapters", "entretien_fr.vtt", "-n", notebook, "--json")
    chapters = json.loads(out.stdout)["chapters"]
    assert chapters and all(c["summary"] is None for c in chapters)
    assert chapters[0]["title"] == "Partie 1"  # the talk is French
    assert any("not in the sources" in r or "French" in r for r in chapters[0]["rejected"])
    assert chapters[0]["rejected"][0] == '"title" holds no words'


def test_summary_cites_time_ranges_and_exports_markdown(notebook: str, fake: FakeProvider) -> None:
    fake.enqueue(
        "Claire Dupuis élève quarante chèvres alpines dans le Jura [1]. "
        "Ses crottins sèchent deux semaines dans une cave à douze degrés [2]."
    )
    out = run("video", "summary", "entretien_fr.vtt", "-n", notebook, "--json")
    assert out.exit_code == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["language"] == "fr" and not data["abstained"]
    assert data["citations"] and all(c["locator"]["start_s"] is not None
                                     for c in data["citations"])  # fmt: skip
    markdown = run("video", "summary", "entretien_fr.vtt", "-n", notebook, "--markdown").stdout
    assert markdown.startswith("# entretien_fr\n") and "## Sources citées" in markdown
    assert "- [1] 0:" in markdown


def test_a_detailed_summary_has_a_cited_paragraph_per_chapter(
    notebook: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    scripted = FakeProvider()  # unscripted JSON calls get an empty title: "Part N" is kept
    monkeypatch.setattr(App, "make_provider", lambda self: scripted)
    chapters = json.loads(run("video", "chapters", "talk_en.srt", "-n", notebook,
                              "--json").stdout)["chapters"]  # fmt: skip
    cues = list(srt.parse(TALK.read_text(encoding="utf-8")))
    for chapter in chapters:  # one sentence said in each chapter, cited
        inside = [c for c in cues if chapter["start_s"] <= c.start.total_seconds()]
        said = next(c.content for c in inside if c.start.total_seconds() < chapter["end_s"])
        scripted.enqueue(f"{said.rstrip('.')} [1].")
    out = run("video", "summary", "talk_en.srt", "-n", notebook, "--length", "detailed",
              "--json")  # fmt: skip
    data = json.loads(out.stdout)
    assert data["length"] == "detailed" and not data["abstained"]
    assert len(data["summary"].split("\n\n")) == len(chapters) >= 2
    markers = [c["marker"] for c in data["citations"]]
    assert markers == list(range(1, len(markers) + 1))  # renumbered into one list
    assert len({c["chunk_id"] for c in data["citations"]}) == len(markers)
    starts = [c["locator"]["start_s"] for c in data["citations"]]
    assert starts == sorted(starts) and starts[-1] > starts[0]  # cited across the talk
