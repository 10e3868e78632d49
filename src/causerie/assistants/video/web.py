"""The video assistant's pages (mounted by the app through the registry).

    GET  /notebooks/{id}/video                            the notebook's recordings and subtitles
    GET  /notebooks/{id}/video/{source}?q=QUESTION        the player (HTML5 <video>/<audio> for a
                                                          recording kept here; YouTube links at
                                                          ?t= for a YouTube source), the answer to
                                                          QUESTION with citation chips that seek
                                                          the player to their second, chapters,
                                                          summary, the timed transcript
    POST /notebooks/{id}/video/{source}/chapters          find the chapters (form: csrf_token)
    POST /notebooks/{id}/video/{source}/summary           summarise (form: length)
    GET  /notebooks/{id}/video/{source}/media             the recording (HTTP ranges, so seeking
                                                          works)
    GET  /notebooks/{id}/video/{source}/transcript?format=srt   (or vtt, txt) the transcript

Everything reads the signed-in owner's sources and records only: another user's notebook or
source answers 404 like an unknown id. The script /static/assistants/video/video.js makes a
chip (`data-seek="SECONDS"`) set the player's currentTime and play.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)

from causerie.assistants.video.chapters import Chapter
from causerie.assistants.video.exports import FORMATS, export
from causerie.assistants.video.tasks import (
    CHAPTERS,
    SUMMARY,
    chapters_for,
    open_records,
    summary_for,
    transcript_of,
)
from causerie.assistants.video.transcript import Transcript, timed_sources, youtube_link
from causerie.errors import CauserieError, InputError, NotFound
from causerie.ingest.media_files import media_file
from causerie.session import final_answer
from causerie.types import Citation, Notebook, Owner, clock
from causerie.web import auth
from causerie.web.deps import notebook_by_id, services_of
from causerie.web.page_kit import checked_form, login_redirect, not_found, render

router = APIRouter(include_in_schema=False)

MEDIA_TYPES = {"txt": "text/plain", "srt": "application/x-subrip", "vtt": "text/vtt"}


def _base(notebook: Notebook) -> str:
    return f"/notebooks/{quote(notebook.id)}/video"


def _owner_notebook(request: Request, notebook_id: str) -> tuple[Owner, Notebook] | Response:
    owner = auth.page_user(request)
    if owner is None:
        return login_redirect(request)
    try:
        return owner, notebook_by_id(services_of(request).store, owner, notebook_id)
    except NotFound:
        return not_found(request)


def _transcript(
    request: Request, owner: Owner, notebook: Notebook, source_id: str
) -> Transcript | None:
    services = services_of(request)
    source = next(
        (s for s in services.store.list_sources(owner, notebook.id) if s.id == source_id), None
    )
    if source is None:
        return None
    try:
        return transcript_of(services, owner, notebook, source.uri)
    except InputError:
        return None


def chip(cited: Citation, uri: str) -> dict[str, Any]:
    """What a citation chip shows and where it leads: the time range, the second to seek to,
    and the YouTube link at that second for a YouTube source."""
    start = cited.locator.start_s
    here = cited.source == uri  # another source's passage does not move this player
    label = cited.locator.time_range() or cited.locator.label()
    return {
        "marker": cited.marker,
        "label": label if here else f"{Path(cited.source).name} {label}",
        "seek": None if start is None or not here else round(start, 2),
        "youtube": youtube_link(cited.source, start),
        "text": cited.text,
    }


def _kept(request: Request, owner: Owner, kind: str, key: str, content_hash: str) -> Any:
    records = open_records(services_of(request))
    try:
        data = records.get(owner, kind, key).data
    except NotFound:
        return None
    finally:
        records.close()
    return data if data.get("content_hash") == content_hash else None


@router.get("/notebooks/{notebook_id}/video", response_class=HTMLResponse)
def video_page(request: Request, notebook_id: str) -> Response:
    found = _owner_notebook(request, notebook_id)
    if isinstance(found, Response):
        return found
    owner, notebook = found
    services = services_of(request)
    records = open_records(services)
    try:
        durations = timed_sources(records, owner, notebook)
    finally:
        records.close()
    rows = [
        {"id": s.id, "title": s.title, "uri": s.uri, "media_type": s.media_type,
         "duration": clock(durations[s.id])}
        for s in services.store.list_sources(owner, notebook.id) if s.id in durations
    ]  # fmt: skip
    return render(request, "video/notebook.html", notebook=notebook, tab="video",
                  base=_base(notebook), recordings=rows)  # fmt: skip


@router.get("/notebooks/{notebook_id}/video/{source_id}", response_class=HTMLResponse)
def recording_page(request: Request, notebook_id: str, source_id: str, q: str = "") -> Response:
    found = _owner_notebook(request, notebook_id)
    if isinstance(found, Response):
        return found
    owner, notebook = found
    transcript = _transcript(request, owner, notebook, source_id)
    if transcript is None:
        return not_found(request)
    services = services_of(request)
    source = transcript.source
    answer = None
    error = None
    if q.strip():
        try:
            result = final_answer(services.engine.ask(owner, notebook, q, save=False))
            chips = [chip(c, source.uri) for c in result.citations]
            answer = {"text": result.text, "abstained": result.abstained, "chips": chips}
        except CauserieError as exc:
            error = str(exc)
    language = transcript.language
    kept_chapters = _kept(request, owner, CHAPTERS, f"{source.id}.{language}",
                          source.content_hash)  # fmt: skip
    chapters = [Chapter.from_json(c) for c in kept_chapters["chapters"]] if kept_chapters else []
    kept_summary = _kept(request, owner, SUMMARY, f"{source.id}.short.{language}",
                         source.content_hash)  # fmt: skip
    base = _base(notebook)
    media = media_file(services.settings.home, source)
    return render(
        request,
        "video/recording.html",
        notebook=notebook,
        tab="video",
        base=base,
        here=f"{base}/{quote(source.id)}",
        source=source,
        media_url=f"{base}/{quote(source.id)}/media" if media else None,
        is_audio=source.media_type.startswith("audio/"),
        youtube=youtube_link(source.uri),
        question=q,
        answer=answer,
        error=error,
        chapters=[{**c.to_json(), "start": clock(c.start_s),
                   "chips": [chip(x, source.uri) for x in c.citations]} for c in chapters],
        summary=None if not kept_summary else {
            "text": kept_summary["summary"],
            "chips": [chip(Citation.from_dict(x), source.uri) for x in kept_summary["citations"]]},
        cues=[{"start": clock(c.start_s), "seek": round(c.start_s, 2), "text": c.text,
               "youtube": youtube_link(source.uri, c.start_s)} for c in transcript.cues],
        formats=FORMATS,
    )  # fmt: skip


async def _post(request: Request, notebook_id: str, source_id: str) -> Any:
    found = _owner_notebook(request, notebook_id)
    if isinstance(found, Response):
        return found
    form = await checked_form(request)
    if isinstance(form, HTMLResponse):
        return form
    owner, notebook = found
    transcript = _transcript(request, owner, notebook, source_id)
    if transcript is None:
        return not_found(request)
    return owner, notebook, transcript, form


@router.post("/notebooks/{notebook_id}/video/{source_id}/chapters")
async def make_chapters_page(request: Request, notebook_id: str, source_id: str) -> Response:
    posted = await _post(request, notebook_id, source_id)
    if isinstance(posted, Response):
        return posted
    owner, notebook, transcript, _form = posted
    await run_in_threadpool(chapters_for, services_of(request), owner, notebook,
                            transcript.source.uri)  # fmt: skip
    return RedirectResponse(f"{_base(notebook)}/{quote(source_id)}#chapters", status_code=303)


@router.post("/notebooks/{notebook_id}/video/{source_id}/summary")
async def make_summary_page(request: Request, notebook_id: str, source_id: str) -> Response:
    posted = await _post(request, notebook_id, source_id)
    if isinstance(posted, Response):
        return posted
    owner, notebook, transcript, _form = posted
    await run_in_threadpool(summary_for, services_of(request), owner, notebook,
                            transcript.source.uri, "short")  # fmt: skip
    return RedirectResponse(f"{_base(notebook)}/{quote(source_id)}#summary", status_code=303)


@router.get("/notebooks/{notebook_id}/video/{source_id}/media")
def media(request: Request, notebook_id: str, source_id: str) -> Response:
    found = _owner_notebook(request, notebook_id)
    if isinstance(found, Response):
        return found
    owner, notebook = found
    source = next((s for s in services_of(request).store.list_sources(owner, notebook.id)
                   if s.id == source_id), None)  # fmt: skip
    path: Path | None = media_file(services_of(request).settings.home, source) if source else None
    if source is None or path is None:
        return not_found(request)
    return FileResponse(path, media_type=source.media_type)


@router.get("/notebooks/{notebook_id}/video/{source_id}/transcript")
def transcript_file(
    request: Request, notebook_id: str, source_id: str, form: str = Query("txt", alias="format")
) -> Response:
    found = _owner_notebook(request, notebook_id)
    if isinstance(found, Response):
        return found
    owner, notebook = found
    transcript = _transcript(request, owner, notebook, source_id)
    if transcript is None or form not in FORMATS:
        return not_found(request)
    name = Path(transcript.source.title).name or "transcript"
    return PlainTextResponse(
        export(transcript.cues, form),
        media_type=f"{MEDIA_TYPES[form]}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{quote(name)}.{form}"'},
    )
