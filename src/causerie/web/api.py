"""The REST API under /api. Every route acts for the signed-in user (session cookie, with the
CSRF token on writes) or an API token (`Authorization: Bearer cz_...`), and reaches data only
through the Store with that owner: another user's id answers exactly like an unknown id.

Chat: POST /api/notebooks/{notebook_id}/chat with `Accept: text/event-stream` streams
    event: retrieved  {"mode", "vectors_ready", "passages": [{"marker", "chunk_id", "source",
                       "source_id", "locator", "label", "text"}]}
    event: delta      {"text"}          (checked answer text, in order)
    event: answer     Answer.to_json() + {"message_id", "error"}
    event: error      {"error", "code"} (then the stream ends)
and without that header returns the answer as JSON (AnswerOut).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from causerie.errors import CauserieError, InputError, NotFound, ProviderError
from causerie.session import Retrieved, SessionEvent, final_answer_async
from causerie.types import Owner, TextDelta
from causerie.web import sse
from causerie.web.auth import FORM_MAX_FIELDS, accounts_of, csrf_token, require_user
from causerie.web.chat import answer_json, retrieved_json
from causerie.web.deps import (
    chat_of,
    conversation_in,
    delete_notebook_with_records,
    jobs_of,
    limits_of,
    notebook_by_id,
    store_of,
)
from causerie.web.errors import ApiError
from causerie.web.jobs import JobInput
from causerie.web.markdown import with_html
from causerie.web.schemas import (
    ERROR_TEXTS,
    ERRORS,
    AnswerOut,
    ChatIn,
    ConversationDetail,
    ConversationOut,
    ErrorOut,
    JobOut,
    MeOut,
    MessageOut,
    NeighbourOut,
    NewTokenOut,
    NotebookIn,
    NotebookOut,
    PassageOut,
    PassageSourceOut,
    RevokedOut,
    SourceOut,
    SourcesOut,
    TokenIn,
    TokenOut,
    UrlIn,
    error_responses,
)
from causerie.web.uploads import safe_file_name, too_large

router = APIRouter(prefix="/api", tags=["api"], responses=ERRORS)
User = Annotated[Owner, Depends(require_user)]

# --------------------------------------------------------------------------- account


@router.get("/me", response_model=MeOut, summary="Who am I")
def me(request: Request, owner: User) -> MeOut:
    by_session = request.state.auth == "session"
    return MeOut(
        name=owner.id,
        auth="session" if by_session else "token",
        csrf_token=csrf_token(request) if by_session else None,
    )


@router.get("/tokens", response_model=list[TokenOut], summary="List my API tokens")
def list_tokens(request: Request, owner: User) -> list[TokenOut]:
    return [_token_out(t) for t in accounts_of(request).list_tokens(owner.id)]


_SESSION_ONLY: dict[int | str, dict[str, Any]] = {
    403: {
        "model": ErrorOut,
        "description": "Only from a signed-in browser session (an API token cannot manage tokens)",
    }
}


def _session_only(request: Request) -> None:
    """Tokens are managed from a signed-in session only: a stolen token cannot mint tokens
    that outlive its revocation, nor revoke its owner's other tokens."""
    if request.state.auth != "session":
        raise ApiError(
            403,
            "session_required",
            "API tokens are managed from a signed-in browser session (or `causerie tokens`), "
            "not with an API token",
        )


@router.post(
    "/tokens",
    response_model=NewTokenOut,
    status_code=201,
    summary="Create an API token (signed-in session only)",
    responses=_SESSION_ONLY,
)
def create_token(request: Request, body: TokenIn, owner: User) -> NewTokenOut:
    _session_only(request)
    new = accounts_of(request).create_token(owner.id, body.label)
    return NewTokenOut(**_token_out(new.token).model_dump(), token=new.secret)


@router.delete(
    "/tokens",
    response_model=RevokedOut,
    summary="Revoke all my API tokens (signed-in session only)",
    responses=_SESSION_ONLY,
)
def revoke_all_tokens(request: Request, owner: User) -> RevokedOut:
    _session_only(request)
    return RevokedOut(revoked=accounts_of(request).revoke_all_tokens(owner.id))


@router.delete(
    "/tokens/{token_id}",
    status_code=204,
    summary="Revoke an API token (signed-in session only)",
    responses=_SESSION_ONLY,
)
def revoke_token(request: Request, token_id: str, owner: User) -> Response:
    _session_only(request)
    accounts_of(request).revoke_token(owner.id, token_id)
    return Response(status_code=204)


def _token_out(token: Any) -> TokenOut:
    return TokenOut(
        id=token.id,
        label=token.label,
        hint=token.hint,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
    )


# --------------------------------------------------------------------------- notebooks


@router.get("/notebooks", response_model=list[NotebookOut], summary="List my notebooks")
def list_notebooks(request: Request, owner: User) -> list[NotebookOut]:
    store = store_of(request)
    counts = store.source_counts(owner)
    return [NotebookOut.of(book, counts.get(book.id, 0)) for book in store.list_notebooks(owner)]


@router.post(
    "/notebooks",
    response_model=NotebookOut,
    status_code=201,
    summary="Create a notebook",
    responses=error_responses(409),
)
def create_notebook(request: Request, body: NotebookIn, owner: User) -> NotebookOut:
    store = store_of(request)
    if store.get_notebook(owner, body.name.strip()) is not None:
        raise ApiError(409, "conflict", f"{body.name!r}: a notebook with this name exists")
    return NotebookOut.of(store.ensure_notebook(owner, body.name), 0)


@router.get("/notebooks/{notebook_id}", response_model=NotebookOut, summary="One notebook")
def get_notebook(request: Request, notebook_id: str, owner: User) -> NotebookOut:
    store = store_of(request)
    book = notebook_by_id(store, owner, notebook_id)
    return NotebookOut.of(book, len(store.list_sources(owner, book.id)))


@router.patch(
    "/notebooks/{notebook_id}",
    response_model=NotebookOut,
    summary="Rename a notebook",
    responses=error_responses(409),
)
def rename_notebook(
    request: Request, notebook_id: str, body: NotebookIn, owner: User
) -> NotebookOut:
    store = store_of(request)
    taken = store.get_notebook(owner, body.name.strip())
    if taken is not None and taken.id != notebook_id:
        notebook_by_id(store, owner, notebook_id)  # an unknown id is a 404 first
        raise ApiError(409, "conflict", f"{body.name!r}: a notebook with this name exists")
    book = store.rename_notebook(owner, notebook_id, body.name)
    return NotebookOut.of(book, len(store.list_sources(owner, book.id)))


@router.delete(
    "/notebooks/{notebook_id}",
    status_code=204,
    summary="Delete a notebook with its sources and conversations",
)
def delete_notebook(request: Request, notebook_id: str, owner: User) -> Response:
    delete_notebook_with_records(request, owner, notebook_id)
    return Response(status_code=204)


# --------------------------------------------------------------------------- sources


@router.get(
    "/notebooks/{notebook_id}/sources",
    response_model=SourcesOut,
    summary="A notebook's sources, and the inputs of its recent jobs not stored",
)
def list_sources(request: Request, notebook_id: str, owner: User) -> SourcesOut:
    store = store_of(request)
    book = notebook_by_id(store, owner, notebook_id)
    return SourcesOut(
        sources=[SourceOut.of(s) for s in store.list_sources(owner, book.id)],
        pending=jobs_of(request).pending_items(owner, book.id),  # type: ignore[arg-type]
    )


_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {
                            "type": "array",
                            "minItems": 1,
                            "items": {"type": "string", "format": "binary"},
                            "description": "one or more files (.txt .md .html .pdf .docx "
                            ".srt .vtt .eml)",
                        },
                        "csrf_token": {"type": "string"},
                    },
                }
            }
        },
    }
}


@router.post(
    "/notebooks/{notebook_id}/sources",
    response_model=JobOut,
    status_code=202,
    summary="Upload files (multipart field 'files'); they are indexed by a background job",
    openapi_extra=_UPLOAD_BODY,
    responses=error_responses(415, 429),
)
async def upload_sources(request: Request, notebook_id: str, owner: User) -> dict[str, Any]:
    store = store_of(request)
    book = await run_in_threadpool(notebook_by_id, store, owner, notebook_id)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ApiError(415, "unsupported_media_type", "send multipart/form-data with 'files'")
    limits = limits_of(request)
    form = await request.form(max_files=limits.max_files, max_fields=FORM_MAX_FIELDS)
    try:
        uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
        if not uploads:
            raise InputError("files", "no file was sent (multipart field 'files')")
        files = sum(1 for _, value in form.multi_items() if isinstance(value, UploadFile))
        if files > limits.max_files:  # whoever parsed the form first, the count holds
            message = f"{files} files sent; at most {limits.max_files} per request"
            raise ApiError(413, "payload_too_large", message)
        inputs = [_job_input(upload, limits.max_file_bytes) for upload in uploads]
        # the files are copied to the job's spool folder (not read into memory) and queued
        return await run_in_threadpool(jobs_of(request).submit, owner, book, inputs)
    finally:
        await form.close()


def _job_input(upload: UploadFile, max_bytes: int) -> JobInput:
    """An uploaded file as a job input; a bad name or a size over the limit is refused here,
    reported with the job, and never read."""
    try:
        name = safe_file_name(upload.filename)
    except InputError as exc:
        return JobInput(repr(upload.filename), error=str(exc))
    size = upload.size or 0
    if size > max_bytes:
        return JobInput(name, error=f"{name}: {too_large(size, max_bytes)}")
    return JobInput(name, stream=upload.file, size=size)


@router.post(
    "/notebooks/{notebook_id}/sources/url",
    response_model=JobOut,
    status_code=202,
    summary="Add a web page by URL (private and loopback addresses are refused)",
    responses=error_responses(429),
)
def add_url(request: Request, notebook_id: str, body: UrlIn, owner: User) -> dict[str, Any]:
    book = notebook_by_id(store_of(request), owner, notebook_id)
    url = body.url.strip()
    return jobs_of(request).submit(owner, book, [JobInput(url, url=url)])


@router.delete("/sources/{source_id}", status_code=204, summary="Delete a source")
def delete_source(request: Request, source_id: str, owner: User) -> Response:
    store_of(request).delete_source(owner, source_id)
    return Response(status_code=204)


# --------------------------------------------------------------------------- jobs


@router.get("/jobs/{job_id}", response_model=JobOut, summary="Progress of an ingestion job")
def get_job(request: Request, job_id: str, owner: User) -> dict[str, Any]:
    return jobs_of(request).get(owner, job_id)


@router.post(
    "/jobs/{job_id}/cancel",
    response_model=JobOut,
    summary="Cancel a job: a queued one at once, a running one before its next file",
)
def cancel_job(request: Request, job_id: str, owner: User) -> dict[str, Any]:
    return jobs_of(request).cancel(owner, job_id)


@router.get(
    "/notebooks/{notebook_id}/jobs",
    response_model=list[JobOut],
    summary="A notebook's recent ingestion jobs",
)
def list_jobs(request: Request, notebook_id: str, owner: User) -> list[dict[str, Any]]:
    book = notebook_by_id(store_of(request), owner, notebook_id)
    return jobs_of(request).list_jobs(owner, book.id)


# --------------------------------------------------------------------------- conversations


@router.get(
    "/notebooks/{notebook_id}/conversations",
    response_model=list[ConversationOut],
    summary="A notebook's conversations, oldest first",
)
def list_conversations(request: Request, notebook_id: str, owner: User) -> list[ConversationOut]:
    store = store_of(request)
    book = notebook_by_id(store, owner, notebook_id)
    return [ConversationOut.of(c) for c in store.list_conversations(owner, book.id)]


@router.get(
    "/conversations/{conversation_id}",
    response_model=ConversationDetail,
    summary="A conversation with its messages",
)
def get_conversation(request: Request, conversation_id: str, owner: User) -> ConversationDetail:
    store = store_of(request)
    conversation = store.get_conversation(owner, conversation_id)
    messages = store.list_messages(owner, conversation.id)
    return ConversationDetail(
        **ConversationOut.of(conversation).model_dump(),
        messages=[MessageOut.of(m) for m in messages],
    )


@router.get(
    "/conversations/{conversation_id}/messages",
    response_model=list[MessageOut],
    summary="A conversation's messages, with their citations",
)
def list_messages(request: Request, conversation_id: str, owner: User) -> list[MessageOut]:
    store = store_of(request)
    store.get_conversation(owner, conversation_id)  # NotFound when missing or foreign
    return [MessageOut.of(m) for m in store.list_messages(owner, conversation_id)]


@router.delete("/conversations/{conversation_id}", status_code=204, summary="Delete a conversation")
def delete_conversation(request: Request, conversation_id: str, owner: User) -> Response:
    store_of(request).delete_conversation(owner, conversation_id)
    return Response(status_code=204)


# --------------------------------------------------------------------------- passages


@router.get(
    "/notebooks/{notebook_id}/passages/{chunk_id}",
    response_model=PassageOut,
    summary="A cited passage with the passages around it",
)
def get_passage(
    request: Request,
    notebook_id: str,
    chunk_id: str,
    owner: User,
    context: Annotated[int, Query(ge=0, le=5, description="neighbours on each side")] = 1,
) -> PassageOut:
    store = store_of(request)
    book = notebook_by_id(store, owner, notebook_id)
    hits = store.get_hits(owner, book.id, [chunk_id])
    if not hits:
        raise NotFound(f"passage {chunk_id!r} not found in this notebook")
    chunk, source = hits[0].chunk, hits[0].source
    around = store.source_chunks(
        owner, source.id, chunk.ordinal - context, chunk.ordinal + context
    ) if context else []  # fmt: skip

    def neighbours(chunks: list[Any]) -> list[NeighbourOut]:
        return [NeighbourOut(chunk_id=c.id, ordinal=c.ordinal, label=c.locator.label(),
                             text=c.text) for c in chunks]  # fmt: skip

    return PassageOut(
        chunk_id=chunk.id,
        notebook_id=book.id,
        source=PassageSourceOut(
            id=source.id, title=source.title, uri=source.uri, media_type=source.media_type
        ),
        ordinal=chunk.ordinal,
        locator=chunk.locator.to_dict(),
        label=chunk.locator.label(),
        text=chunk.text,
        before=neighbours([c for c in around if c.ordinal < chunk.ordinal]),
        after=neighbours([c for c in around if c.ordinal > chunk.ordinal]),
    )


# --------------------------------------------------------------------------- chat


@router.post(
    "/notebooks/{notebook_id}/chat",
    response_model=AnswerOut,
    summary="Ask a question; a cited answer (JSON, or Server-Sent Events)",
    responses={
        200: {
            "description": "AnswerOut as JSON; with `Accept: text/event-stream`, the events "
            "retrieved, delta..., answer (or error)",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        429: {
            "model": ErrorOut,
            "description": "Too many questions, or too many of the user's waiting for the model "
            "(Retry-After)",
        },
        502: {"model": ErrorOut, "description": ERROR_TEXTS[502]},
        503: {"model": ErrorOut, "description": ERROR_TEXTS[503]},
    },
)
async def chat(request: Request, notebook_id: str, body: ChatIn, owner: User) -> Any:
    store = store_of(request)
    book = await run_in_threadpool(notebook_by_id, store, owner, notebook_id)
    if body.conversation_id is not None:
        await run_in_threadpool(conversation_in, store, owner, book, body.conversation_id)
    runner = chat_of(request)
    runner.check_rate(owner)
    events = runner.events(owner, book, body.question, body.conversation_id)
    if not sse.wants_event_stream(request.headers.get("accept")):
        try:
            final = await final_answer_async(events)
        except RuntimeError as exc:  # a stream without an Answer
            raise ApiError(500, "internal_error", str(exc)) from None
        return answer_json(final)
    first = await anext(events)  # an error before any event is an ordinary JSON error
    return sse.EventStreamResponse(_chat_events(first, events))


async def _chat_events(
    first: SessionEvent, events: AsyncIterator[SessionEvent]
) -> AsyncIterator[str]:
    try:
        yield _chat_event(first)
        async for item in events:
            yield _chat_event(item)
    except (CauserieError, ValueError) as exc:
        code = "model_error" if isinstance(exc, ProviderError) else "error"
        yield sse.event("error", {"error": str(exc), "code": code})
    finally:
        await events.aclose()  # type: ignore[attr-defined]


def _chat_event(item: SessionEvent) -> str:
    if isinstance(item, Retrieved):
        return sse.event("retrieved", retrieved_json(item))
    if isinstance(item, TextDelta):
        return sse.event("delta", {"text": item.text})
    return sse.event("answer", with_html(answer_json(item)))
