"""The repurpose page in a real browser (Debian's Chromium through Playwright, a real uvicorn
server, the fake model scripted to write faithful claims): pick a source and formats, follow
the job, see each draft with its length gauge, click a sentence and see the passage it rests
on beside the drafts, copy a post, export Markdown; no script error, no horizontal overflow on
a phone.

Skipped without Chromium or Playwright unless CAUSERIE_BROWSER_TESTS=required (CI). With
CAUSERIE_UPDATE_SCREENSHOTS=1 the screenshot goes to docs/screenshots/repurpose-passage.png.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from test_browser import TIMEOUT_MS, _no_horizontal_overflow, browser, shots
from web_helpers import PASSWORD, LiveServer

from causerie.assistants.kit.support import sentences
from causerie.assistants.repurpose.pipeline import gather
from causerie.providers.fake import FakeProvider

__all__ = ["browser", "shots"]  # fixtures, used by being imported here

PIECE = """# The Valmont insulation survey

## What the survey measured

The survey covered 1,200 households between March 2024 and July 2024. Each home received two
thermometers and a meter reader, and volunteers from the local energy cooperative collected
the results every fortnight. Homes that had not been insulated served as the comparison group.

## What changed

Heating costs fell by 12% in insulated homes, while they rose by 3% in the comparison group.
Indoor temperatures rose by only 0.8 degrees on average, which suggests that most households
kept their habits and pocketed the savings. "We were surprised by the demand," said Ada Martin,
who led the survey for the council. Within six weeks, 450 more households asked to join.

## What comes next

The council will insulate another 500 homes in 2025, starting with the buildings where the
measured losses were highest. The full results will be published in the town bulletin in
September 2025, together with the list of streets in the next round of works.
"""


def _claims(text: str) -> str:
    return json.dumps({"sentences": [s for s in sentences(text) if len(s) < 200][:2]})


def test_pick_formats_and_see_the_passage_behind_a_sentence(
    browser: Any, live_server: LiveServer, fake: FakeProvider, shots: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    app = live_server.app
    app.state.accounts.create_user("alice", PASSWORD)
    owner = app.state.accounts.get_user("alice").owner
    services = app.state.services
    book = services.store.ensure_notebook(owner, "Essays")
    piece = tmp_path / "insulation.md"
    piece.write_text(PIECE, encoding="utf-8")
    services.ingestor.add_many(owner, book, [str(piece)])
    material = gather(services.store, owner, book, ["insulation.md"])
    claims = []
    for hit in material.passages:
        fake.enqueue(_claims(hit.chunk.text))
        claims += json.loads(_claims(hit.chunk.text))["sentences"]
    point = 1 + next(i for i, c in enumerate(claims) if "12%" in c)
    hook = json.dumps({"text": "Heating costs fell by 12% in insulated homes.", "point": point})
    fake.enqueue(hook, hook)  # x-thread, linkedin

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB",
                                  base_url=live_server.url)  # fmt: skip
    context.set_default_timeout(TIMEOUT_MS)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    page.goto("/login?next=/repurpose")
    page.get_by_label("User name").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Essays").click()
    expect(page.get_by_role("link", name="Repurpose").last).to_have_attribute(
        "aria-current", "page")  # fmt: skip

    expect(page.get_by_label("insulation.md")).to_be_checked()
    for label in ("Newsletter section", "Blog outline", "Short-video script"):
        page.get_by_label(label).uncheck()
    expect(page.get_by_label("X thread")).to_be_checked()
    expect(page.get_by_label("LinkedIn post")).to_be_checked()
    page.get_by_role("button", name="Write the drafts").click()
    page.wait_for_url("**/repurpose/runs/*")

    thread = page.locator("#draft-x-thread")
    expect(thread.locator("meter")).to_have_attribute("max", "280")
    expect(thread.locator(".rp-gauge")).to_contain_text("within the limit")
    expect(page.locator("#draft-linkedin meter")).to_have_attribute("max", "3000")
    first = thread.locator(".rp-sentence").first
    expect(first).to_have_text("Heating costs fell by 12% in insulated homes.")

    # a sentence's passage, shown beside the drafts
    aside = page.locator("#rp-passage")
    expect(aside).to_be_hidden()
    thread.locator(".rp-sentence", has_text="1,200 households").first.click()
    expect(aside).to_be_visible()
    expect(aside.locator(".rp-said")).to_contain_text("The survey covered 1,200 households")
    expect(aside.locator(".rp-passage-text")).to_contain_text("Each home received two")
    expect(aside.locator(".rp-passage-text mark")).to_have_text(
        "The survey covered 1,200 households between March 2024 and July 2024.")  # fmt: skip
    expect(aside.locator(".rp-where")).to_contain_text("insulation.md")
    expect(thread.locator(".rp-sentence[aria-current]")).to_contain_text("1,200 households")
    page.screenshot(path=str(shots / "repurpose-passage.png"))

    # copy the first post; the Markdown export
    thread.get_by_role("button", name="Copy post 1").click()
    expect(thread.locator(".rp-copied").first).to_have_text("Copied.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("1/") and "Heating costs fell by 12%" in copied
    with page.expect_download() as download:
        page.get_by_role("link", name="Export as Markdown").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert "## x-thread" in exported and "## linkedin" in exported

    page.set_viewport_size({"width": 390, "height": 844})
    _no_horizontal_overflow(page)
    assert errors == [], errors
    context.close()
