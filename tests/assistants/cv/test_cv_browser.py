"""The CV page in a real browser: headless Chromium (Debian's) driven by Playwright against a
real uvicorn server on 127.0.0.1, the scripted model rewording one line and inventing in
another. Upload a CV and a posting, read the score breakdown and the gaps, tailor the CV, see
the diff and the refused invention, download the DOCX.

Skipped without Chromium or Playwright unless CAUSERIE_BROWSER_TESTS=required (CI). With
CAUSERIE_UPDATE_SCREENSHOTS=1 the screenshots go to docs/screenshots/ (cv-score.png,
cv-tailored.png); otherwise to the test's temp folder.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from causerie.config import Settings
from causerie.providers.fake import FakeProvider
from causerie.web.app import close_app, create_app

from ..study_web_helpers import PASSWORD, fast_password_hashing
from .conftest import CV_EN, FAITHFUL_LINE_5, INVENTED_LINE_5, JOB_EN

__all__ = ["fast_password_hashing"]

REQUIRED = os.environ.get("CAUSERIE_BROWSER_TESTS", "") == "required"
UPDATE_SCREENSHOTS = os.environ.get("CAUSERIE_UPDATE_SCREENSHOTS", "") == "1"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[3]
TIMEOUT_MS = 30_000


@pytest.fixture
def fake() -> FakeProvider:
    return FakeProvider()


@pytest.fixture
def live(settings: Settings, fake: FakeProvider) -> Iterator[tuple[str, FastAPI]]:
    import uvicorn

    app = create_app(settings, provider_factory=lambda: fake)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none",
                            lifespan="off")  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}", app
    server.should_exit = True
    thread.join(timeout=15)
    close_app(app)


@pytest.fixture
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if REQUIRED:
            pytest.fail("browser test required: playwright is not installed")
        pytest.skip("playwright is not installed")
    if not Path(CHROMIUM).exists():
        if REQUIRED:
            pytest.fail(f"browser test required: no Chromium at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=["--no-sandbox", "--disable-gpu",
                                                    "--disable-dev-shm-usage"])  # fmt: skip
        try:
            yield launched
        finally:
            launched.close()


def test_upload_score_tailor_and_download(
    browser: Any, live: tuple[str, FastAPI], fake: FakeProvider, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    url, app = live
    shots = ROOT / "docs" / "screenshots" if UPDATE_SCREENSHOTS else tmp_path
    app.state.accounts.create_user("claire", PASSWORD)
    cv = tmp_path / "claire-martin.md"
    cv.write_text(CV_EN, encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB",
                                  base_url=url, accept_downloads=True)  # fmt: skip
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto("/cv")
    page.get_by_label("User name").fill("claire")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="CV and job posting")).to_be_visible()
    page.get_by_label("Your CV (PDF, DOCX, Markdown or text)").set_input_files(cv)
    page.get_by_label("or paste its text").fill(JOB_EN)
    page.get_by_role("button", name="Score the match").click()

    expect(page.get_by_role("heading", name="Match score: 89 / 100")).to_be_visible()
    row = page.locator("tr", has_text="dimensional modelling")
    expect(row).to_contain_text("Designed a star schema for the sales data warehouse")
    expect(page.locator(".cv-gaps")).to_contain_text("close to Kubernetes")
    page.screenshot(path=str(shots / "cv-score.png"), full_page=True)

    fake.enqueue(json.dumps({"text": INVENTED_LINE_5}), json.dumps({"text": FAITHFUL_LINE_5}))
    page.get_by_role("button", name="Tailor my CV").click()
    expect(page.get_by_role("heading", name="Tailored CV")).to_be_visible()
    expect(page.locator(".cv-diff .add").first).to_be_visible()
    expect(page.locator(".cv-rejected")).to_contain_text("Led a team of 5")
    page.locator("#tailored").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "cv-tailored.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="DOCX").click()
    saved = tmp_path / "tailored.docx"
    download.value.save_as(saved)
    from docx import Document

    texts = [p.text for p in Document(str(saved)).paragraphs]
    assert "Built 40 batch data pipelines on PostgreSQL with Apache Airflow and dbt" in texts
    assert errors == []
