"""The CLI end to end, in-process, on a real SQLite file, with the scripted fake model.

The answer goes to stdout; progress, notes and errors go to stderr.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from causerie.cli.app import App
from causerie.cli.main import cli
from causerie.providers.fake import FakeProvider

LIBRARY = """# Valmont library

## Opening hours

The library is open Tuesday to Saturday from 9:00 to 18:00.
On Sundays it opens from 10:00 to 14:00. It is closed on Mondays.

## Borrowing

Books are lent for three weeks. The late fee is 0.20 euros per day and per item.
"""


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeProvider:
    provider = FakeProvider(strict=True)
    monkeypatch.setattr(App, "make_provider", lambda self: provider)
    return provider


@pytest.fixture
def library(tmp_path: Path) -> Path:
    path = tmp_path / "library.md"
    path.write_text(LIBRARY, encoding="utf-8")
    return path


def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def test_add_then_ask_gives_a_cited_answer_on_stdout(library: Path, fake: FakeProvider) -> None:
    added = run("add", str(library))
    assert added.exit_code == 0, added.stderr
    assert "added" in added.stdout and "library.md" in added.stdout
    assert "Indexing" in added.stderr  # the progress bar is on stderr

    fake.enqueue("On Sundays the library opens from 10:00 to 14:00 [1].")
    asked = run("ask", "When is the library open on Sundays?")
    assert asked.exit_code == 0, asked.stderr
    assert "10:00 to 14:00 [1]." in asked.stdout
    assert "Opening hours" in asked.stdout  # the citation's locator
    sent = fake.calls[0][0][-1].content
    assert '<source id="1"' in sent and "Sundays" in sent


def test_ask_json_prints_exactly_one_object(library: Path, fake: FakeProvider) -> None:
    run("add", str(library))
    fake.enqueue("The late fee is 0.20 euros per day [1]. It is lent for three weeks [9].")
    result = run("ask", "What is the late fee?", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) >= {"answer", "abstained", "interrupted", "citations", "usage", "timings"}
    assert data["abstained"] is False and data["interrupted"] is False
    assert "[9]" not in data["answer"]
    assert data["checks"]["dropped_markers"] == [9]
    [citation] = data["citations"]
    assert citation["marker"] == 1
    assert citation["source"] == str(library)
    assert citation["locator"]["heading_path"] == ["Valmont library", "Borrowing"]
    assert "0.20 euros" in citation["text"]
    assert set(citation) == {"marker", "source", "locator", "label", "chunk_id", "text"}


def test_question_outside_the_sources_abstains_without_calling_the_model(
    library: Path, fake: FakeProvider
) -> None:
    run("add", str(library))
    result = run("ask", "Who won the 1998 football world cup?", "--json")
    data = json.loads(result.stdout)
    assert data["abstained"] is True
    assert data["citations"] == []
    assert "do not cover" in data["answer"]
    assert fake.calls == []
    french = json.loads(run("ask", "Qui a gagné la coupe du monde 1998 ?", "--json").stdout)
    assert french["answer"].startswith("Les sources de ce carnet ne couvrent pas")


def test_re_adding_an_unchanged_file_is_a_no_op(library: Path, fake: FakeProvider) -> None:
    run("add", str(library))
    again = run("add", str(library))
    assert "unchanged" in again.stdout
    library.write_text(LIBRARY.replace("0.20", "0.30"), encoding="utf-8")
    changed = run("add", str(library))
    assert "updated" in changed.stdout
    listed = run("sources")
    assert listed.stdout.count("library.md") == 1


def test_a_bad_file_is_reported_and_the_rest_of_the_batch_goes_in(
    library: Path, tmp_path: Path, fake: FakeProvider
) -> None:
    broken = tmp_path / "report.docx"
    broken.write_bytes(b"\x00\x01 definitely not a zip archive" * 10)
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = run("add", str(broken), str(library), str(empty))
    assert result.exit_code == 1
    assert "report.docx" in result.stderr and "empty.txt" in result.stderr
    assert "Traceback" not in result.stderr
    assert "library.md" in run("sources").stdout


def test_errors_are_one_line_with_a_non_zero_exit(fake: FakeProvider) -> None:
    result = run("ask", "anything", "--notebook", "missing")
    assert result.exit_code != 0
    assert result.stderr.strip() == (
        "error: notebook 'missing' does not exist (`causerie notebooks` lists them)"
    )


def test_chat_streams_keeps_history_and_rewrites_follow_ups(
    library: Path, fake: FakeProvider
) -> None:
    run("add", str(library))
    fake.enqueue("It opens from 9:00 to 18:00 from Tuesday to Saturday [1].")
    fake.enqueue("On Sundays it opens from 10:00 to 14:00 [1].")
    session = run("chat", input="When does the library open?\nand on Sundays?\n/sources\n/quit\n")
    assert session.exit_code == 0, session.stderr
    assert "10:00 to 14:00" in session.stdout
    assert "library.md" in session.stdout  # /sources
    follow_up_prompt = fake.calls[1][0]
    assert [m.role for m in follow_up_prompt] == ["system", "user", "assistant", "user"]
    assert "Sundays" in follow_up_prompt[-1].content

    resumed = run("chat", "--resume", input="/quit\n")
    assert "and on Sundays?" in resumed.stdout  # the saved conversation is shown again
