"""Times as people read them: citations' ranges, YouTube chapter stamps, YouTube links."""

from __future__ import annotations

from causerie.assistants.video.exports import youtube_chapters
from causerie.assistants.video.transcript import youtube_link
from causerie.types import Locator, clock


def test_time_ranges_read_as_minutes_and_seconds() -> None:
    assert Locator(start_s=751.4, end_s=778.9).time_range() == "12:31–12:58"
    assert Locator(start_s=3729.0, end_s=3735.0).time_range() == "1:02:09–1:02:15"
    assert Locator(page=3).time_range() is None
    assert clock(5.99) == "0:05"


def test_youtube_chapters_start_at_zero() -> None:
    block = youtube_chapters([{"title": "Intro", "start_s": 1.5},
                              {"title": "Brakes", "start_s": 161.2},
                              {"title": "Late", "start_s": 3725.0}])  # fmt: skip
    assert block == "00:00 Intro\n02:41 Brakes\n1:02:05 Late\n"


def test_youtube_links_keep_the_second() -> None:
    assert youtube_link("https://www.youtube.com/watch?v=abc123XYZ_-&list=x", 75.9) == (
        "https://youtu.be/abc123XYZ_-?t=75"
    )
    assert youtube_link("https://youtu.be/abc123XYZ_-") == "https://youtu.be/abc123XYZ_-"
    assert youtube_link("lecture.mp4", 3.0) is None
