"""The repurpose assistant's pages (mounted by the app through the registry).

    GET  /repurpose                                       notebooks to pick (site navigation)
    GET  /notebooks/{id}/repurpose                        pick sources, formats, tone, audience,
                                                          language, words; the earlier runs
    POST /notebooks/{id}/repurpose/runs                   queue a job "repurpose.drafts" ->
                                                          its progress page
    GET  /notebooks/{id}/repurpose/jobs/{job}             progress (refreshes itself); done ->
                                                          the run's page
    POST /notebooks/{id}/repurpose/jobs/{job}/cancel      stop it
    GET  /notebooks/{id}/repurpose/runs/{run}             each draft with its length gauge,
                                                          copy buttons, its sentences (click one:
                                                          its passage shows beside), what was
                                                          rejected and why
    GET  /notebooks/{id}/repurpose/runs/{run}.md          the run as Markdown (drafts.to_markdown)
    GET  /api/notebooks/{id}/repurpose/runs/{run}         the run as JSON (the CLI's --json)

Everything reads the signed-in owner's records only: another user's notebook or run answers
404 like an unknown id. Forms carry the CSRF token. The script
/static/assistants/repurpose/repurpose.js shows a sentence's passage and copies drafts; without
it each sentence links to its passage in the list under its draft.
"""

from __future__ import annotations

import threading
import uuid
from pathlib import PurePath
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from causerie.assistants.kit.language import PROMPT_NAMES
from causerie.assistants.kit.support import best_sentence
from causerie.assistants.kit.support import sentences as split_sentences
from causerie.assistants.records import OwnedRecords
from causerie.assistants.repurpose.drafts import Draft, Sentence, to_markdown
from causerie.assistants.repurpose.formats import DEFAULT_WORDS, FORMATS, MAX_WORDS, MIN_WORDS
from causerie.assistants.repurpose.pipeline import STYLE_FOLDER, Options
from causerie.assistants.repurpose.tasks import JOB_KIND, RUN_KIND, saved_run
from causerie.assistants.repurpose.writer import AUDIENCES, TONES
from causerie.errors import InputError, NotFound
from causerie.jobs.base import JobLimitReached, JobQueue, JobRecord
from causerie.types import Notebook, Owner, Source
from causerie.web import auth, i18n
from causerie.web.deps import notebook_by_id, services_of
from causerie.web.page_kit import checked_form, login_redirect, not_found, render
from causerie.web.schemas import ERRORS

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["repurpose"], responses=ERRORS)
User = Annotated[Owner, Depends(auth.require_user)]

DEFAULT_FORMATS = ("x-thread", "linkedin", "newsletter", "outline", "video-script")
RUNS_SHOWN = 20
_open_lock = threading.Lock()


# --------------------------------------------------------------------------- helpers


def records_of(request: Request) -> OwnedRecords:
    """The app's records store, opened on first use and closed with the app."""
    from causerie.backends import open_records

    state = request.app.state
    with _open_lock:
        if getattr(state, "repurpose_records", None) is None:
            state.repurpose_records = open_records(services_of(request).settings)
            state.closers.append(state.repurpose_records.close)
    records: OwnedRecords = state.repurpose_records
    return records


def _base(notebook: Notebook) -> str:
    return f"/notebooks/{quote(notebook.id)}/repurpose"


def _page_owner_notebook(request: Request, notebook_id: str) -> tuple[Owner, Notebook] | Response:
    owner = auth.page_user(request)
    if owner is None:
        return login_redirect(request)
    try:
        return owner, notebook_by_id(services_of(request).store, owner, notebook_id)
    except NotFound:
        return not_found(request)


def _content_sources(request: Request, owner: Owner, notebook: Notebook) -> list[Source]:
    """The notebook's sources a run can draw from (not the past posts)."""
    return [s for s in services_of(request).store.list_sources(owner, notebook.id)
            if STYLE_FOLDER not in PurePath(s.uri).parts[:-1]]  # fmt: skip


def source_label(source: Source) -> str:
    return PurePath(source.uri).name or source.title


def _overview(
    request: Request, owner: Owner, notebook: Notebook, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    runs = records_of(request).find(owner, RUN_KIND, notebook_id=notebook.id, limit=RUNS_SHOWN)
    return render(
        request,
        "repurpose/notebook.html",
        status_code=status_code,
        notebook=notebook,
        tab="repurpose",
        base=_base(notebook),
        sources=_content_sources(request, owner, notebook),
        label=source_label,
        formats=list(FORMATS),
        default_formats=DEFAULT_FORMATS,
        tones=list(TONES),
        audiences=list(AUDIENCES),
        languages=sorted(PROMPT_NAMES),
        words=DEFAULT_WORDS,
        min_words=MIN_WORDS,
        max_words=MAX_WORDS,
        style_folder=STYLE_FOLDER,
        runs=list(reversed(runs)),
        **extra,
    )


def _queue(request: Request) -> JobQueue:
    queue: JobQueue = services_of(request).job_queue
    return queue


def _job(request: Request, owner: Owner, notebook: Notebook, job_id: str) -> JobRecord:
    job = _queue(request).get(owner, job_id)
    if job.kind != JOB_KIND or job.payload.get("notebook_id") != notebook.id:
        raise NotFound(f"job {job_id!r} not found")
    return job


# --------------------------------------------------------------------------- pages


@router.get("/repurpose", response_class=HTMLResponse)
def repurpose_home(request: Request) -> Response:
    owner = auth.page_user(request)
    if owner is None:
        return login_redirect(request)
    notebooks = sorted(services_of(request).store.list_notebooks(owner),
                       key=lambda n: n.name.casefold())  # fmt: skip
    return render(request, "repurpose/home.html", notebooks=notebooks)


@router.get("/notebooks/{notebook_id}/repurpose", response_class=HTMLResponse)
def repurpose_page(request: Request, notebook_id: str) -> Response:
    found = _page_owner_notebook(request, notebook_id)
    if isinstance(found, Response):
        return found
    return _overview(request, *found)


@router.post("/notebooks/{notebook_id}/repurpose/runs")
async def new_run(request: Request, notebook_id: str) -> Response:
    found = _page_owner_notebook(request, notebook_id)
    if isinstance(found, Response):
        return found
    owner, notebook = found
    checked = await checked_form(request)  # the CSRF check (403 page)
    if isinstance(checked, HTMLResponse):
        return checked
    form = await request.form()  # parsed once, kept: the lists of checked boxes
    language = i18n.request_language(request)
    known = {source_label(s) for s in _content_sources(request, owner, notebook)}
    sources = [str(v) for v in form.getlist("source") if str(v) in known]
    formats = [str(v) for v in form.getlist("format") if str(v) in FORMATS]
    if not known:
        return _overview(request, owner, notebook, 422,
                         error=i18n.translate("repurpose.no_sources", language))  # fmt: skip
    if not sources:
        return _overview(request, owner, notebook, 422,
                         error=i18n.translate("repurpose.pick_source", language))  # fmt: skip
    if not formats:
        return _overview(request, owner, notebook, 422,
                         error=i18n.translate("repurpose.pick_format", language))  # fmt: skip
    try:
        words = int(str(form.get("words") or DEFAULT_WORDS))
    except ValueError:
        words = -1
    options = Options(
        language=str(form.get("language") or "") or None,
        tone=str(form.get("tone") or "neutral"),
        audience=str(form.get("audience") or "general"),
        words=words,
    )
    try:
        options.checked()
    except InputError as exc:
        return _overview(request, owner, notebook, 422, error=str(exc))
    job_id = uuid.uuid4().hex  # the run is saved under its job's id: a job run twice saves one
    payload = {"notebook_id": notebook.id, "sources": sources, "formats": formats,
               "options": options.to_json(), "run_id": job_id}  # fmt: skip
    try:
        job = _queue(request).submit(owner, JOB_KIND, payload, job_id=job_id,
                                     progress={"done": 0, "total": 0})  # fmt: skip
    except JobLimitReached:
        return _overview(request, owner, notebook, 429,
                         error=i18n.translate("repurpose.too_many_jobs", language))  # fmt: skip
    jobs = request.app.state.jobs
    jobs.start_worker()  # the in-process worker, if this server runs one
    if jobs.worker is not None:
        jobs.worker.wake()
    return RedirectResponse(f"{_base(notebook)}/jobs/{quote(job.id)}", status_code=303)


@router.get("/notebooks/{notebook_id}/repurpose/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, notebook_id: str, job_id: str) -> Response:
    found = _page_owner_notebook(request, notebook_id)
    if isinstance(found, Response):
        return found
    owner, notebook = found
    try:
        job = _job(request, owner, notebook, job_id)
    except NotFound:
        return not_found(request)
    result = job.result or {}
    if job.state == "done" and result.get("run_id"):
        return RedirectResponse(f"{_base(notebook)}/runs/{quote(str(result['run_id']))}",
                                status_code=303)  # fmt: skip
    if job.state == "cancelled":
        return RedirectResponse(_base(notebook), status_code=303)
    if job.state in ("done", "failed"):
        message = i18n.translate("repurpose.failed", i18n.request_language(request),
                                 error=job.error or "?")  # fmt: skip
        return _overview(request, owner, notebook, 422, error=message)
    return render(
        request,
        "repurpose/making.html",
        notebook=notebook,
        tab="repurpose",
        base=_base(notebook),
        job=job,
        done=int(job.progress.get("done", 0)),
        total=int(job.progress.get("total", 0)),
    )


@router.post("/notebooks/{notebook_id}/repurpose/jobs/{job_id}/cancel")
async def cancel_job(request: Request, notebook_id: str, job_id: str) -> Response:
    found = _page_owner_notebook(request, notebook_id)
    if isinstance(found, Response):
        return found
    owner, notebook = found
    form = await checked_form(request)
    if isinstance(form, HTMLResponse):
        return form
    try:
        _job(request, owner, notebook, job_id)
    except NotFound:
        return not_found(request)
    _queue(request).cancel(owner, job_id)
    return RedirectResponse(_base(notebook), status_code=303)


def segments(part: str, sentences: list[Sentence]) -> list[tuple[str, int | None]]:
    """A post or text cut into runs of plain text and sentences (with their index), in order,
    so that the page can make each sentence clickable."""
    found: list[tuple[str, int | None]] = []
    position = 0
    while position < len(part):
        best: tuple[int, int] | None = None  # (start, index)
        for index, sentence in enumerate(sentences):
            start = part.find(sentence.text, position) if sentence.text else -1
            if start >= 0 and (best is None or start < best[0] or (start == best[0] and len(
                    sentence.text) > len(sentences[best[1]].text))):  # fmt: skip
                best = (start, index)
        if best is None:
            found.append((part[position:], None))
            break
        start, index = best
        if start > position:
            found.append((part[position:start], None))
        found.append((sentences[index].text, index))
        position = start + len(sentences[index].text)
    return found


def passage_view(passage: str, said: str) -> tuple[str, str, str]:
    """A passage as the page shows it (its sentences, without Markdown heading lines: the
    locator names the section) cut around the sentence that best states what was said, to be
    marked: (before, marked, after)."""
    shown = " ".join(split_sentences(passage)) or " ".join(passage.split())
    best = best_sentence(shown, said)
    start = shown.find(best) if best else -1
    if start < 0:
        return shown, "", ""
    return shown[:start], best, shown[start + len(best) :]


def _run_view(data: dict[str, Any]) -> list[dict[str, Any]]:
    views = []
    for raw in data.get("outputs", []):
        draft = Draft.from_json(raw)
        parts = [(part, segments(part, draft.sentences)) for part in draft.parts]
        views.append({"draft": draft, "parts": parts, "thread": draft.posts is not None})
    return views


@router.get("/notebooks/{notebook_id}/repurpose/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, notebook_id: str, run_id: str) -> Response:
    found = _page_owner_notebook(request, notebook_id)
    if isinstance(found, Response):
        return found
    owner, notebook = found
    if run_id.endswith(".md"):
        return _markdown(request, owner, notebook, run_id[:-3])
    try:
        record = saved_run(records_of(request), owner, notebook, run_id)
    except (NotFound, InputError):
        return not_found(request)
    return render(
        request,
        "repurpose/run.html",
        notebook=notebook,
        tab="repurpose",
        base=_base(notebook),
        run=record,
        data=record.data,
        views=_run_view(record.data),
        short_name=lambda uri: PurePath(uri).name or uri,
        passage_view=passage_view,
    )


def _markdown(request: Request, owner: Owner, notebook: Notebook, run_id: str) -> Response:
    try:
        record = saved_run(records_of(request), owner, notebook, run_id)
    except (NotFound, InputError):
        return not_found(request)
    drafts = [Draft.from_json(o) for o in record.data.get("outputs", [])]
    text = to_markdown(str(record.data.get("source", "")), drafts)
    filename = quote(f"repurpose-{run_id[:8]}.md")
    return Response(text, media_type="text/markdown; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{filename}",
        "Cache-Control": "no-store",
    })  # fmt: skip


RUN_SUMMARY = "A saved repurpose run: drafts, sentences with citations, rejected"


@api_router.get("/notebooks/{notebook_id}/repurpose/runs/{run_id}", summary=RUN_SUMMARY)
def run_json(request: Request, notebook_id: str, run_id: str, owner: User) -> dict[str, Any]:
    notebook = notebook_by_id(services_of(request).store, owner, notebook_id)
    try:
        return saved_run(records_of(request), owner, notebook, run_id).data
    except InputError:
        raise NotFound(f"run {run_id!r} not found") from None


router.include_router(api_router)
