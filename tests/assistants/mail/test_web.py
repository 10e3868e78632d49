"""The mail pages through the real app (mounted by the registry), a real SQLite data folder,
users signed in through the real login form and the scripted fake model: the thread list with
statuses, a thread's summary with cited messages and action items, a draft edited and saved as
.eml, CSRF, and two users who cannot reach each other's mail."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from email import message_from_bytes, policy
from html import unescape
from pathlib import Path

import pytest
from fastapi import FastAPI

from causerie.assistants.mail.ingest import add_messages
from causerie.assistants.mail.mailboxes import read_mailboxes
from causerie.assistants.mail.store import MailBox
from causerie.backends import open_records
from causerie.config import Settings
from causerie.providers.fake import FakeProvider
from causerie.testing.mail_samples import ME, message_id
from causerie.web.app import close_app, create_app

from ..study_web_helpers import Browser, fast_password_hashing, sign_in

__all__ = ["fast_password_hashing"]  # an autouse fixture, used by being imported here

SUMMARY = json.dumps({
    "summary": [{"text": "Paul demande les maquettes de la page d'accueil.", "source": 1}],
    "action_items": [{"text": "Livrer les maquettes", "owner": "me", "due": "2026-03-13",
                      "source": 3}],
    "deadlines": [{"what": "Fichiers du logo", "date": "2026-03-18", "source": 4}],
})  # fmt: skip


@pytest.fixture
def fake() -> FakeProvider:
    return FakeProvider(strict=True)


@pytest.fixture
def app(settings: Settings, fake: FakeProvider) -> Iterator[FastAPI]:
    served = settings.model_copy(
        update={"allowed_hosts": [*settings.allowed_hosts, "testserver"], "mail_me": ME}
    )
    application = create_app(served, provider_factory=lambda: fake)
    yield application
    close_app(application)


def fill(app: FastAPI, owner_name: str, mbox: Path) -> str:
    """The fictional mailbox in the user's notebook 'mail'; the notebook's id."""
    services = app.state.services
    owner = app.state.accounts.get_user(owner_name).owner
    notebook = services.store.ensure_notebook(owner, "mail")
    records = open_records(services.settings)
    try:
        box = MailBox(records, owner, notebook.id)
        result = add_messages(services.ingestor, box, notebook, read_mailboxes([str(mbox)], print))
        assert result.added == 31
    finally:
        records.close()
    return str(notebook.id)


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture
def alice(app: FastAPI, mbox: Path) -> Iterator[tuple[Browser, str]]:
    browser = sign_in(app, "alice")
    yield browser, fill(app, "alice", mbox)
    browser.client.close()


def _thread_id(browser: Browser, notebook_id: str, first: str) -> str:
    listed = browser.get(f"/api/notebooks/{notebook_id}/mail/threads").json()
    return next(t["id"] for t in listed if t["message_ids"][0] == message_id(first))


def test_thread_list_summary_draft_and_eml(alice: tuple[Browser, str], fake: FakeProvider) -> None:
    browser, notebook_id = alice
    base = f"/notebooks/{notebook_id}/mail"
    listing = browser.get(base)
    assert listing.status_code == 200
    text = text_of(listing.text)
    assert "Maquettes du site de la boulangerie needs a reply from me" in text
    assert "Facture 2026-009 waiting on others" in text and "newsletter" in text
    thread = _thread_id(browser, notebook_id, "A1")
    page = browser.get(f"{base}/threads/{thread}")
    assert "Pouvez-vous nous envoyer les maquettes" in unescape(page.text)
    assert "a écrit" not in unescape(page.text)  # quoted replies are not shown twice

    fake.enqueue(SUMMARY)
    summarised = browser.post(f"{base}/threads/{thread}/summary")
    assert summarised.status_code == 200, summarised.text
    shown = text_of(summarised.text)
    assert "Paul demande les maquettes de la page d'accueil. [1]" in shown
    assert "Livrer les maquettes — due 2026-03-13 [3]" in shown
    assert "2026-03-18 Fichiers du logo [4]" in shown
    assert 'href="#m-3"' in summarised.text and 'id="m-3"' in summarised.text

    fake.enqueue(json.dumps({"body": "Je vous envoie les fichiers du logo d'ici le 18 mars."}))
    drafted = browser.post(f"{base}/threads/{thread}/draft", {"instructions": "Confirmer."})
    assert drafted.status_code == 200, drafted.text
    editor = re.search(r'<textarea id="draft-text"[^>]*>(.*?)</textarea>', drafted.text, re.S)
    assert editor is not None
    assert unescape(editor.group(1)).startswith("Bonjour Paul,\n\nJe vous envoie les fichiers")
    assert "Confirmer." in drafted.text  # the instructions stay in their field

    edited = "Bonjour Paul,\n\nC'est noté pour le 18 mars.\n\nBien à vous,\nClaire"
    eml = browser.post(f"{base}/threads/{thread}/eml", {"text": edited})
    assert eml.status_code == 200
    assert eml.headers["content-type"].startswith("message/rfc822")
    assert f'filename="reply-{thread}.eml"' in eml.headers["content-disposition"]
    saved = message_from_bytes(eml.content, policy=policy.default)
    assert saved["In-Reply-To"] == message_id("A4") and saved["From"].endswith(f"<{ME}>")
    assert saved.get_body().get_content().replace("\r\n", "\n").strip() == edited


def test_a_post_without_its_csrf_token_is_refused(alice: tuple[Browser, str]) -> None:
    browser, notebook_id = alice
    thread = _thread_id(browser, notebook_id, "A1")
    refused = browser.client.post(f"/notebooks/{notebook_id}/mail/threads/{thread}/summary",
                                  data={}, follow_redirects=False)  # fmt: skip
    assert refused.status_code == 403


def test_another_user_cannot_reach_the_mail(
    app: FastAPI, alice: tuple[Browser, str], mbox: Path
) -> None:
    browser, notebook_id = alice
    thread = _thread_id(browser, notebook_id, "A1")
    bob = sign_in(app, "bob")
    try:
        assert bob.get(f"/notebooks/{notebook_id}/mail").status_code == 404
        assert bob.get(f"/notebooks/{notebook_id}/mail/threads/{thread}").status_code == 404
        assert bob.post(f"/notebooks/{notebook_id}/mail/threads/{thread}/eml",
                        {"text": "x"}).status_code == 404  # fmt: skip
        assert bob.get(f"/api/notebooks/{notebook_id}/mail/threads").status_code == 404
        own = fill(app, "bob", mbox)
        assert bob.get(f"/notebooks/{own}/mail/threads/unknown").status_code == 404
    finally:
        bob.client.close()
