"""The mail pages in a real browser (Debian's Chromium through Playwright, a real uvicorn
server, the fake model scripted): sign in, open the threads, a thread, summarise it (cited
messages, action items with their due days), draft a reply, edit it, copy it and save it as
.eml. Writes docs/screenshots/mail-thread.png with CAUSERIE_UPDATE_SCREENSHOTS=1. Skipped
without Chromium, unless CAUSERIE_BROWSER_TESTS=required (CI)."""

from __future__ import annotations

import json
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from test_browser import TIMEOUT_MS, _no_horizontal_overflow, browser, shots
from web_helpers import PASSWORD, LiveServer

from causerie.assistants.mail.ingest import add_messages
from causerie.assistants.mail.mailboxes import read_mailboxes
from causerie.assistants.mail.store import MailBox
from causerie.backends import open_records
from causerie.providers.fake import FakeProvider
from causerie.testing.mail_samples import ME, fictional_mailbox, write_mbox

__all__ = ["browser", "shots"]  # fixtures, used by being imported here

SUMMARY = {
    "summary": [
        {"text": "Paul demande les maquettes de la page d'accueil.", "source": 1},
        {"text": "Claire propose de livrer les maquettes le 13 mars.", "source": 2},
        {"text": "Paul accepte le 13 mars et demande une version mobile.", "source": 3},
    ],
    "action_items": [
        {"text": "Livrer les maquettes et leur version mobile", "owner": "me",
         "due": "2026-03-13", "source": 3},
        {"text": "Envoyer les fichiers du logo", "owner": "me", "due": "2026-03-18",
         "source": 4},
    ],
    "deadlines": [{"what": "Fichiers du logo pour l'imprimeur", "date": "2026-03-18",
                   "source": 4}],
}  # fmt: skip
BODY = "Je vous envoie les fichiers du logo d'ici le 18 mars, et les maquettes le 13 mars."


def test_threads_summary_and_draft_in_a_browser(
    browser: Any, live_server: LiveServer, fake: FakeProvider, shots: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    app = live_server.app
    services = app.state.services
    services.settings.mail_me = ME
    app.state.accounts.create_user("claire", PASSWORD)
    owner = app.state.accounts.get_user("claire").owner
    notebook = services.store.ensure_notebook(owner, "Courriel")
    records = open_records(services.settings)
    try:
        mbox = write_mbox(fictional_mailbox(), tmp_path / "inbox.mbox")
        box = MailBox(records, owner, notebook.id)
        add_messages(services.ingestor, box, notebook, read_mailboxes([str(mbox)], print))
    finally:
        records.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR",
                                  base_url=live_server.url, accept_downloads=True)  # fmt: skip
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto("/login")
    page.locator("input[name=username]").fill("claire")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"/notebooks/{notebook.id}/mail")
    row = page.locator(".mail-thread", has_text="Maquettes du site de la boulangerie")
    expect(row.locator(".mail-status")).to_have_text("attend ma réponse")
    expect(page.locator(".mail-thread", has_text="Facture 2026-009")).to_contain_text(
        "en attente des autres"
    )
    row.locator("a").click()

    fake.enqueue(json.dumps(SUMMARY, ensure_ascii=False))
    page.get_by_role("button", name="Résumer").click()
    items = page.locator(".mail-items").first
    expect(items).to_contain_text("Livrer les maquettes et leur version mobile")
    expect(items).to_contain_text("pour le 2026-03-13")
    page.locator(".mail-summary a.cite", has_text="[3]").first.click()
    expect(page).to_have_url(f"{page.url.split('#')[0].split('?')[0]}#m-3")

    fake.enqueue(json.dumps({"body": BODY}, ensure_ascii=False))
    page.get_by_label("Ce que la réponse doit dire (facultatif)").fill("Confirmer les dates.")
    page.get_by_role("button", name="Rédiger une réponse").click()
    editor = page.locator("#draft-text")
    expect(editor).to_have_value(f"Bonjour Paul,\n\n{BODY}\n\nBien à vous,\nClaire")
    editor.fill(f"Bonjour Paul,\n\n{BODY}\n\nBelle journée,\nClaire")
    page.get_by_role("button", name="Copier").click()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.endswith("Belle journée,\nClaire")
    page.screenshot(path=str(shots / "mail-thread.png"), full_page=True)
    _no_horizontal_overflow(page)

    with page.expect_download() as waiting:
        page.get_by_role("button", name="Enregistrer le brouillon (.eml)").click()
    saved = message_from_bytes(Path(waiting.value.path()).read_bytes(), policy=policy.default)
    assert saved["Subject"] == "Re: Maquettes du site de la boulangerie"
    assert (
        saved.get_body()
        .get_content()
        .replace("\r\n", "\n")
        .strip()
        .endswith("Belle journée,\nClaire")
    )
    assert errors == []
    context.close()
