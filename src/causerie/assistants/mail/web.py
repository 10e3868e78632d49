"""The mail assistant's pages and API route (mounted by the app through the registry).

    GET  /notebooks/{id}/mail                          the threads: status, language, last date
    GET  /notebooks/{id}/mail/threads/{thread}         its messages (own words), its summary
                                                       with cited messages, action items and
                                                       deadlines, the draft editor
    POST /notebooks/{id}/mail/threads/{thread}/summary summarise it (the model; code checks)
    POST /notebooks/{id}/mail/threads/{thread}/draft   draft a reply (form: instructions)
    POST /notebooks/{id}/mail/threads/{thread}/eml     the edited draft as an .eml download
                                                       (form: text) -- saved, never sent
    GET  /api/notebooks/{id}/mail/threads              the threads as JSON (`mail threads`)

"Me" is the `mail_me` setting. Everything reads the signed-in owner's records only: another
user's notebook or thread answers 404 like an unknown id. Forms carry the CSRF token; the only
script (/static/assistants/mail/mail.js) copies the draft to the clipboard.
"""

from __future__ import annotations

import threading
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from causerie.assistants.mail.assistant import MailAssistant
from causerie.assistants.mail.draft import Draft, draft_message
from causerie.assistants.mail.overview import me_addresses
from causerie.assistants.mail.parse import WIRE
from causerie.assistants.records import SQLiteRecords
from causerie.errors import NotFound
from causerie.types import Notebook, Owner
from causerie.web import auth, i18n
from causerie.web.deps import notebook_by_id, services_of
from causerie.web.page_kit import checked_form, login_redirect, not_found, render
from causerie.web.schemas import ERRORS

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["mail"], responses=ERRORS)
User = Annotated[Owner, Depends(auth.require_user)]
MAX_DRAFT_CHARS = 20_000
_open_lock = threading.Lock()


def _records(request: Request) -> SQLiteRecords:
    """The app's records store, opened on first use and closed with the app."""
    from causerie.backends import open_records

    state = request.app.state
    with _open_lock:
        if getattr(state, "mail_records", None) is None:
            state.mail_records = open_records(services_of(request).settings)
            state.closers.append(state.mail_records.close)
    records: SQLiteRecords = state.mail_records
    return records


def _assistant(request: Request, owner: Owner, notebook: Notebook) -> MailAssistant:
    services = services_of(request)
    me = me_addresses([services.settings.mail_me])
    return MailAssistant(services, _records(request), owner, notebook, me)


def _base(notebook: Notebook) -> str:
    return f"/notebooks/{quote(notebook.id)}/mail"


def _found(request: Request, notebook_id: str) -> tuple[Owner, Notebook] | Response:
    owner = auth.page_user(request)
    if owner is None:
        return login_redirect(request)
    try:
        return owner, notebook_by_id(services_of(request).store, owner, notebook_id)
    except NotFound:
        return not_found(request)


@router.get("/notebooks/{notebook_id}/mail", response_class=HTMLResponse)
def threads_page(request: Request, notebook_id: str) -> Response:
    found = _found(request, notebook_id)
    if isinstance(found, Response):
        return found
    owner, notebook = found
    mail = _assistant(request, owner, notebook)
    return render(request, "mail/threads.html", notebook=notebook, tab="mail",
                  base=_base(notebook), threads=mail.threads())  # fmt: skip


def _thread_page(
    request: Request,
    mail: MailAssistant,
    thread_id: str,
    status_code: int = 200,
    draft: Draft | None = None,
    **extra: Any,
) -> Response:
    try:
        thread = mail.thread(thread_id)
    except NotFound:
        return not_found(request)
    language = i18n.request_language(request)
    privacy = mail.privacy(language)
    return render(
        request,
        "mail/thread.html",
        status_code=status_code,
        notebook=mail.notebook,
        tab="mail",
        base=_base(mail.notebook),
        thread=thread,
        summary=mail.cached_summary(thread),
        draft=draft,
        privacy=privacy.notice,
        style=mail.style().for_language(thread.language),
        **extra,
    )


@router.get("/notebooks/{notebook_id}/mail/threads/{thread_id}", response_class=HTMLResponse)
def thread_page(request: Request, notebook_id: str, thread_id: str) -> Response:
    found = _found(request, notebook_id)
    if isinstance(found, Response):
        return found
    return _thread_page(request, _assistant(request, *found), thread_id)


async def _posted(
    request: Request, notebook_id: str
) -> tuple[MailAssistant, dict[str, str]] | Response:
    found = _found(request, notebook_id)
    if isinstance(found, Response):
        return found
    form = await checked_form(request)
    if isinstance(form, HTMLResponse):
        return form
    return _assistant(request, *found), form


@router.post("/notebooks/{notebook_id}/mail/threads/{thread_id}/summary")
async def summarise_thread(request: Request, notebook_id: str, thread_id: str) -> Response:
    posted = await _posted(request, notebook_id)
    if isinstance(posted, Response):
        return posted
    mail, _form = posted
    try:
        made = mail.summary(thread_id)
    except NotFound:
        return not_found(request)
    if made is None:
        message = i18n.translate("mail.summary_failed", i18n.request_language(request))
        return _thread_page(request, mail, thread_id, 422, error=message)
    return _thread_page(request, mail, thread_id)


@router.post("/notebooks/{notebook_id}/mail/threads/{thread_id}/draft")
async def draft_reply(request: Request, notebook_id: str, thread_id: str) -> Response:
    posted = await _posted(request, notebook_id)
    if isinstance(posted, Response):
        return posted
    mail, form = posted
    language = i18n.request_language(request)
    if not mail.me:
        return _thread_page(request, mail, thread_id, 422,
                            error=i18n.translate("mail.no_me", language))  # fmt: skip
    instructions = form.get("instructions", "")[:1000]
    try:
        draft = mail.draft(thread_id, instructions)
    except NotFound:
        return not_found(request)
    if draft is None:
        return _thread_page(request, mail, thread_id, 422, instructions=instructions,
                            error=i18n.translate("mail.draft_failed", language))  # fmt: skip
    return _thread_page(request, mail, thread_id, draft=draft, instructions=instructions)


@router.post("/notebooks/{notebook_id}/mail/threads/{thread_id}/eml")
async def draft_eml(request: Request, notebook_id: str, thread_id: str) -> Response:
    """The edited draft as an .eml file to open in a mail program (nothing is sent)."""
    posted = await _posted(request, notebook_id)
    if isinstance(posted, Response):
        return posted
    mail, form = posted
    try:
        thread = mail.thread(thread_id)
    except NotFound:
        return not_found(request)
    from causerie.assistants.mail.draft import reply_target

    target = reply_target(thread, mail.me)
    text = form.get("text", "").replace("\r\n", "\n")[:MAX_DRAFT_CHARS]
    draft = Draft(text=text, body=text, language=thread.language,
                  to=(target.sender[0], target.sender[1]),
                  subject=target.subject if target.subject.lower().startswith("re:")
                  else f"Re: {target.subject}",
                  in_reply_to=target.message_id,
                  references=[*target.references, target.message_id])  # fmt: skip
    me = sorted(mail.me)[0] if mail.me else ""
    data = draft_message(draft, me, mail.me_name).as_bytes(policy=WIRE)
    headers = {"Content-Disposition": f'attachment; filename="reply-{thread.id}.eml"'}
    return Response(data, media_type="message/rfc822", headers=headers)


@api_router.get("/notebooks/{notebook_id}/mail/threads")
def threads_api(request: Request, notebook_id: str, owner: User) -> list[dict[str, Any]]:
    """The notebook's threads, newest first (as `causerie mail threads --json`)."""
    notebook = notebook_by_id(services_of(request).store, owner, notebook_id)
    return [t.to_json() for t in _assistant(request, owner, notebook).threads()]


router.include_router(api_router)
