"""The study assistant's pages and API routes (mounted by the app through the registry).

    GET  /study                                           notebooks to study (site navigation)
    GET  /notebooks/{id}/study                            make a quiz or cards; quizzes, cards
                                                          due, the progress chart, the exports
    POST /notebooks/{id}/study/quizzes                    queue a quiz job "study.quiz" (form:
                                                          count, kind) -> its progress page
    GET  /notebooks/{id}/study/jobs/{job}                 a job's progress (refreshes itself);
                                                          when done -> the quiz's first question,
                                                          or the study page (cards added)
    POST /notebooks/{id}/study/jobs/{job}/cancel          stop it
    GET  /notebooks/{id}/study/quizzes/{quiz}?n=N         question N, with its answer form
    POST /notebooks/{id}/study/quizzes/{quiz}?n=N         grade the answer: verdict, expected
                                                          answer, the cited passage
    GET  /notebooks/{id}/study/quizzes/{quiz}/results     each question's last answer, graded
    POST /notebooks/{id}/study/quizzes/{quiz}/cards       the quiz's items become flashcards
    POST /notebooks/{id}/study/cards                      queue a job "study.cards" (form: count)
    GET  /notebooks/{id}/study/review                     the first due card: front, back,
                                                          the passage, four FSRS ratings
    POST /notebooks/{id}/study/review                     rate it (form: card_id, rating 1-4)
    GET  /notebooks/{id}/study/progress.svg               the chart `study stats --svg` draws
    GET  /notebooks/{id}/study/export.apkg (or .csv)      the cards for Anki, or as CSV
    GET  /api/notebooks/{id}/study/stats                  the stats as JSON
    GET  /api/notebooks/{id}/study/quizzes                the saved quizzes, with their scores

Everything reads the signed-in owner's rows only: another user's notebook, quiz or card answers
404 like an unknown id. Forms carry the CSRF token. Pages render on the server; the script
/static/assistants/study/study.js only adds keyboard shortcuts and a busy note.
"""

from __future__ import annotations

import tempfile
import threading
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal, cast
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from causerie.assistants.study.cards import Deck, format_interval, parse_rating
from causerie.assistants.study.db import StudyStore
from causerie.assistants.study.grading import grade
from causerie.assistants.study.quiz import MAX_ITEMS, KindChoice, QuizItem
from causerie.assistants.study.records import Attempt, Quiz
from causerie.assistants.study.stats import compute, svg_chart
from causerie.assistants.study.tasks import open_store
from causerie.errors import InputError, NotFound
from causerie.jobs.base import JobLimitReached, JobQueue, JobRecord
from causerie.types import Notebook, Owner
from causerie.web import auth, i18n
from causerie.web.deps import notebook_by_id, services_of
from causerie.web.page_kit import checked_form, login_redirect, not_found, render
from causerie.web.schemas import ERRORS

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["study"], responses=ERRORS)
User = Annotated[Owner, Depends(auth.require_user)]

KINDS = ("mixed", "mcq", "short")
QUIZ_JOB = "study.quiz"  # both registered in causerie.assistants.study.register
CARDS_JOB = "study.cards"
MAX_CARDS = 50
CHART_DAYS = 14
_open_lock = threading.Lock()


# --------------------------------------------------------------------------- helpers


def study_store(request: Request) -> StudyStore:
    """The app's study records store, opened on first use and closed with the app."""
    state = request.app.state
    with _open_lock:
        if getattr(state, "study_store", None) is None:
            state.study_store = open_store(services_of(request))
            state.closers.append(state.study_store.close)
    store: StudyStore = state.study_store
    return store


def _base(notebook: Notebook) -> str:
    return f"/notebooks/{quote(notebook.id)}/study"


def _quiz_in(request: Request, owner: Owner, notebook: Notebook, quiz_id: str) -> Quiz:
    quiz = study_store(request).get_quiz(owner, quiz_id)
    if quiz.notebook_id != notebook.id:
        raise NotFound(f"quiz {quiz_id!r} not found")
    return quiz


def _int(raw: str | None, lowest: int, highest: int) -> int | None:
    try:
        value = int((raw or "").strip())
    except ValueError:
        return None
    return value if lowest <= value <= highest else None


def _last_attempts(request: Request, owner: Owner, quiz: Quiz) -> dict[str, Attempt]:
    """Each item's latest attempt."""
    latest: dict[str, Attempt] = {}
    for attempt in study_store(request).list_attempts(owner, quiz.id):
        known = latest.get(attempt.item_id)
        if known is None or attempt.created_at >= known.created_at:
            latest[attempt.item_id] = attempt
    return latest


def _quiz_rows(request: Request, owner: Owner, notebook: Notebook) -> list[dict[str, Any]]:
    rows = []
    for quiz in study_store(request).list_quizzes(owner, notebook.id):
        attempts = study_store(request).list_attempts(owner, quiz.id)
        rows.append({"id": quiz.id, "title": quiz.title, "items": len(quiz.items),
                     "attempts": len(attempts),
                     "correct": sum(a.verdict == "correct" for a in attempts)})  # fmt: skip
    return rows


def shown_answer(item: QuizItem, given: str) -> str:
    """A given answer as the page shows it: a choice's letter with its text ("B) Chlorophyll")."""
    letter = given.strip().upper()
    if item.choices and len(letter) == 1 and "A" <= letter < chr(ord("A") + len(item.choices)):
        return f"{letter}) {item.choices[ord(letter) - ord('A')]}"
    return given


def _deck(request: Request, owner: Owner, notebook: Notebook) -> Deck:
    return Deck(study_store(request), owner, notebook.id)


def _overview(
    request: Request, owner: Owner, notebook: Notebook, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    deck = _deck(request, owner, notebook)
    stats = compute(deck, days=CHART_DAYS)
    rate = "–" if stats.recall_rate is None else f"{stats.recall_rate:.0%}"
    return render(
        request,
        "study/notebook.html",
        status_code=status_code,
        notebook=notebook,
        tab="study",
        base=_base(notebook),
        quizzes=_quiz_rows(request, owner, notebook),
        stats=stats,
        chart_days=CHART_DAYS,
        recall=rate,
        most=MAX_ITEMS,
        most_cards=MAX_CARDS,
        kinds=KINDS,
        source_count=services_of(request).store.source_counts(owner).get(notebook.id, 0),
        **extra,
    )


def _page_owner_notebook(request: Request, notebook_id: str) -> tuple[Owner, Notebook] | Response:
    owner = auth.page_user(request)
    if owner is None:
        return login_redirect(request)
    try:
        return owner, notebook_by_id(services_of(request).store, owner, notebook_id)
    except NotFound:
        return not_found(request)


async def _posted_to_notebook(
    request: Request, notebook_id: str
) -> tuple[Owner, Notebook, dict[str, str]] | Response:
    """The signed-in owner, their notebook and the form's fields, CSRF checked; else the page
    to answer with (sign in, not found, 403)."""
    found = _page_owner_notebook(request, notebook_id)
    if isinstance(found, Response):
        return found
    form = await checked_form(request)
    if isinstance(form, HTMLResponse):
        return form
    return (*found, form)


# --------------------------------------------------------------------------- overview


@router.get("/study", response_class=HTMLResponse)
def study_home(request: Request) -> Response:
    owner = auth.page_user(request)
    if owner is None:
        return login_redirect(request)
    notebooks = sorted(services_of(request).store.list_notebooks(owner),
                       key=lambda n: n.name.casefold())  # fmt: skip
    return render(request, "study/home.html", notebooks=notebooks)


@router.get("/notebooks/{notebook_id}/study", response_class=HTMLResponse)
def study_page(request: Request, notebook_id: str) -> Response:
    found = _page_owner_notebook(request, notebook_id)
    if isinstance(found, Response):
        return found
    owner, notebook = found
    added = _int(request.query_params.get("added"), 0, 10_000)
    return _overview(request, owner, notebook, added=added)


# --------------------------------------------------------------------------- quizzes


@router.post("/notebooks/{notebook_id}/study/quizzes")
async def new_quiz(request: Request, notebook_id: str) -> Response:
    posted = await _posted_to_notebook(request, notebook_id)
    if isinstance(posted, Response):
        return posted
    owner, notebook, form = posted
    count = _int(form.get("count"), 1, MAX_ITEMS)
    kind = cast("KindChoice", form.get("kind", "mixed"))
    if count is None or kind not in KINDS:
        message = i18n.translate("study.error_count", i18n.request_language(request),
                                 most=MAX_ITEMS)  # fmt: skip
        return _overview(request, owner, notebook, 422, error=message)
    language = i18n.request_language(request)
    if not services_of(request).store.list_sources(owner, notebook.id):
        message = i18n.translate("study.no_sources", language)
        return _overview(request, owner, notebook, 422, error=message)
    job_id = uuid.uuid4().hex  # the quiz is saved under its job's id: a job run twice saves one
    payload = {"notebook_id": notebook.id, "count": count, "kind": kind, "quiz_id": job_id}
    return _submit(request, owner, notebook, QUIZ_JOB, payload, job_id=job_id)


def _submit(
    request: Request,
    owner: Owner,
    notebook: Notebook,
    kind: str,
    payload: dict[str, Any],
    job_id: str | None = None,
) -> Response:
    """Queue a study job and send the browser to its progress page."""
    try:
        job = _queue(request).submit(owner, kind, payload, job_id=job_id,
                                     progress={"done": 0, "total": payload["count"]})  # fmt: skip
    except JobLimitReached:
        message = i18n.translate("study.too_many_jobs", i18n.request_language(request))
        return _overview(request, owner, notebook, 429, error=message)
    jobs = request.app.state.jobs
    jobs.start_worker()  # the in-process worker, if this server runs one
    if jobs.worker is not None:
        jobs.worker.wake()
    return RedirectResponse(f"{_base(notebook)}/jobs/{quote(job.id)}", status_code=303)


def _queue(request: Request) -> JobQueue:
    queue: JobQueue = services_of(request).job_queue
    return queue


def _study_job(request: Request, owner: Owner, notebook: Notebook, job_id: str) -> JobRecord:
    """The owner's study job for this notebook; NotFound otherwise (another kind too)."""
    job = _queue(request).get(owner, job_id)
    if job.kind not in (QUIZ_JOB, CARDS_JOB) or job.payload.get("notebook_id") != notebook.id:
        raise NotFound(f"job {job_id!r} not found")
    return job


@router.get("/notebooks/{notebook_id}/study/jobs/{job_id}", response_class=HTMLResponse)
def study_job_page(request: Request, notebook_id: str, job_id: str) -> Response:
    found = _page_owner_notebook(request, notebook_id)
    if isinstance(found, Response):
        return found
    owner, notebook = found
    try:
        job = _study_job(request, owner, notebook, job_id)
    except NotFound:
        return not_found(request)
    result = job.result or {}
    if job.state == "done" and job.kind == QUIZ_JOB and result.get("quiz_id"):
        where = f"{_base(notebook)}/quizzes/{quote(str(result['quiz_id']))}?n=1"
        return RedirectResponse(where, status_code=303)
    if job.state == "done" and job.kind == CARDS_JOB:
        added = int(result.get("added", 0))
        return RedirectResponse(f"{_base(notebook)}?added={added}", status_code=303)
    language = i18n.request_language(request)
    if job.state in ("done", "failed"):
        return _overview(request, owner, notebook, 422,
                         error=i18n.translate("study.no_question", language))  # fmt: skip
    if job.state == "cancelled":
        return RedirectResponse(_base(notebook), status_code=303)
    return render(
        request,
        "study/making.html",
        notebook=notebook,
        tab="study",
        base=_base(notebook),
        job=job,
        title="study.making" if job.kind == QUIZ_JOB else "study.making_cards",
        done=int(job.progress.get("done", 0)),
        total=int(job.progress.get("total", 0)),
    )


@router.post("/notebooks/{notebook_id}/study/jobs/{job_id}/cancel")
async def cancel_study_job(request: Request, notebook_id: str, job_id: str) -> Response:
    posted = await _posted_to_notebook(request, notebook_id)
    if isinstance(posted, Response):
        return posted
    owner, notebook, _ = posted  # only the CSRF check is needed
    try:
        _study_job(request, owner, notebook, job_id)
    except NotFound:
        return not_found(request)
    _queue(request).cancel(owner, job_id)
    return RedirectResponse(_base(notebook), status_code=303)


def _question(
    request: Request, owner: Owner, notebook: Notebook, quiz: Quiz, number: int, **extra: Any
) -> HTMLResponse:
    item = quiz.items[number - 1]
    return render(
        request,
        "study/question.html",
        notebook=notebook,
        tab="study",
        base=_base(notebook),
        quiz=quiz,
        number=number,
        item=item,
        letters="ABCD",
        shown=shown_answer,
        **extra,
    )


def _quiz_and_number(
    request: Request, notebook_id: str, quiz_id: str, number: int | None
) -> tuple[Owner, Notebook, Quiz] | Response:
    found = _page_owner_notebook(request, notebook_id)
    if isinstance(found, Response):
        return found
    owner, notebook = found
    try:
        quiz = _quiz_in(request, owner, notebook, quiz_id)
    except NotFound:
        return not_found(request)
    if number is None or not 1 <= number <= len(quiz.items):
        return not_found(request)
    return owner, notebook, quiz


def _number(request: Request) -> int | None:
    return _int(request.query_params.get("n", "1"), 1, MAX_ITEMS)


@router.get("/notebooks/{notebook_id}/study/quizzes/{quiz_id}", response_class=HTMLResponse)
def question_page(request: Request, notebook_id: str, quiz_id: str) -> Response:
    number = _number(request)
    found = _quiz_and_number(request, notebook_id, quiz_id, number)
    if isinstance(found, Response):
        return found
    return _question(request, *found, number or 1)


@router.post("/notebooks/{notebook_id}/study/quizzes/{quiz_id}")
async def answer_question(request: Request, notebook_id: str, quiz_id: str) -> Response:
    number = _number(request)
    found = _quiz_and_number(request, notebook_id, quiz_id, number)
    if isinstance(found, Response):
        return found
    owner, notebook, quiz = found
    number = number or 1
    form = await checked_form(request)
    if isinstance(form, HTMLResponse):
        return form
    item = quiz.items[number - 1]
    given = " ".join(form.get("answer", "").split())
    try:
        graded = grade(item, given, embedder=services_of(request).embedder)
    except InputError as exc:  # a choice that is not A-D
        return _question(request, owner, notebook, quiz, number, error=str(exc), given=given)
    study_store(request).add_attempt(owner, item.id, given, graded.verdict, graded.score,
                                     graded.method, graded.feedback)  # fmt: skip
    return _question(request, owner, notebook, quiz, number, graded=graded, given=given)


@router.get("/notebooks/{notebook_id}/study/quizzes/{quiz_id}/results",
            response_class=HTMLResponse)  # fmt: skip
def quiz_results(request: Request, notebook_id: str, quiz_id: str) -> Response:
    found = _quiz_and_number(request, notebook_id, quiz_id, 1)
    if isinstance(found, Response):
        return found
    owner, notebook, quiz = found
    latest = _last_attempts(request, owner, quiz)
    rows = [(item, latest.get(item.id)) for item in quiz.items]
    answered = [attempt for _, attempt in rows if attempt is not None]
    return render(
        request,
        "study/results.html",
        notebook=notebook,
        tab="study",
        base=_base(notebook),
        quiz=quiz,
        rows=rows,
        shown=shown_answer,
        answered=len(answered),
        right=sum(a.verdict == "correct" for a in answered),
    )


@router.post("/notebooks/{notebook_id}/study/quizzes/{quiz_id}/cards")
async def cards_from_quiz(request: Request, notebook_id: str, quiz_id: str) -> Response:
    found = _quiz_and_number(request, notebook_id, quiz_id, 1)
    if isinstance(found, Response):
        return found
    owner, notebook, quiz = found
    form = await checked_form(request)
    if isinstance(form, HTMLResponse):
        return form
    deck = _deck(request, owner, notebook)
    added = [deck.add(item.question, item.answer, item.citation) for item in quiz.items]
    made = sum(card is not None for card in added)
    return RedirectResponse(f"{_base(notebook)}?added={made}", status_code=303)


# --------------------------------------------------------------------------- cards


@router.post("/notebooks/{notebook_id}/study/cards")
async def new_cards(request: Request, notebook_id: str) -> Response:
    posted = await _posted_to_notebook(request, notebook_id)
    if isinstance(posted, Response):
        return posted
    owner, notebook, form = posted
    count = _int(form.get("count"), 1, MAX_CARDS)
    if count is None:
        message = i18n.translate("study.error_count", i18n.request_language(request),
                                 most=MAX_CARDS)  # fmt: skip
        return _overview(request, owner, notebook, 422, error=message)
    if not services_of(request).store.list_sources(owner, notebook.id):
        message = i18n.translate("study.no_sources", i18n.request_language(request))
        return _overview(request, owner, notebook, 422, error=message)
    return _submit(
        request, owner, notebook, CARDS_JOB, {"notebook_id": notebook.id, "count": count}
    )


@router.get("/notebooks/{notebook_id}/study/review", response_class=HTMLResponse)
def review_page(request: Request, notebook_id: str) -> Response:
    found = _page_owner_notebook(request, notebook_id)
    if isinstance(found, Response):
        return found
    owner, notebook = found
    deck = _deck(request, owner, notebook)
    due = deck.due()
    card = due[0] if due else None
    upcoming = sorted(c.due for c in deck.cards()) if card is None else []
    ratings = []
    if card is not None:
        ratings = [(int(r), format_interval(d)) for r, d in deck.preview(card).items()]
    return render(
        request,
        "study/review.html",
        notebook=notebook,
        tab="study",
        base=_base(notebook),
        card=card,
        due_count=len(due),
        ratings=ratings,
        next_due=upcoming[0].astimezone().strftime("%Y-%m-%d %H:%M") if upcoming else None,
    )


@router.post("/notebooks/{notebook_id}/study/review")
async def rate_card(request: Request, notebook_id: str) -> Response:
    posted = await _posted_to_notebook(request, notebook_id)
    if isinstance(posted, Response):
        return posted
    owner, notebook, form = posted
    try:
        card = study_store(request).get_card(owner, form.get("card_id", ""))
        if card.notebook_id != notebook.id:
            raise NotFound("card not found")
        rating = parse_rating(form.get("rating", ""))
    except NotFound:
        return not_found(request)
    except InputError as exc:
        return render(request, "message.html", status_code=422, message=str(exc))
    _deck(request, owner, notebook).review(card, rating)
    return RedirectResponse(f"{_base(notebook)}/review", status_code=303)


# --------------------------------------------------------------------------- chart and exports


@router.get("/notebooks/{notebook_id}/study/progress.svg")
def progress_chart(request: Request, notebook_id: str) -> Response:
    found = _page_owner_notebook(request, notebook_id)
    if isinstance(found, Response):
        return found
    owner, notebook = found
    chart = svg_chart(compute(_deck(request, owner, notebook), days=CHART_DAYS))
    return Response(chart, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@router.get("/notebooks/{notebook_id}/study/export.apkg")
def export_apkg_file(request: Request, notebook_id: str) -> Response:
    return _export(request, notebook_id, "apkg")


@router.get("/notebooks/{notebook_id}/study/export.csv")
def export_csv_file(request: Request, notebook_id: str) -> Response:
    return _export(request, notebook_id, "csv")


def _export(request: Request, notebook_id: str, fmt: Literal["apkg", "csv"]) -> Response:
    from causerie.assistants.study.anki import export_apkg, export_csv

    found = _page_owner_notebook(request, notebook_id)
    if isinstance(found, Response):
        return found
    owner, notebook = found
    cards = _deck(request, owner, notebook).cards()
    if not cards:
        message = i18n.translate("study.no_cards", i18n.request_language(request))
        return render(request, "message.html", status_code=404, message=message)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"deck.{fmt}"
        if fmt == "apkg":
            export_apkg(cards, path, f"Causerie::{notebook.name}", f"{owner.id}:{notebook.id}")
        else:
            export_csv(cards, path)
        data = path.read_bytes()
    media = "application/apkg" if fmt == "apkg" else "text/csv; charset=utf-8"
    filename = quote(f"{notebook.name}.{fmt}")
    return Response(data, media_type=media, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{filename}",
        "Cache-Control": "no-store",
    })  # fmt: skip


# --------------------------------------------------------------------------- API


@api_router.get("/notebooks/{notebook_id}/study/stats", summary="Study progress of a notebook")
def stats_json(request: Request, notebook_id: str, owner: User) -> dict[str, Any]:
    notebook = notebook_by_id(services_of(request).store, owner, notebook_id)
    return compute(_deck(request, owner, notebook), days=CHART_DAYS).to_json()


@api_router.get("/notebooks/{notebook_id}/study/quizzes", summary="Saved quizzes of a notebook")
def quizzes_json(request: Request, notebook_id: str, owner: User) -> list[dict[str, Any]]:
    notebook = notebook_by_id(services_of(request).store, owner, notebook_id)
    return _quiz_rows(request, owner, notebook)


router.include_router(api_router)
