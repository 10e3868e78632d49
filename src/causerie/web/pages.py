"""The HTML pages: notebooks, a notebook's sources, and its chat.

    GET  /                                  the notebooks (create, rename, delete)
    POST /notebooks                         create (form: name)         -> the new notebook
    POST /notebooks/{id}/rename             rename (form: name)         -> /
    POST /notebooks/{id}/delete             delete                      -> /
    GET  /notebooks/{id}                    -> its chat
    GET  /notebooks/{id}/sources            upload files (drop zone or file input), add URLs,
                                            ingestion progress, per-source status, delete
    GET  /notebooks/{id}/sources/table      the sources table alone (the page's script swaps it
                                            in when a job finishes or a source is deleted)
    GET  /notebooks/{id}/chat[/{conv_id}]   the chat: history, streaming answers, citations

Pages are rendered on the server (Jinja); the scripts in /static/js talk to the REST API
(causerie.web.api). Every page needs a signed-in session (else a redirect to /login); every
form carries the CSRF token; another user's id reads like an unknown one (404).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from causerie.errors import CauserieError, NotFound
from causerie.types import Conversation, Notebook, Owner, Source
from causerie.web import auth
from causerie.web.deps import delete_notebook_with_records, notebook_by_id
from causerie.web.markdown import render_answer
from causerie.web.page_kit import (
    checked_form,
    login_redirect,
    not_found,
    render,
    translate,
)

router = APIRouter(include_in_schema=False)

MAX_NAME_CHARS = 200

# --------------------------------------------------------------------------- helpers


def _services(request: Request) -> Any:
    return request.app.state.services


def _notebook(request: Request, owner: Owner, notebook_id: str) -> Notebook:
    return notebook_by_id(_services(request).store, owner, notebook_id)


def _clean_name(raw: str | None) -> str:
    return " ".join((raw or "").split())[:MAX_NAME_CHARS]


def _source_rows(request: Request, owner: Owner, notebook: Notebook) -> list[dict[str, Any]]:
    """Stored sources (ready) and the inputs of recent jobs not stored: queued, being
    indexed, or refused with their error. Newest first."""
    sources: list[Source] = _services(request).store.list_sources(owner, notebook.id)
    rows: list[dict[str, Any]] = []
    stored_ids = {s.id for s in sources}
    for item in request.app.state.jobs.pending_items(owner, notebook.id):
        if item.get("source_id") in stored_ids:
            continue
        rows.append(
            {
                "id": None,
                "title": item["name"],
                "uri": item["name"],
                "status": item["status"],
                "error": item.get("error"),
                "chunks": None,
                "media_type": "",
                "language": "",
                "job_id": item.get("job_id"),
            }
        )
    for source in sorted(sources, key=lambda s: s.added_at, reverse=True):
        rows.append(
            {
                "id": source.id,
                "title": source.title or source.uri,
                "uri": source.uri,
                "status": "ready",
                "error": None,
                "chunks": source.chunk_count,
                "media_type": source.media_type,
                "language": source.language,
                "job_id": None,
            }
        )
    return rows


# --------------------------------------------------------------------------- notebooks


@router.get("/", response_class=HTMLResponse)
def notebooks_page(request: Request) -> Response:
    owner = auth.page_user(request)
    if owner is None:
        return login_redirect(request)
    store = _services(request).store
    notebooks = sorted(store.list_notebooks(owner), key=lambda n: n.name.casefold())
    counts = store.source_counts(owner)
    return render(
        request,
        "notebooks.html",
        notebooks=notebooks,
        counts=counts,
        error=_known_error(request.query_params.get("error")),
    )


NOTEBOOK_ERRORS = ("name", "taken")  # the only codes `/?error=` shows (as translated text)


def _known_error(code: str | None) -> str | None:
    return code if code in NOTEBOOK_ERRORS else None


@router.get("/notebooks")
def notebooks_alias(request: Request) -> Response:
    return RedirectResponse("/", status_code=303)


@router.post("/notebooks")
async def create_notebook(request: Request) -> Response:
    owner = auth.page_user(request)
    if owner is None:
        return login_redirect(request)
    form = await checked_form(request)
    if isinstance(form, HTMLResponse):
        return form
    name = _clean_name(form.get("name"))
    if not name:
        return RedirectResponse("/?error=name", status_code=303)
    try:
        notebook = _services(request).store.ensure_notebook(owner, name)
    except CauserieError:  # a name the store refuses
        return RedirectResponse("/?error=name", status_code=303)
    return RedirectResponse(f"/notebooks/{quote(notebook.id)}/sources", status_code=303)


@router.post("/notebooks/{notebook_id}/rename")
async def rename_notebook(request: Request, notebook_id: str) -> Response:
    owner = auth.page_user(request)
    if owner is None:
        return login_redirect(request)
    form = await checked_form(request)
    if isinstance(form, HTMLResponse):
        return form
    name = _clean_name(form.get("name"))
    if not name:
        return RedirectResponse("/?error=name", status_code=303)
    try:
        _notebook(request, owner, notebook_id)
        _services(request).store.rename_notebook(owner, notebook_id, name)
    except NotFound:
        return not_found(request)
    except CauserieError:  # the name is taken by another notebook
        return RedirectResponse("/?error=taken", status_code=303)
    return RedirectResponse("/", status_code=303)


@router.post("/notebooks/{notebook_id}/delete")
async def delete_notebook(request: Request, notebook_id: str) -> Response:
    owner = auth.page_user(request)
    if owner is None:
        return login_redirect(request)
    form = await checked_form(request)
    if isinstance(form, HTMLResponse):
        return form
    try:
        _notebook(request, owner, notebook_id)
        delete_notebook_with_records(request, owner, notebook_id)
    except NotFound:
        return not_found(request)
    return RedirectResponse("/", status_code=303)


@router.get("/notebooks/{notebook_id}")
def notebook_home(request: Request, notebook_id: str) -> Response:
    return RedirectResponse(f"/notebooks/{quote(notebook_id)}/chat", status_code=303)


# --------------------------------------------------------------------------- sources


@router.get("/notebooks/{notebook_id}/sources", response_class=HTMLResponse)
def sources_page(request: Request, notebook_id: str) -> Response:
    owner = auth.page_user(request)
    if owner is None:
        return login_redirect(request)
    try:
        notebook = _notebook(request, owner, notebook_id)
    except NotFound:
        return not_found(request)
    from causerie.ingest.loaders import supported_extensions

    running = [
        job["id"]
        for job in request.app.state.jobs.list_jobs(owner, notebook.id)
        if job["state"] != "done"
    ]
    return render(
        request,
        "sources.html",
        notebook=notebook,
        rows=_source_rows(request, owner, notebook),
        extensions=supported_extensions(),
        accept=",".join(supported_extensions()),
        running_jobs=running,
        tab="sources",
    )


@router.get("/notebooks/{notebook_id}/sources/table", response_class=HTMLResponse)
def sources_table(request: Request, notebook_id: str) -> Response:
    owner = auth.page_user(request)
    if owner is None:
        return Response(status_code=401)
    try:
        notebook = _notebook(request, owner, notebook_id)
    except NotFound:
        return Response(status_code=404)
    return render(
        request,
        "_sources_table.html",
        notebook=notebook,
        rows=_source_rows(request, owner, notebook),
    )


# --------------------------------------------------------------------------- chat


def _message_views(
    request: Request, owner: Owner, conversation: Conversation
) -> list[dict[str, Any]]:
    cite_label = translate(request, "chat.cite_label", n="{n}")
    views = []
    for message in _services(request).store.list_messages(owner, conversation.id):
        if message.role == "system":
            continue
        citations = [c.to_json() for c in message.citations]
        html = None
        if message.role == "assistant":
            html = render_answer(message.content, [c.marker for c in message.citations], cite_label)
        views.append(
            {
                "role": message.role,
                "content": message.content,
                "html": html,
                "citations": citations,
                "abstained": message.abstained,
                "interrupted": message.interrupted,
            }
        )
    return views


@router.get("/notebooks/{notebook_id}/chat", response_class=HTMLResponse)
@router.get("/notebooks/{notebook_id}/chat/{conversation_id}", response_class=HTMLResponse)
def chat_page(request: Request, notebook_id: str, conversation_id: str | None = None) -> Response:
    owner = auth.page_user(request)
    if owner is None:
        return login_redirect(request)
    store = _services(request).store
    try:
        notebook = _notebook(request, owner, notebook_id)
        conversation = None
        if conversation_id is not None:
            conversation = store.get_conversation(owner, conversation_id)
            if conversation.notebook_id != notebook.id:
                raise NotFound(f"conversation {conversation_id!r} not found")
    except NotFound:
        return not_found(request)
    conversations = sorted(
        store.list_conversations(owner, notebook.id), key=lambda c: c.created_at, reverse=True
    )
    return render(
        request,
        "chat.html",
        notebook=notebook,
        conversation=conversation,
        conversations=conversations,
        messages=_message_views(request, owner, conversation) if conversation else [],
        source_count=store.source_counts(owner).get(notebook.id, 0),
        tab="chat",
    )
