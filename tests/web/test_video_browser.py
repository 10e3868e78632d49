"""The video page in a real browser: a recording made here (espeak-ng, then WebM through PyAV)
is uploaded, transcribed by the upload job (the real faster-whisper loader in the sandbox), and
played by the page's HTML5 <video>; the answer's citation chip moves the player to the cited
second. Headless Debian Chromium through Playwright, a real uvicorn server, the fake model
scripted to cite. Saves docs/screenshots/video-player.png with CAUSERIE_UPDATE_SCREENSHOTS=1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_browser import TIMEOUT_MS, browser, shots  # noqa: F401 (fixtures)
from web_helpers import PASSWORD, LiveServer, new_notebook, wait_job

from causerie.config import Settings, load_settings
from causerie.providers.fake import FakeProvider
from causerie.testing import recordings
from causerie.web.limits import WebLimits

SECTIONS = [
    "Good morning. My name is Amelia Corran, and I teach urban ecology.",
    "Now the bees. The rooftop hives produced eleven tons of honey last year.",
]
ANSWER = "The rooftop hives produced eleven tons of honey last year [1]."


@pytest.fixture
def settings(isolated_home: Path, speech_model: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("CAUSERIE_SPEECH_MODEL", str(speech_model))
    return load_settings()


@pytest.fixture
def limits() -> WebLimits:
    return WebLimits(max_body_bytes=64 * 1024, max_upload_bytes=1024 * 1024,
                     max_file_bytes=512 * 1024, chat_burst=100, chat_refill_s=1.0)  # fmt: skip


@pytest.fixture
def lecture(tmp_path: Path) -> bytes:
    if not recordings.espeak_available():
        pytest.fail("espeak-ng is required for the video page test (apt-get install espeak-ng)")
    wav = tmp_path / "lecture.wav"
    recordings.speak_sections(SECTIONS, "en-us", wav)
    return recordings.to_video(wav, tmp_path / "lecture.webm").read_bytes()


def test_a_citation_chip_moves_the_player_to_the_cited_second(
    browser: Any,  # noqa: F811
    live_server: LiveServer,
    make_actor: Any,
    fake: FakeProvider,
    lecture: bytes,
    shots: Path,  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    alice = make_actor("alice")
    notebook_id = new_notebook(alice, "Talks")
    response = alice.api("POST", f"/api/notebooks/{notebook_id}/sources",
                         files=[("files", ("lecture.webm", lecture, "video/webm"))])  # fmt: skip
    assert response.status_code == 202, response.text
    job = wait_job(alice, response.json()["id"], timeout_s=180)  # transcribed in the sandbox
    assert job["items"][0]["status"] == "added", job
    assert (
        job["items"][0]["total_s"] > 5 and job["items"][0]["done_s"] == job["items"][0]["total_s"]
    )

    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="en-GB",
                                  base_url=live_server.url)  # fmt: skip
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto("/login")
    page.get_by_label("User name").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Notebooks", exact=True)).to_be_visible()

    page.goto(f"/notebooks/{notebook_id}/video")
    page.get_by_role("link", name="lecture").click()
    player = page.locator("video#player")
    expect(player).to_be_visible()
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    assert page.evaluate("document.getElementById('player').duration") > 5

    fake.enqueue(ANSWER)
    page.get_by_role("textbox", name="Ask about this recording").fill(
        "How much honey did the rooftop hives produce?"
    )
    page.get_by_role("button", name="Ask", exact=True).click()
    chip = page.locator(".video-answer [data-seek]").first
    expect(chip).to_be_visible()
    seek = float(chip.get_attribute("data-seek") or "nan")
    label = chip.inner_text()
    assert label.startswith("[0:") and "–" in label
    away = 0.0 if seek > 3 else 5.0  # move the player away from the cited second first
    page.evaluate(f"document.getElementById('player').currentTime = {away}")
    page.wait_for_function(f"document.getElementById('player').currentTime === {away}")
    chip.click()
    page.wait_for_function(
        f"Math.abs(document.getElementById('player').currentTime - {seek}) < 1.5"
    )
    at = page.evaluate("document.getElementById('player').currentTime")
    assert abs(at - seek) < 1.5
    page.evaluate("document.getElementById('player').pause()")
    page.screenshot(path=str(shots / "video-player.png"), full_page=True)
    assert not errors, errors
