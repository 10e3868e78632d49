"""`causerie repurpose` end to end, in-process, with the scripted fake model: the --json report
on stdout (outputs with posts or text, length, sentences with citations, rejected), progress on
stderr, the run saved; bad inputs named with a clear error and no model call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from causerie.assistants.repurpose.pipeline import gather
from causerie.cli.app import App
from causerie.cli.main import cli
from causerie.config import load_settings
from causerie.providers.fake import FakeProvider
from causerie.store.sqlite import SQLiteStore
from causerie.types import LOCAL_OWNER

from .conftest import claims_reply, point_of, point_reply


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeProvider:
    provider = FakeProvider(strict=True)
    monkeypatch.setattr(App, "make_provider", lambda self: provider)
    return provider


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def added(pieces: Path, fake: FakeProvider) -> None:
    files = sorted(str(p) for p in pieces.rglob("*.md"))
    result = run("add", *files)
    assert result.exit_code == 0, result.stderr


def test_json_report_lists_each_sentence_with_its_passage(added: None, fake: FakeProvider) -> None:
    store = SQLiteStore(load_settings().database_path)
    try:
        book = store.get_notebook(LOCAL_OWNER, "default")
        assert book is not None
        material = gather(store, LOCAL_OWNER, book, ["insulation.md"])
    finally:
        store.close()
    for hit in material.passages:
        fake.enqueue(claims_reply(hit))
    point = point_of(material.passages, "12%")
    fake.enqueue(point_reply("Heating costs fell by 12% in insulated homes.", point))
    fake.enqueue(json.dumps({"title": "no text field"}))  # a bad reply: asked again
    fake.enqueue(point_reply("What Valmont learned from insulating 300 homes", 1))
    result = run("repurpose", "insulation.md", "--to", "x-thread,newsletter", "--words", "120",
                 "--json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    thread, newsletter = report["outputs"]
    assert thread["format"] == "x-thread" and thread["posts"][0].startswith("1/")
    assert thread["length"]["within"] and thread["length"]["limit"] == 280
    assert all(v <= 280 for v in thread["length"]["posts"])
    first = thread["sentences"][0]
    assert first["citations"][0]["text"] in {h.chunk.text for h in material.passages}
    assert newsletter["text"].startswith("## What Valmont learned")
    assert newsletter["length"] == {**newsletter["length"], "unit": "words", "limit": 120}
    assert newsletter["length"]["value"] <= 120
    assert any("left out to stay within the 120 words" in r["why"]
               for r in newsletter["rejected"])  # fmt: skip
    assert "Repurposing" in result.stderr and "saved as run" in result.stderr
    assert report["claims"]["accepted"] >= len(material.passages)


def test_plain_output_shows_each_draft_with_its_gauge(added: None, fake: FakeProvider) -> None:
    store = SQLiteStore(load_settings().database_path)
    try:
        book = store.get_notebook(LOCAL_OWNER, "default")
        assert book is not None
        material = gather(store, LOCAL_OWNER, book, ["marche.md"])
    finally:
        store.close()
    for hit in material.passages:
        fake.enqueue(claims_reply(hit))
    fake.enqueue(point_reply("La halle accueille désormais 62 étals, contre 35 avant.", 1))
    result = run("repurpose", "marche.md", "--to", "bluesky", "--no-save")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("=== bluesky (") and "/300 graphemes) ===" in result.stdout
    assert "62 étals" in result.stdout and "saved as run" not in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["missing.md"], "no source 'missing.md'"),
        (["note.md"], "too short to repurpose"),
        (["insulation.md", "--to", "x-thread,tiktok"], "the known formats are: x-thread"),
        (["insulation.md", "--tone", "angry"], "--tone"),
        (["insulation.md", "--language", "klingon"], "--language"),
    ],
)
def test_bad_inputs_are_named_before_any_model_call(
    added: None, fake: FakeProvider, args: list[str], expected: str
) -> None:
    result = CliRunner().invoke(cli, ["repurpose", *args])
    assert result.exit_code != 0
    assert expected in result.stderr, result.stderr
    assert fake.calls == []


def test_a_notebook_without_the_source(added: None, fake: FakeProvider) -> None:
    result = CliRunner().invoke(cli, ["repurpose", "insulation.md", "--notebook", "nope"])
    assert result.exit_code != 0 and "notebook 'nope' does not exist" in result.stderr
