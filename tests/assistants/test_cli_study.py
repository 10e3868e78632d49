"""`causerie study ...` end to end, in-process, with the scripted fake model: data on stdout,
progress and notes on stderr, interactive commands fed through stdin."""

from __future__ import annotations

import csv
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from causerie.cli.app import App
from causerie.cli.main import cli
from causerie.providers.fake import FakeProvider

from .conftest import reply

CHLOROPHYLL = reply(
    question="What absorbs sunlight in plant cells?",
    answer="Chlorophyll",
    distractors=["Mitochondria", "The cell wall", "Glucose"],
    explanation="Chlorophyll absorbs sunlight.",
)
BASTILLE = reply(
    question="Quel jour les Parisiens prennent-ils la Bastille ?",
    answer="le 14 juillet 1789",
    explanation="Le 14 juillet 1789, les Parisiens prennent la Bastille.",
)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeProvider:
    provider = FakeProvider(strict=True)
    monkeypatch.setattr(App, "make_provider", lambda self: provider)
    return provider


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def added(sources: list[Path], fake: FakeProvider) -> None:
    result = run("add", *[str(p) for p in sources])
    assert result.exit_code == 0, result.stderr


def test_quiz_json_prints_the_items_with_their_citations(added: None, fake: FakeProvider) -> None:
    fake.enqueue(CHLOROPHYLL, BASTILLE)
    result = run("study", "quiz", "--count", "2", "--json")
    assert result.exit_code == 0, result.stderr
    items = json.loads(result.stdout)
    assert [i["question"] for i in items] == [
        "What absorbs sunlight in plant cells?",
        "Quel jour les Parisiens prennent-ils la Bastille ?",
    ]
    assert items[0]["choices"][items[0]["answer_index"]] == "Chlorophyll"
    assert items[1]["choices"] == [] and items[1]["answer"] == "le 14 juillet 1789"
    citation = items[0]["citation"]
    assert citation["source"].endswith("cells.md") and "Chlorophyll absorbs" in citation["text"]
    assert citation["locator"]["heading_path"] == ["Cell biology", "Photosynthesis"]
    assert "Writing questions" in result.stderr and "quiz " in result.stderr


def test_taking_a_quiz_grades_each_answer_and_saves_the_attempts(
    added: None, fake: FakeProvider
) -> None:
    fake.enqueue(CHLOROPHYLL, BASTILLE)
    made = json.loads(run("study", "quiz", "-c", "2", "--json").stdout)
    quiz_id = json.loads(run("study", "quizzes", "--json").stdout)[0]["id"]
    right_letter = "ABCD"[made[0]["answer_index"]]
    result = run("study", "quiz", "--id", quiz_id, input=f"{right_letter}\nle 15 août\n")
    assert result.exit_code == 0, result.stderr
    assert "1. What absorbs sunlight in plant cells?" in result.stdout
    assert "Correct." in result.stdout and "Pas tout à fait." in result.stdout
    assert "La réponse attendue : « le 14 juillet 1789 »." in result.stdout
    assert "revolution.md (La Révolution française > La prise de la Bastille)" in result.stdout
    assert "Score: 1/2" in result.stdout
    assert "causerie study explain-answer" in result.stderr
    listed = json.loads(run("study", "quizzes", "--json").stdout)
    assert listed[0]["attempts"] == 2 and listed[0]["correct"] == 1

    from_quiz = json.loads(run("study", "cards", "--from-quiz", quiz_id, "--json").stdout)
    assert [c["back"] for c in from_quiz] == ["Chlorophyll", "le 14 juillet 1789"]
    assert from_quiz[1]["citation"]["source"].endswith("revolution.md")

    attempt_id = result.stderr.split("explain-answer ")[1].split(")")[0]
    fake.enqueue("Les Parisiens prennent la Bastille le 14 juillet 1789 [1].")
    why = run("study", "explain-answer", attempt_id)
    assert why.exit_code == 0, why.stderr
    assert "Your answer: le 15 août" in why.stdout and "14 juillet 1789 [1]" in why.stdout


def test_an_unreadable_choice_is_asked_again(added: None, fake: FakeProvider) -> None:
    fake.enqueue(CHLOROPHYLL)
    run("study", "quiz", "-c", "1", "--kind", "mcq", "--json")
    quiz_id = json.loads(run("study", "quizzes", "--json").stdout)[0]["id"]
    result = run("study", "quiz", "--id", quiz_id, input="9\nchlorophyll\n")
    assert "'9' is not one of the choices" in result.stderr
    assert "Score: 1/1" in result.stdout


def test_bad_requests_get_clear_answers(added: None, fake: FakeProvider, tmp_path: Path) -> None:
    fake.enqueue(CHLOROPHYLL, *["not json"] * 12)  # one passage of five gives a question
    capped = run("study", "quiz", "--count", "500", "--kind", "mcq", "--json")
    assert capped.exit_code == 0, capped.stderr
    assert "note: at most 50 questions at a time: making 50" in capped.stderr
    assert "has 5 usable passages: at most 5 questions can be drawn from it" in capped.stderr
    assert "note: made 1 of 5 questions: 4 passage(s) gave no acceptable question" in capped.stderr
    assert len(json.loads(capped.stdout)) == 1

    empty = run("study", "quiz", "--notebook", "nothing", "--json")
    assert empty.exit_code == 1
    assert "notebook 'nothing' does not exist" in empty.stderr

    one = tmp_path / "one.txt"
    one.write_text("Cells divide.", encoding="utf-8")
    run("add", str(one), "--notebook", "tiny")
    tiny = run("study", "quiz", "--notebook", "tiny")
    assert tiny.exit_code == 1 and "Traceback" not in tiny.stderr
    assert "error: notebook 'tiny': has 1 passage, too short to draw a question from" in tiny.stderr

    language = run("study", "quiz", "--language", "klingon")
    assert language.exit_code == 1 and "--language: 'klingon' is not one of" in language.stderr


def test_no_acceptable_question_is_an_error_naming_the_notebook(
    added: None, fake: FakeProvider
) -> None:
    fake.enqueue(*["not json"] * 30)
    result = run("study", "quiz", "-c", "1", "--source", "cells.md", "--json")
    assert result.exit_code == 1
    assert "skipped" in result.stderr and "holds no JSON object" in result.stderr
    assert "error: source 'cells.md': no question could be drawn from it" in result.stderr


def test_tutor_reads_replies_from_stdin(added: None, fake: FakeProvider) -> None:
    fake.enqueue(reply(question="Which molecule stores the energy of glucose?", answer="ATP",
                       hint="Three capital letters."))  # fmt: skip
    result = run("study", "tutor", "mitochondria cellular respiration", input="?\n?\n")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "tutor> Which molecule stores the energy of glucose?" in out
    assert "Hint: Three capital letters." in out
    assert out.index("Hint:") < out.index('The answer is "ATP"')
    assert "cells.md (Cell biology > Mitochondria)" in out

    uncovered = run("study", "tutor", "volcanoes")
    assert "do not cover" in uncovered.stdout


def test_cards_review_stats_and_export(added: None, fake: FakeProvider, tmp_path: Path) -> None:
    fake.enqueue(
        reply(front="What absorbs sunlight in plant cells?", back="chlorophyll"),
        reply(front="Quand la Bastille est-elle prise ?", back="le 14 juillet 1789"),
    )
    made = run("study", "cards", "--count", "2", "--json")
    assert made.exit_code == 0, made.stderr
    cards = json.loads(made.stdout)
    assert [c["back"] for c in cards] == ["chlorophyll", "le 14 juillet 1789"]
    assert cards[0]["state"] == "new" and cards[0]["citation"]["source"].endswith("cells.md")

    review = run("study", "review", input="\ngood\n\n5\n1\n")
    assert review.exit_code == 0, review.stderr
    assert "[1/2] What absorbs sunlight in plant cells?" in review.stdout
    assert "-> chlorophyll" in review.stdout
    assert "1 again (" in review.stdout and "4 easy (" in review.stdout
    assert "Good: next review in 10 min" in review.stdout
    assert "'5' is not a rating" in review.stderr
    assert "Again: next review in 1 min" in review.stdout
    assert "Reviewed 2 card(s)" in review.stdout

    stats = json.loads(run("study", "stats", "--json").stdout)
    assert stats["cards"] == 2 and stats["reviews"] == 2 and stats["recall_rate"] == 0.5
    chart = run("study", "stats", "--svg", str(tmp_path / "chart.svg"))
    assert "recall rate: 50%" in chart.stdout
    assert (tmp_path / "chart.svg").read_text().startswith("<svg")

    apkg, table = tmp_path / "deck.apkg", tmp_path / "deck.csv"
    assert "wrote 2 cards" in run("study", "export", "-o", str(apkg)).stdout
    with zipfile.ZipFile(apkg) as archive:
        archive.extract("collection.anki2", tmp_path)
    conn = sqlite3.connect(tmp_path / "collection.anki2")
    try:
        fronts = [r[0].split("\x1f")[0] for r in conn.execute("SELECT flds FROM notes")]
    finally:
        conn.close()
    assert sorted(fronts) == [
        "Quand la Bastille est-elle prise ?",
        "What absorbs sunlight in plant cells?",
    ]
    run("study", "export", "-o", str(table))
    with table.open(encoding="utf-8", newline="") as file:
        assert len(list(csv.DictReader(file))) == 2

    imported = run("study", "import", str(apkg), "--notebook", "anki")
    assert "imported 2 cards" in imported.stdout
    again = run("study", "import", str(apkg), "--notebook", "anki")
    assert "imported 0 cards" in again.stdout and "2 already there" in again.stdout
    listed = json.loads(run("study", "cards", "--list", "--json", "-n", "anki").stdout)
    assert {c["origin"] for c in listed} == {"imported"}

    bad = run("study", "export", "-o", str(tmp_path / "deck.txt"))
    assert bad.exit_code == 1 and "give a .apkg or .csv file" in bad.stderr
    none = run("study", "export", "-o", str(apkg), "-n", "empty-deck")
    assert none.exit_code == 1


def test_review_with_nothing_due_says_so(added: None, fake: FakeProvider) -> None:
    result = run("study", "review")
    assert result.exit_code == 0 and "No cards due in notebook 'default'." in result.stdout


def test_explain_and_guide(added: None, fake: FakeProvider) -> None:
    fake.enqueue("Osmosis is the movement of water across a semi-permeable membrane [1].")
    result = run("study", "explain", "osmosis", "--level", "detailed")
    assert result.exit_code == 0, result.stderr
    assert "semi-permeable membrane [1]." in result.stdout
    assert "cells.md (Cell biology > Osmosis)" in result.stdout

    fake.enqueue(
        reply(concept="Photosynthesis", summary="Chlorophyll absorbs sunlight.", terms=[],
              exam_question="Where does photosynthesis take place?"),
    )  # fmt: skip
    guide = run("study", "guide", "--passages", "1", "--json")
    assert guide.exit_code == 0, guide.stderr
    data = json.loads(guide.stdout)
    assert data["concepts"][0]["title"] == "Photosynthesis"
    assert data["sources"][0]["label"] == "Cell biology > Photosynthesis"
    assert "Reading passages" in guide.stderr
