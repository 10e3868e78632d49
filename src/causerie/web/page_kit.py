"""What every server-rendered page needs, for the app's pages (causerie.web.pages) and the
assistants' (e.g. causerie.assistants.study.web):

    owner = auth.page_user(request)
    if owner is None:
        return login_redirect(request)              # 303 to /login?next=<this page>
    form = await checked_form(request)               # the text fields, or a 403 page (CSRF)
    if isinstance(form, Response):
        return form
    return render(request, "study/home.html", notebooks=...)   # no-store, script messages
    return not_found(request)                        # the 404 page (unknown or foreign id)

`render` hands the page scripts their translated messages (SCRIPT_MESSAGES) in a JSON data
block, so no inline script runs under the CSP.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from causerie.web import auth, i18n
from causerie.web.errors import ApiError
from causerie.web.templating import templates

# Messages the page scripts need, handed over in a JSON data block (no inline script runs).
SCRIPT_MESSAGES = (
    "chat.searching",
    "chat.writing",
    "chat.no_passages",
    "chat.failed",
    "chat.stopped",
    "chat.interrupted",
    "chat.abstained",
    "chat.cite_label",
    "chat.sources_used",
    "chat.delete_conversation",
    "chat.confirm_delete",
    "chat.deleted",
    "chat.context_failed",
    "sources.uploading",
    "sources.upload_failed",
    "sources.job_progress",
    "sources.job_embedding",
    "sources.job_done",
    "sources.job_errors",
    "sources.job_stopping",
    "sources.job_cancelled",
    "sources.stop",
    "sources.stop_named",
    "sources.confirm_delete",
    "sources.deleted",
    "sources.url_added",
    "status.queued",
    "status.indexing",
    "status.transcribing",
    "status.embedding",
    "status.added",
    "status.updated",
    "status.unchanged",
    "status.error",
    "status.ready",
    "status.stopping",
    "status.cancelled",
    "error.signed_out",
)


def login_redirect(request: Request) -> RedirectResponse:
    """To the sign-in page, coming back to this page (path and query) afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)


def translate(request: Request, key: str, **values: object) -> str:
    """The message `key` in the request's language."""
    return i18n.translate(key, i18n.request_language(request), **values)


def script_messages(request: Request) -> dict[str, str]:
    """SCRIPT_MESSAGES in the request's language (the page's JSON data block)."""
    language = i18n.request_language(request)
    return {key: i18n.translate(key, language) for key in SCRIPT_MESSAGES}


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """The template `name` (an assistant's as "NAME/file.html"), never cached."""
    context.setdefault("page_messages", script_messages(request))
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


def not_found(request: Request) -> HTMLResponse:
    """The 404 page: what an unknown id, and another user's, both get."""
    return render(request, "not_found.html", status_code=404)


async def checked_form(request: Request) -> dict[str, str] | HTMLResponse:
    """The form's text fields, or an error page (403) when its CSRF token is missing or
    wrong."""
    try:
        await auth.verify_csrf(request)
    except ApiError:
        return render(request, "message.html", status_code=403,
                      message=translate(request, "error.csrf"))  # fmt: skip
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


__all__ = [
    "SCRIPT_MESSAGES",
    "checked_form",
    "login_redirect",
    "not_found",
    "render",
    "script_messages",
    "translate",
]
