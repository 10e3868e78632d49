"""The shared Jinja2 environment: `templates.TemplateResponse(request, "page.html", {...})`.

Every template gets, from the request:
    t(key, **values)  the message in the request's language (causerie.web.i18n)
    lang              "en" or "fr", for <html lang>
    user              the signed-in user name, or None
    csrf_token        the token forms must send back (field `csrf_token`)
    assistants        the registered assistants (causerie.assistants.registry): the site
                      navigation links their `home`, the notebook pages their `notebook_tab`
Autoescaping is on for .html templates. An assistant's own templates load as "NAME/<file>"
(`add_template_folder`), and may extend "base.html".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from jinja2 import BaseLoader, ChoiceLoader, FileSystemLoader, PrefixLoader
from starlette.requests import Request

from causerie.web import auth, i18n

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


def request_context(request: Request) -> dict[str, Any]:
    language = i18n.request_language(request)
    session = auth.web_session(request)

    def t(key: str, **values: object) -> str:
        return i18n.translate(key, language, **values)

    return {
        "t": t,
        "lang": language,
        "other_lang": next(code for code in i18n.LANGUAGES if code != language),
        "user": session.user.name if session else None,
        "csrf_token": auth.csrf_token(request),
        "assistants": list(getattr(request.app.state, "assistants", ())),
    }


templates = Jinja2Templates(directory=str(TEMPLATE_DIR), context_processors=[request_context])
_assistant_folders: dict[str, BaseLoader] = {}
templates.env.loader = ChoiceLoader(
    [FileSystemLoader(str(TEMPLATE_DIR)), PrefixLoader(_assistant_folders)]
)


def add_template_folder(prefix: str, folder: Path) -> None:
    """Serve `folder`'s templates as "PREFIX/<file>" (an assistant's own templates)."""
    _assistant_folders[prefix] = FileSystemLoader(str(folder))
