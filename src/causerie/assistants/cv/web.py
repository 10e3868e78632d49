"""The CV assistant's pages and API routes (mounted by the app through the registry).

    GET  /cv                          the form (CV file; posting file, URL or pasted text) and
                                      the owner's earlier analyses
    POST /cv                          read both, score, save an analysis -> its page; a bad
                                      input re-shows the form with the error naming it (422)
    GET  /cv/{id}                     score breakdown with the CV lines cited, the gaps, the
                                      tailored CV (diff, changes, refusals) and the letter
    POST /cv/{id}/tailor              queue "cv.tailor" -> its progress page
    POST /cv/{id}/letter              queue "cv.letter" (form: language) -> its progress page
    GET  /cv/{id}/jobs/{job}          a job's progress (refreshes itself); done -> /cv/{id}
    GET  /cv/{id}/tailored.{md,docx,pdf}, /cv/{id}/letter.{md,docx,pdf}   the downloads
    GET  /api/cv/{id}                 the saved analysis as JSON

Every read is scoped to the signed-in owner: another user's analysis answers 404 like an
unknown id. Forms carry the CSRF token.
"""

from __future__ import annotations

import difflib
import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from causerie.assistants.cv.export import render as render_export
from causerie.assistants.cv.score import today
from causerie.assistants.cv.tasks import KIND, analysis, save_analysis
from causerie.assistants.records import OwnedRecords
from causerie.errors import InputError, LoaderError, NotFound
from causerie.jobs.base import JobLimitReached, JobRecord
from causerie.types import Owner
from causerie.web import auth, i18n
from causerie.web.deps import services_of
from causerie.web.page_kit import checked_form, login_redirect, not_found, render
from causerie.web.schemas import ERRORS

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["cv"], responses=ERRORS)
User = Annotated[Owner, Depends(auth.require_user)]
JOBS = ("cv.tailor", "cv.letter")
EXPORTS = {"md": "text/markdown; charset=utf-8",
           "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
           "pdf": "application/pdf"}  # fmt: skip
_open_lock = threading.Lock()


def records_of(request: Request) -> OwnedRecords:
    """The app's records store, opened on first use and closed with the app."""
    state = request.app.state
    with _open_lock:
        if getattr(state, "cv_records", None) is None:
            from causerie.backends import open_records

            state.cv_records = open_records(services_of(request).settings)
            state.closers.append(state.cv_records.close)
    records: OwnedRecords = state.cv_records
    return records


def _say(request: Request, key: str, **values: object) -> str:
    return i18n.translate(key, i18n.request_language(request), **values)


def _home(request: Request, owner: Owner, status: int = 200, error: str = "",
          form: dict[str, str] | None = None) -> Response:  # fmt: skip
    saved = records_of(request).find(owner, KIND, limit=20)
    rows = [{"id": r.id, "title": r.data.get("title", ""), "score": r.data["report"]["score"],
             "cv": r.data["cv"]["name"]} for r in reversed(saved)]  # fmt: skip
    return render(request, "cv/home.html", status_code=status, analyses=rows, error=error,
                  form=form or {})  # fmt: skip


@router.get("/cv", response_class=HTMLResponse)
def cv_home(request: Request) -> Response:
    owner = auth.page_user(request)
    if owner is None:
        return login_redirect(request)
    return _home(request, owner)


@router.post("/cv")
async def new_analysis(request: Request) -> Response:
    owner = auth.page_user(request)
    if owner is None:
        return login_redirect(request)
    fields = await checked_form(request)
    form = await request.form()  # parsed once; closed whatever the answer
    if isinstance(fields, HTMLResponse):
        await form.close()
        return fields
    try:
        upload = form.get("cv_file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InputError("CV", _say(request, "cv.missing_cv"))
        cv_name, cv_bytes = upload.filename, await upload.read()
        job_upload = form.get("job_file")
        job_file = None
        if isinstance(job_upload, UploadFile) and job_upload.filename:
            job_file = (job_upload.filename, await job_upload.read())
        data = await run_in_threadpool(
            _analyse,
            request,
            cv_name,
            cv_bytes,
            job_file,
            fields.get("job_url", ""),
            fields.get("job_text", ""),
        )
    except InputError as exc:
        return _home(request, owner, 422, str(exc), fields)
    finally:
        await form.close()
    record = save_analysis(records_of(request), owner, data)
    return RedirectResponse(f"/cv/{record.id}", status_code=303)


def _analyse(request: Request, cv_name: str, cv_bytes: bytes, job_file: tuple[str, bytes] | None,
             job_url: str, job_text: str) -> dict[str, Any]:  # fmt: skip
    from causerie.assistants.cv.reading import explained, load, load_pasted
    from causerie.ingest.limits import Limits
    from causerie.web.uploads import load_upload, safe_file_name

    limits = Limits(max_bytes=request.app.state.limits.max_file_bytes)

    def read_upload(name: str, data: bytes, role: str) -> Any:
        safe = safe_file_name(name)
        if len(data) > limits.max_bytes:
            raise InputError(safe, f"is larger than {limits.max_bytes // (1024 * 1024)} MiB")
        try:
            return load_upload(safe, data, limits)
        except LoaderError as exc:
            raise explained(exc, role) from exc

    cv_doc = read_upload(cv_name, cv_bytes, "CV")
    if job_file is not None:
        job_doc = read_upload(*job_file, "job posting")
    elif job_url.strip():
        job_doc = load(job_url.strip(), "job posting")
    elif job_text.strip():
        job_doc = load_pasted(job_text, "posting (pasted text)")
    else:
        raise InputError("job posting", _say(request, "cv.missing_job"))
    return analysis(cv_doc.uri, cv_doc.text, job_doc.uri, job_doc.text, today())


def _owned(request: Request, analysis_id: str) -> tuple[Owner, dict[str, Any]] | Response:
    owner = auth.page_user(request)
    if owner is None:
        return login_redirect(request)
    try:
        return owner, records_of(request).get(owner, KIND, analysis_id).data
    except (NotFound, InputError):
        return not_found(request)


def diff_rows(before: str, after: str) -> list[tuple[str, str]]:
    """(kind, text) rows of a line diff: kind is 'same', 'del' or 'add'."""
    rows: list[tuple[str, str]] = []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        tag, text = line[:2], line[2:]
        if tag == "? ":
            continue
        rows.append(({"- ": "del", "+ ": "add"}.get(tag, "same"), text))
    return rows


@router.get("/cv/{analysis_id}", response_class=HTMLResponse)
def analysis_page(request: Request, analysis_id: str) -> Response:
    found = _owned(request, analysis_id)
    if isinstance(found, Response):
        return found
    _, data = found
    tailored = data.get("tailored")
    rows = []
    if tailored:
        from causerie.assistants.cv.reading import parse_cv

        original = parse_cv(data["cv"]["name"], data["cv"]["text"]).markdown()
        rows = diff_rows(original, tailored["cv"])
    return render(
        request,
        "cv/analysis.html",
        id=analysis_id,
        data=data,
        report=data["report"],
        gaps=data["gaps"],
        tailored=tailored,
        diff=rows,
        letter=data.get("letter"),
    )


def _submit(request: Request, owner: Owner, analysis_id: str, kind: str,
            payload: dict[str, Any]) -> Response:  # fmt: skip
    try:
        job = services_of(request).job_queue.submit(owner, kind, payload,
                                                    progress={"done": 0, "total": 0})  # fmt: skip
    except JobLimitReached:
        return render(request, "message.html", status_code=429,
                      message=_say(request, "cv.too_many_jobs"))  # fmt: skip
    jobs = request.app.state.jobs
    jobs.start_worker()
    if jobs.worker is not None:
        jobs.worker.wake()
    return RedirectResponse(f"/cv/{analysis_id}/jobs/{job.id}", status_code=303)


@router.post("/cv/{analysis_id}/tailor")
async def tailor_cv(request: Request, analysis_id: str) -> Response:
    return await _start(request, analysis_id, "cv.tailor")


@router.post("/cv/{analysis_id}/letter")
async def write_letter(request: Request, analysis_id: str) -> Response:
    return await _start(request, analysis_id, "cv.letter")


async def _start(request: Request, analysis_id: str, kind: str) -> Response:
    found = _owned(request, analysis_id)
    if isinstance(found, Response):
        return found
    owner, _ = found
    form = await checked_form(request)
    if isinstance(form, HTMLResponse):
        return form
    payload: dict[str, Any] = {"analysis_id": analysis_id}
    if kind == "cv.letter" and form.get("language") in ("fr", "en"):
        payload["language"] = form["language"]
    return _submit(request, owner, analysis_id, kind, payload)


def _job(request: Request, owner: Owner, analysis_id: str, job_id: str) -> JobRecord:
    job = services_of(request).job_queue.get(owner, job_id)
    if job.kind not in JOBS or job.payload.get("analysis_id") != analysis_id:
        raise NotFound(f"job {job_id!r} not found")
    return job


@router.get("/cv/{analysis_id}/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, analysis_id: str, job_id: str) -> Response:
    found = _owned(request, analysis_id)
    if isinstance(found, Response):
        return found
    owner, _ = found
    try:
        job = _job(request, owner, analysis_id, job_id)
    except NotFound:
        return not_found(request)
    anchor = "#tailored" if job.kind == "cv.tailor" else "#letter"
    if job.state in ("done", "cancelled"):
        return RedirectResponse(f"/cv/{analysis_id}{anchor}", status_code=303)
    if job.state == "failed":
        return render(request, "message.html", status_code=500,
                      message=str(job.error or "the job failed"))  # fmt: skip
    return render(
        request,
        "cv/working.html",
        id=analysis_id,
        job=job,
        done=int(job.progress.get("done", 0)),
        total=int(job.progress.get("total", 0)),
    )


@router.get("/cv/{analysis_id}/{what}.{suffix}")
def download(request: Request, analysis_id: str, what: str, suffix: str) -> Response:
    found = _owned(request, analysis_id)
    if isinstance(found, Response):
        return found
    _, data = found
    saved = data.get("tailored" if what == "tailored" else "letter") if what in (
        "tailored", "letter") else None  # fmt: skip
    if saved is None or suffix not in EXPORTS:
        return not_found(request)
    markdown = saved["cv"] if what == "tailored" else saved["letter"]
    body = render_export(markdown, f".{suffix}")
    name = f"{what}.{suffix}"
    return Response(body, media_type=EXPORTS[suffix],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@api_router.get("/cv/{analysis_id}")
def analysis_json(analysis_id: str, owner: User, request: Request) -> dict[str, Any]:
    data = dict(records_of(request).get(owner, KIND, analysis_id).data)
    data.pop("cv", None)  # the texts stay on the server; the report cites their lines
    data.pop("job", None)
    return data


router.include_router(api_router)
