"""The video pages over HTTP (TestClient, real SQLite, the fake model scripted): a subtitle
file uploaded through the API is listed on the Video tab; its page shows the timed transcript
with chips; "Find the chapters" (a CSRF-checked form) makes and keeps them; the transcript
downloads as SRT; another user gets 404."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import srt
from web_helpers import new_notebook, upload

from causerie.providers.fake import FakeProvider

TALK = Path(__file__).parents[1] / "assistants" / "video" / "material" / "talk_en.srt"


def test_video_tab_chapters_and_transcript(make_actor: Any, fake: FakeProvider) -> None:
    alice, bob = make_actor("alice"), make_actor("bob")
    notebook = new_notebook(alice, "Talks")
    job = upload(alice, notebook, ("talk_en.srt", TALK.read_bytes()))
    source = job["items"][0]["source_id"]
    listing = alice.browser.get(f"/notebooks/{notebook}/video")
    assert listing.status_code == 200 and "talk_en" in listing.text
    page = alice.browser.get(f"/notebooks/{notebook}/video/{source}")
    assert page.status_code == 200
    assert 'data-seek="21.0"' in page.text and "brakes" in page.text  # a transcript line's chip

    for _ in range(6):
        fake.enqueue(json.dumps({"title": "Brakes and chains",
                                 "summary": "Replace worn brake pads, then tighten the "
                                            "cable [1]."}))  # fmt: skip
    refused = alice.browser.post(f"/notebooks/{notebook}/video/{source}/chapters",
                                 data={"csrf_token": "wrong"}, follow_redirects=False)  # fmt: skip
    assert refused.status_code == 403
    made = alice.browser.post(f"/notebooks/{notebook}/video/{source}/chapters",
                              data={"csrf_token": alice.csrf}, follow_redirects=False)  # fmt: skip
    assert made.status_code == 303
    page = alice.browser.get(f"/notebooks/{notebook}/video/{source}")
    assert "Brakes and chains" in page.text

    download = alice.browser.get(f"/notebooks/{notebook}/video/{source}/transcript?format=srt")
    assert download.status_code == 200
    assert download.headers["content-disposition"] == 'attachment; filename="talk_en.srt"'
    cues = list(srt.parse(download.text))
    assert len(cues) == 19 and cues[3].content.startswith("Let's start with the brakes")

    for path in ("", "/transcript?format=srt", "/media"):
        assert bob.browser.get(f"/notebooks/{notebook}/video/{source}{path}").status_code == 404
