"""The pages in a real browser: headless Chromium (Debian's, no browser download) driven by
Playwright against a real uvicorn server on 127.0.0.1, the fake model scripted to cite.

Sign in through the login form, create a notebook, add two files (one dropped on the drop zone,
one through the file input), wait for ingestion, ask, watch the answer stream, open a citation
chip's passage (highlighted in its context), stop a generation, switch the language, and check
a phone-sized screen for horizontal overflow. Stop ingestion jobs from the sources page by
keyboard.

Without Chromium or Playwright the test is skipped, unless CAUSERIE_BROWSER_TESTS=required
(CI sets it), which makes that a failure. CAUSERIE_UPDATE_SCREENSHOTS=1 writes the screenshots
to docs/screenshots/ (the README shows them); otherwise they go to the test's temp folder.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from web_helpers import PASSWORD, LiveServer

from causerie.providers.fake import FakeProvider

# Read at import: the autouse fixture in tests/conftest.py clears CAUSERIE_* for each test.
REQUIRED = os.environ.get("CAUSERIE_BROWSER_TESTS", "") == "required"
UPDATE_SCREENSHOTS = os.environ.get("CAUSERIE_UPDATE_SCREENSHOTS", "") == "1"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "src" / "causerie" / "samples"
SCREENSHOTS = ROOT / "docs" / "screenshots"
QUESTION = "When does the library open on Sundays?"
ANSWER = (
    "On Sundays the library opens from **10:00 to 14:00** [1]. Only the ground-floor "
    "reading room and the loan desk are staffed on Sundays [1]."
)
TIMEOUT_MS = 30_000


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"browser test required (CAUSERIE_BROWSER_TESTS=required): {reason}")
    pytest.skip(reason)


@pytest.fixture
def browser() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).exists():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = SCREENSHOTS if UPDATE_SCREENSHOTS else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _no_horizontal_overflow(page: Any) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth, "
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
        " > window.innerWidth + 1 && getComputedStyle(e).position !== 'fixed')"
        ".map(e => e.tagName + '.' + e.className).slice(0, 5)]"
    )
    assert widths[0] <= widths[1], f"horizontal overflow on {page.url}: {widths}"


def test_sign_in_add_sources_ask_and_open_a_cited_passage(
    browser: Any, live_server: LiveServer, fake: FakeProvider, shots: Path
) -> None:
    from playwright.sync_api import expect

    live_server.app.state.accounts.create_user("alice", PASSWORD)
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="en-GB", base_url=live_server.url
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console", lambda m: errors.append(m.text) if m.type == "error" else None
    )  # a CSP violation or a script error shows here
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    # sign in through the form
    page.goto("/")
    expect(page).to_have_url(f"{live_server.url}/login?next=/")
    page.get_by_label("User name").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Notebooks", exact=True)).to_be_visible()

    # a notebook
    page.get_by_label("New notebook").fill("Valmont")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="Valmont")).to_be_visible()
    expect(page.get_by_role("link", name="Sources")).to_have_attribute("aria-current", "page")

    # two files: one dropped on the drop zone, one through the file input
    markdown = (SAMPLES / "valmont-library.md").read_text(encoding="utf-8")
    page.evaluate(
        """(text) => {
            const data = new DataTransfer();
            data.items.add(new File([text], "valmont-library.md", {type: "text/markdown"}));
            const zone = document.getElementById("upload-form");
            for (const type of ["dragenter", "dragover", "drop"]) {
                zone.dispatchEvent(new DragEvent(type, {dataTransfer: data, bubbles: true,
                                                        cancelable: true}));
            }
        }""",
        markdown,
    )
    page.get_by_label("or choose files:").set_input_files(SAMPLES / "lumen-grinder-manual.pdf")
    table = page.locator("#sources-table")
    expect(table.locator(".status.ready")).to_have_count(2)
    expect(table).to_contain_text("Valmont Town Library")
    expect(page.locator(".job .status.done")).to_have_count(2)
    expect(page.locator("#jobs")).not_to_contain_text("null")
    page.screenshot(path=str(shots / "sources.png"), full_page=True)

    # ask: the answer streams as text, then becomes HTML with citation chips
    fake.delay_s = 0.04
    fake.enqueue(ANSWER)
    page.get_by_role("link", name="Chat").click()
    page.get_by_label("Your question").fill(QUESTION)
    page.get_by_role("button", name="Ask").click()
    streaming = page.locator(".msg.assistant .content.streaming")
    expect(streaming).to_be_visible()
    expect(page.get_by_role("button", name="Stop")).to_be_visible()
    expect(streaming).to_contain_text("On Sundays")
    chip = page.locator(".msg.assistant .content button.cite").first
    expect(chip).to_be_visible()
    expect(page.locator(".msg.assistant .content strong")).to_have_text("10:00 to 14:00")
    expect(page.get_by_role("button", name="Stop")).to_be_hidden()
    expect(page.locator("#conversation-list a[aria-current=page]")).to_have_text(QUESTION)
    assert "/chat/" in page.url  # the new conversation's address
    page.screenshot(path=str(shots / "chat-answer.png"))

    # the chip opens the passage in its context, the cited span marked
    chip.click()
    dialog = page.locator("dialog#passage")
    expect(dialog).to_be_visible()
    expect(dialog.locator("mark")).to_contain_text("On Sundays the library opens from 10:00")
    expect(dialog.locator("#passage-locator")).to_contain_text("Sundays")
    expect(dialog.locator("#passage-source")).to_contain_text("Valmont Town Library")
    expect(dialog.locator(".context").first).not_to_be_empty()
    page.screenshot(path=str(shots / "passage.png"))
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(chip).to_be_focused()

    # stop: the fetch is aborted and the server stops the generation
    fake.delay_s = 0.2
    fake.enqueue("Books are lent for 21 days [1]. " * 40)
    page.get_by_label("Your question").fill("How long can I borrow books?")
    page.get_by_label("Your question").press("Enter")
    expect(page.locator(".msg.assistant .content.streaming")).to_contain_text("21 days")
    page.get_by_role("button", name="Stop").click()
    expect(page.locator("#chat-status")).to_have_text("Stopped.")
    expect(page.get_by_role("button", name="Ask")).to_be_enabled()
    deadline = 50
    while fake.closed_early == 0 and deadline:
        page.wait_for_timeout(100)
        deadline -= 1
    assert fake.closed_early == 1, "the generation went on after Stop"

    # the conversation reopens from the list, with its chips
    page.reload()
    expect(page.locator(".msg.user")).to_have_count(2)
    expect(page.locator(".msg.assistant .content button.cite").first).to_be_visible()

    # French, from the switch
    page.get_by_role("link", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_label("Votre question")).to_be_visible()
    conversation_url = page.url
    notebook_path = conversation_url.replace(live_server.url, "").split("/chat/")[0]
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # a new conversation, then delete it from the list (confirming)
    page.once("dialog", lambda dialog: dialog.accept())
    fake.delay_s = 0.0
    fake.enqueue("It is closed on Mondays and on public holidays [1].")
    page.get_by_role("link", name="New conversation").click()
    page.get_by_label("Your question").fill("Is it open on Mondays?")
    page.get_by_role("button", name="Ask").click()
    conversations = page.locator("#conversation-list li")
    expect(conversations).to_have_count(2)
    page.get_by_role("button", name="Delete the conversation Is it open on Mondays?").click()
    expect(page).to_have_url(f"{live_server.url}{notebook_path}/chat")
    expect(conversations).to_have_count(1)

    # delete a source (confirming)
    page.goto(f"{notebook_path}/sources")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete the source Lumen Grinder L40 - Owner's Manual").click()
    expect(page.locator("#sources-table .status.ready")).to_have_count(1)
    expect(page.locator("#sources-status")).to_contain_text("Deleted")
    assert errors == [], errors

    # a phone: no horizontal scrolling, the passage panel fits
    phone = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
        base_url=live_server.url,
    )
    phone.add_cookies(context.cookies())
    mobile = phone.new_page()
    mobile.set_default_timeout(TIMEOUT_MS)
    for path in ("/", f"{notebook_path}/sources", conversation_url):
        mobile.goto(path)
        _no_horizontal_overflow(mobile)
    mobile.locator(".msg.assistant .content button.cite").first.click()
    expect(mobile.locator("dialog#passage mark")).to_be_visible()
    _no_horizontal_overflow(mobile)
    mobile.screenshot(path=str(shots / "phone-passage.png"))
    phone.close()
    context.close()


def test_study_make_and_take_a_quiz_then_review_its_card_by_keyboard(
    browser: Any, live_server: LiveServer, fake: FakeProvider, tmp_path: Path
) -> None:
    """The study assistant's pages (mounted through the registry): no script error, no CSP
    violation, the review driven by keys, no horizontal scrolling on a phone."""
    import json

    from playwright.sync_api import expect

    app = live_server.app
    owner = app.state.accounts.create_user("alice", PASSWORD).owner
    notes = tmp_path / "cells.md"
    notes.write_text("# Cells\n\n## Photosynthesis\n\nPhotosynthesis takes place in the "
                     "chloroplasts. Chlorophyll absorbs sunlight.\n", encoding="utf-8")  # fmt: skip
    notebook = app.state.services.store.ensure_notebook(owner, "Biology")
    app.state.services.ingestor.add_many(owner, notebook, [str(notes)])
    fake.enqueue(json.dumps({"question": "What absorbs sunlight?", "answer": "Chlorophyll",
                             "distractors": ["Glucose", "Water", "Oxygen"],
                             "explanation": "Chlorophyll absorbs sunlight."}))  # fmt: skip
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="en-GB", base_url=live_server.url
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto("/study")
    page.get_by_label("User name").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Biology").click()
    expect(page.get_by_role("link", name="Study", exact=True).last).to_have_attribute(
        "aria-current", "page"
    )

    page.get_by_label("Questions").fill("1")
    page.get_by_label("Kind").select_option("mcq")
    page.get_by_role("button", name="Make the quiz").click()
    expect(page.get_by_text("What absorbs sunlight?")).to_be_visible()
    page.get_by_label("Chlorophyll").check()
    page.get_by_role("button", name="Grade my answers").click()
    expect(page.locator(".study-graded")).to_contain_text("Correct")
    expect(page.locator(".study-passage blockquote")).to_contain_text("Chlorophyll absorbs")
    page.get_by_role("link", name="Results →").click()
    expect(page.locator(".study-score")).to_have_text("Score: 1 of 1")

    page.get_by_role("link", name="Back to the study page").click()
    page.get_by_role("button", name="Turn into flashcards").click()
    expect(page.get_by_text("1 card(s) added.")).to_be_visible()
    page.get_by_role("link", name="Review the due cards").click()
    expect(page.locator("#card-front")).to_have_text("What absorbs sunlight?")
    page.keyboard.press("Space")
    expect(page.locator("#card-back .answer")).to_be_visible()
    page.keyboard.press("3")
    expect(page.get_by_text("No card is due.")).to_be_visible()

    page.get_by_role("link", name="Back to the study page").click()
    chart = page.locator(".study-chart img")
    expect(chart).to_be_visible()
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
    assert errors == [], errors

    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
        locale="en-GB", base_url=live_server.url,
    )  # fmt: skip
    phone.add_cookies(context.cookies())
    mobile = phone.new_page()
    mobile.set_default_timeout(TIMEOUT_MS)
    study = page.url.replace(live_server.url, "")
    for path in (study, f"{study}/review", "/study"):
        mobile.goto(path)
        _no_horizontal_overflow(mobile)
    phone.close()
    context.close()


def test_stop_an_ingestion_job_from_the_sources_page_by_keyboard(
    browser: Any, live_server: LiveServer
) -> None:
    """Two uploads while ingestion is held: the queued job stops at once (Enter on its Stop
    button), the running one says it is stopping, then stopped once its input is done; the
    focus stays on the job; nothing was stored."""
    import threading

    from playwright.sync_api import expect

    from causerie.jobs import JobContext, get_kind, register_kind
    from causerie.jobs.ingestion import FILES

    opened = threading.Event()
    real = get_kind(FILES)
    assert real is not None

    def held(context: JobContext) -> Any:
        opened.wait(30)
        return real.handler(context)

    live_server.app.state.accounts.create_user("alice", PASSWORD)
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="fr-FR", base_url=live_server.url
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    register_kind(FILES, held, real.description)
    try:
        page.goto("/")
        page.locator("input[name=username]").fill("alice")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("input[name=password]").press("Enter")
        page.locator("#new-notebook").fill("Arrêts")
        page.locator("#new-notebook").press("Enter")
        expect(page.get_by_role("heading", name="Arrêts")).to_be_visible()
        page.get_by_role("link", name="Sources", exact=True).click()
        expect(page.locator("#files")).to_be_visible()

        files = page.locator("#files")
        files.set_input_files({"name": "first.md", "mimeType": "text/markdown",
                               "buffer": b"# First\n\nSome text.\n"})  # fmt: skip
        first = page.locator(".job").filter(has_text="first.md")
        expect(first.get_by_role("button", name="Arrêter l'ajout de first.md")).to_be_visible()
        files.set_input_files({"name": "second.md", "mimeType": "text/markdown",
                               "buffer": b"# Second\n\nMore text.\n"})  # fmt: skip
        second = page.locator(".job").filter(has_text="second.md")
        stop_second = second.get_by_role("button", name="Arrêter l'ajout de second.md")
        expect(stop_second).to_be_visible()

        stop_second.focus()
        page.keyboard.press("Enter")
        expect(second.locator(".status.cancelled")).to_have_text("arrêtée")
        expect(second).to_have_attribute("data-state", "cancelled")
        expect(second.get_by_role("button")).to_have_count(0)
        expect(second).to_be_focused()  # the focus stays on the job, not lost to the page
        expect(page.locator("#sources-status")).to_contain_text("Arrêté")

        stop_first = first.get_by_role("button", name="Arrêter l'ajout de first.md")
        stop_first.focus()
        page.keyboard.press("Space")
        expect(first.locator(".status.running")).to_have_text("arrêt en cours")
        opened.set()
        expect(first.locator(".status.cancelled")).to_have_text("arrêtée")
        expect(page.locator("#sources-table .status.ready")).to_have_count(0)
        assert errors == [], errors
    finally:
        opened.set()
        register_kind(FILES, real.handler, real.description)
        context.close()
