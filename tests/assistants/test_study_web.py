"""The study pages through the real app (mounted by the assistant registry), a real SQLite data
folder, users signed in through the real login form, and the scripted fake model writing the
quiz items: make a quiz and take it, review cards with FSRS ratings, the progress chart, the
exports, French, CSRF, and two users who cannot reach each other's study data."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from causerie.config import Settings
from causerie.providers.fake import FakeProvider
from causerie.web.app import close_app, create_app

from .conftest import reply
from .study_web_helpers import Browser, fast_password_hashing, follow_job, sign_in

__all__ = ["fast_password_hashing"]  # an autouse fixture, used by being imported here

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
def app(settings: Settings, fake: FakeProvider) -> Iterator[FastAPI]:
    served = settings.model_copy(update={"allowed_hosts": [*settings.allowed_hosts, "testserver"]})
    application = create_app(served, provider_factory=lambda: fake)
    yield application
    close_app(application)


@dataclass
class Student(Browser):
    notebook_id: str = ""

    @property
    def study(self) -> str:
        return f"/notebooks/{self.notebook_id}/study"


@pytest.fixture
def students(app: FastAPI, sources: list[Path]) -> Iterator[dict[str, Student]]:
    """alice and bob, signed in; each has a notebook 'course' holding the two sources."""
    made: dict[str, Student] = {}
    services = app.state.services
    for name in ("alice", "bob"):
        browser = sign_in(app, name)
        owner = app.state.accounts.get_user(name).owner
        notebook = services.store.ensure_notebook(owner, "course")
        services.ingestor.add_many(owner, notebook, [str(p) for p in sources])
        made[name] = Student(name, browser.client, browser.csrf, notebook.id)
    yield made
    for student in made.values():
        student.client.close()


def make_quiz(student: Student, fake: FakeProvider) -> str:
    """Queue a 2-question quiz, follow its job's page to the first question; the quiz id."""
    fake.enqueue(CHLOROPHYLL, BASTILLE)
    made = student.post(f"{student.study}/quizzes", {"count": "2", "kind": "mixed"})
    assert made.status_code == 303, made.text
    assert re.fullmatch(rf"{student.study}/jobs/\w+", made.headers["location"])
    ready = follow_job(student, made.headers["location"])
    found = re.fullmatch(rf"{student.study}/quizzes/(\w+)\?n=1", ready)
    assert found, ready
    assert fake.pending == 0
    return found.group(1)


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_the_registry_lists_study_in_the_navigation_and_on_each_notebook(
    students: dict[str, Student],
) -> None:
    alice = students["alice"]
    home = alice.get("/")
    assert '<a href="/study">Study</a>' in home.text
    tabs = alice.get(f"/notebooks/{alice.notebook_id}/chat").text
    assert f'href="{alice.study}"' in tabs
    listing = alice.get("/study")
    assert listing.status_code == 200 and f'href="{alice.study}"' in listing.text
    alice.client.cookies.set("lang", "fr")
    french = alice.get(alice.study)
    assert "Créer un quiz" in french.text and '<a href="/study">Réviser</a>' in french.text


def test_a_quiz_is_made_from_the_notebook_and_each_answer_is_graded_with_its_passage(
    students: dict[str, Student], fake: FakeProvider
) -> None:
    alice = students["alice"]
    quiz_id = make_quiz(alice, fake)
    first = alice.get(f"{alice.study}/quizzes/{quiz_id}?n=1")
    assert first.status_code == 200
    assert "What absorbs sunlight in plant cells?" in first.text
    letters = re.findall(r'value="([ABCD])"', first.text)
    choices = re.findall(r'[ABCD]\) <span lang="en">([^<]+)</span>', first.text)
    assert letters == ["A", "B", "C", "D"] and "Chlorophyll" in choices
    right = letters[choices.index("Chlorophyll")]

    graded = alice.post(f"{alice.study}/quizzes/{quiz_id}?n=1", {"answer": right})
    page = text_of(graded.text)
    assert graded.status_code == 200
    assert "Correct" in page and "Expected answer: Chlorophyll" in page
    assert f"You answered: {right}) Chlorophyll" in page
    assert "cells.md (Cell biology > Photosynthesis)" in page
    assert "Chlorophyll absorbs sunlight" in page
    assert f"{alice.study}/quizzes/{quiz_id}?n=2" in graded.text

    second = alice.post(f"{alice.study}/quizzes/{quiz_id}?n=2", {"answer": "le 15 août"})
    page = text_of(second.text)
    assert "Wrong" in page and "You answered: le 15 août" in page
    assert "Expected answer: le 14 juillet 1789" in page
    assert "La réponse attendue : « le 14 juillet 1789 »." in page  # the item's own language
    assert "revolution.md (La Révolution française > La prise de la Bastille)" in page

    bad = alice.post(f"{alice.study}/quizzes/{quiz_id}?n=1", {"answer": "Z"})
    assert bad.status_code == 200 and 'role="alert"' in bad.text

    results = text_of(alice.get(f"{alice.study}/quizzes/{quiz_id}/results").text)
    assert "Score: 1 of 2" in results
    listed = alice.get(f"/api/notebooks/{alice.notebook_id}/study/quizzes").json()
    assert [(q["id"], q["attempts"], q["correct"]) for q in listed] == [(quiz_id, 2, 1)]


def test_due_cards_are_reviewed_with_the_four_fsrs_ratings_and_charted(
    students: dict[str, Student], fake: FakeProvider
) -> None:
    alice = students["alice"]
    quiz_id = make_quiz(alice, fake)
    added = alice.post(f"{alice.study}/quizzes/{quiz_id}/cards")
    assert added.status_code == 303 and added.headers["location"] == f"{alice.study}?added=2"
    assert "2 card(s) added." in alice.get(added.headers["location"]).text

    seen = []
    for rating in ("3", "1"):
        page = alice.get(f"{alice.study}/review")
        assert page.status_code == 200
        buttons = re.findall(r'name="rating" value="(\d)"', page.text)
        assert buttons == ["1", "2", "3", "4"]
        assert all(f"study.rating_{n}" not in page.text for n in buttons)
        card_id = re.search(r'name="card_id" value="(\w+)"', page.text)
        assert card_id
        seen.append(card_id.group(1))
        rated = alice.post(f"{alice.study}/review", {"card_id": card_id.group(1), "rating": rating})
        assert rated.status_code == 303, rated.text
    assert len(set(seen)) == 2
    stats = alice.get(f"/api/notebooks/{alice.notebook_id}/study/stats").json()
    assert stats["reviews"] == 2 and stats["recall_rate"] == 0.5
    assert stats["by_state"]["new"] == 0

    chart = alice.get(f"{alice.study}/progress.svg")
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert chart.text.startswith("<svg") and "recall rate 50%" in chart.text

    # the card rated Again (1) is due again within minutes: the page shows it or says when
    after = alice.get(f"{alice.study}/review").text
    assert "No card is due." in after or 'name="rating"' in after


def test_the_cards_download_for_anki_and_as_csv(
    students: dict[str, Student], fake: FakeProvider, tmp_path: Path
) -> None:
    alice = students["alice"]
    assert alice.get(f"{alice.study}/export.apkg").status_code == 404  # no card yet
    alice.post(f"{alice.study}/quizzes/{make_quiz(alice, fake)}/cards")
    package = alice.get(f"{alice.study}/export.apkg")
    assert package.status_code == 200
    assert package.headers["content-disposition"] == "attachment; filename*=UTF-8''course.apkg"
    with zipfile.ZipFile(io.BytesIO(package.content)) as archive:
        (tmp_path / "collection.anki2").write_bytes(archive.read("collection.anki2"))
    with sqlite3.connect(tmp_path / "collection.anki2") as conn:
        fronts = sorted(row[0].split("\x1f")[0] for row in conn.execute("SELECT flds FROM notes"))
    conn.close()
    assert fronts == ["Quel jour les Parisiens prennent-ils la Bastille ?",
                      "What absorbs sunlight in plant cells?"]  # fmt: skip
    table = alice.get(f"{alice.study}/export.csv")
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert {row["front"] for row in rows} == set(fronts)


def test_another_users_study_data_answers_like_an_unknown_id(
    students: dict[str, Student], fake: FakeProvider
) -> None:
    alice, bob = students["alice"], students["bob"]
    quiz_id = make_quiz(alice, fake)
    alice.post(f"{alice.study}/quizzes/{quiz_id}/cards")
    card_id = re.search(r'name="card_id" value="(\w+)"', alice.get(f"{alice.study}/review").text)
    assert card_id

    mine = f"/notebooks/{bob.notebook_id}/study"
    theirs = alice.study
    for path in (theirs, f"{theirs}/review", f"{theirs}/progress.svg", f"{theirs}/export.csv",
                 f"{theirs}/quizzes/{quiz_id}?n=1", f"{mine}/quizzes/{quiz_id}?n=1",
                 f"{mine}/quizzes/{quiz_id}/results", f"{mine}/quizzes/nope?n=1"):  # fmt: skip
        answered = bob.get(path)
        assert answered.status_code == 404, path
        assert "Chlorophyll" not in answered.text
    for path, form in ((f"{mine}/quizzes/{quiz_id}?n=1", {"answer": "A"}),
                       (f"{mine}/quizzes/{quiz_id}/cards", {}),
                       (f"{mine}/review", {"card_id": card_id.group(1), "rating": "4"}),
                       (f"{theirs}/quizzes", {"count": "1"})):  # fmt: skip
        assert bob.post(path, form).status_code == 404, path
    for path in (f"/api/notebooks/{alice.notebook_id}/study/stats",
                 f"/api/notebooks/{alice.notebook_id}/study/quizzes"):  # fmt: skip
        assert bob.get(path).status_code == 404, path
    assert bob.get(f"/api/notebooks/{bob.notebook_id}/study/quizzes").json() == []
    assert "0 card(s), 0 due now" in text_of(bob.get(mine).text)

    # alice's data is untouched: no attempt, no review from bob
    assert alice.get(f"/api/notebooks/{alice.notebook_id}/study/quizzes").json()[0]["attempts"] == 0
    assert alice.get(f"/api/notebooks/{alice.notebook_id}/study/stats").json()["reviews"] == 0


def test_writes_need_the_csrf_token_and_a_sign_in(
    students: dict[str, Student], fake: FakeProvider, app: FastAPI
) -> None:
    alice = students["alice"]
    fake.enqueue(CHLOROPHYLL)
    forged = alice.client.post(f"{alice.study}/quizzes", data={"count": "1"},
                                follow_redirects=False)  # fmt: skip
    assert forged.status_code == 403 and fake.pending == 1
    with TestClient(app) as stranger:
        away = stranger.get(alice.study, follow_redirects=False)
        assert away.status_code == 303 and away.headers["location"].startswith("/login?next=")
        assert stranger.get(f"/api/notebooks/{alice.notebook_id}/study/stats").status_code == 401


def test_a_notebook_without_sources_says_so_and_makes_no_model_call(
    students: dict[str, Student], fake: FakeProvider, app: FastAPI
) -> None:
    alice = students["alice"]
    empty = app.state.services.store.ensure_notebook(app.state.accounts.get_user("alice").owner,
                                                     "empty")  # fmt: skip
    refused = alice.post(f"/notebooks/{empty.id}/study/quizzes", {"count": "3"})
    assert refused.status_code == 422
    assert "This notebook has no sources yet" in refused.text
    too_many = alice.post(f"{alice.study}/quizzes", {"count": "999"})
    assert too_many.status_code == 422 and "Choose between 1 and" in too_many.text
    assert not fake.calls


def test_a_quiz_job_shows_its_progress_and_can_be_stopped(
    students: dict[str, Student], fake: FakeProvider, app: FastAPI
) -> None:
    alice, bob = students["alice"], students["bob"]
    fake.delay_s = 0.2  # each word of the first reply takes a while: the job is still running
    fake.enqueue(CHLOROPHYLL, BASTILLE)
    made = alice.post(f"{alice.study}/quizzes", {"count": "2", "kind": "mixed"})
    job_page = made.headers["location"]
    job_id = job_page.rsplit("/", 1)[1]
    page = alice.get(job_page)
    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="2">' in page.text
    assert "Writing the quiz" in page.text and "0 of 2 written" in text_of(page.text)

    foreign = f"/notebooks/{bob.notebook_id}/study/jobs/{job_id}"
    assert bob.get(foreign).status_code == 404
    assert bob.post(f"{foreign}/cancel").status_code == 404
    assert bob.get(f"{alice.study}/jobs/{job_id}").status_code == 404

    stopped = alice.post(f"{job_page}/cancel")
    assert stopped.status_code == 303 and stopped.headers["location"] == alice.study
    owner = app.state.accounts.get_user("alice").owner
    queue = app.state.services.job_queue
    deadline = time.monotonic() + 30
    while not queue.get(owner, job_id).finished:
        assert time.monotonic() < deadline, "the job did not stop"
        time.sleep(0.05)
    assert queue.get(owner, job_id).state == "cancelled"
    assert alice.get(job_page).headers["location"] == alice.study
    assert alice.get(f"/api/notebooks/{alice.notebook_id}/study/quizzes").json() == []


def test_a_quiz_job_that_writes_nothing_says_so(
    students: dict[str, Student], fake: FakeProvider
) -> None:
    alice = students["alice"]  # no scripted reply: the strict fake model fails every call
    made = alice.post(f"{alice.study}/quizzes", {"count": "1", "kind": "short"})
    deadline = time.monotonic() + 30
    while (page := alice.get(made.headers["location"])).status_code == 200:
        assert time.monotonic() < deadline, "the job did not finish"
        time.sleep(0.02)
    assert page.status_code == 422
    assert "No question could be drawn from these sources" in page.text


def test_flashcards_written_by_a_job_are_added_once(
    students: dict[str, Student], fake: FakeProvider
) -> None:
    alice = students["alice"]
    fake.enqueue(
        reply(front="What absorbs sunlight in plant cells?", back="chlorophyll"),
        reply(front="Quand la Bastille est-elle prise ?", back="le 14 juillet 1789"),
    )
    made = alice.post(f"{alice.study}/cards", {"count": "2"})
    assert made.status_code == 303 and "/study/jobs/" in made.headers["location"]
    assert follow_job(alice, made.headers["location"]) == f"{alice.study}?added=2"
    assert fake.pending == 0
    review = alice.get(f"{alice.study}/review").text
    assert "What absorbs sunlight in plant cells?" in review
    assert "Chlorophyll absorbs sunlight" in text_of(review)  # the card's passage
    assert "2 card(s), 2 due now" in text_of(alice.get(alice.study).text)


def test_a_quiz_job_run_again_after_it_saved_its_quiz_saves_it_once(
    students: dict[str, Student], fake: FakeProvider, app: FastAPI
) -> None:
    """The worker stops right after the quiz is saved, before the job is finished (the window a
    SIGKILL can hit): the job goes back to the queue and is claimed again. The second run finds
    the quiz saved under the job's id: no model call, one quiz, and the job page leads to it."""
    from causerie.jobs import get_kind, register_kind
    from causerie.jobs.worker import WorkerStopping

    alice = students["alice"]
    real = get_kind("study.quiz")
    assert real is not None
    runs: list[str] = []

    def stops_after_saving(context: Any) -> Any:
        result = real.handler(context)
        runs.append(context.job.id)
        if len(runs) == 1:
            raise WorkerStopping("killed after saving, before finishing")
        return result

    register_kind("study.quiz", stops_after_saving, real.description)
    try:
        fake.enqueue(CHLOROPHYLL, BASTILLE, CHLOROPHYLL, BASTILLE)  # enough for two quizzes
        made = alice.post(f"{alice.study}/quizzes", {"count": "2", "kind": "mixed"})
        job_id = made.headers["location"].rsplit("/", 1)[1]
        ready = follow_job(alice, made.headers["location"])
    finally:
        register_kind("study.quiz", real.handler, real.description)
    assert runs == [job_id, job_id]
    assert fake.pending == 2  # the second run wrote nothing
    quizzes = alice.get(f"/api/notebooks/{alice.notebook_id}/study/quizzes").json()
    assert [q["id"] for q in quizzes] == [job_id]
    assert ready == f"{alice.study}/quizzes/{job_id}?n=1"
    owner = app.state.accounts.get_user("alice").owner
    job = app.state.services.job_queue.get(owner, job_id)
    assert job.state == "done" and job.attempts == 2 and job.result["quiz_id"] == job_id


def test_deleting_a_notebook_deletes_its_study_data_and_nobody_elses(
    app: FastAPI, students: dict[str, Student], fake: FakeProvider
) -> None:
    """The page's delete (alice) and the API's DELETE (bob) remove the notebook's quizzes,
    attempts, cards and reviews from the records database; the other user's stay."""
    from causerie.assistants.study.tasks import open_store

    alice, bob = students["alice"], students["bob"]
    for student in (alice, bob):
        quiz_id = make_quiz(student, fake)
        student.post(f"{student.study}/quizzes/{quiz_id}?n=1", {"answer": "A"})
        student.post(f"{student.study}/quizzes/{quiz_id}/cards")
    study = open_store(app.state.services)
    try:
        owners = {name: app.state.accounts.get_user(name).owner for name in ("alice", "bob")}
        assert all(study.list_cards(owners[s.name], s.notebook_id) for s in (alice, bob))
        deleted = alice.post(f"/notebooks/{alice.notebook_id}/delete")
        assert deleted.status_code == 303, deleted.text
        assert study.list_quizzes(owners["alice"], alice.notebook_id) == []
        assert study.list_cards(owners["alice"], alice.notebook_id) == []
        assert study.records.query("SELECT * FROM attempts WHERE owner = ?", ("alice",)) == []
        assert len(study.list_quizzes(owners["bob"], bob.notebook_id)) == 1

        gone = bob.client.delete(
            f"/api/notebooks/{bob.notebook_id}", headers={"x-csrf-token": bob.csrf}
        )
        assert gone.status_code == 204, gone.text
        for table in ("quizzes", "quiz_items", "attempts", "cards", "reviews"):
            assert study.records.query(f"SELECT * FROM {table}") == [], table
    finally:
        study.close()
