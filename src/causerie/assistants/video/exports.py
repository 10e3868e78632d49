"""Exports: a transcript as SRT, WebVTT or text; chapters as a YouTube description block; a
summary as Markdown.

    srt_text(transcript.cues)        vtt_text(...)        plain_text(...)
    youtube_chapters(chapters)       # "00:00 Introduction\\n02:41 Managing the hives\\n..."
    summary_markdown(title, summary, citations)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from causerie.assistants.video.transcript import Cue
from causerie.types import Citation, clock

FORMATS = ("srt", "vtt", "txt")
PARAGRAPH_PAUSE_S = 2.0  # text export: a pause this long starts a new paragraph


def srt_text(cues: Sequence[Cue]) -> str:
    import srt

    return str(
        srt.compose(
            srt.Subtitle(i, timedelta(seconds=c.start_s), timedelta(seconds=c.end_s), c.text)
            for i, c in enumerate(cues, 1)
        )
    )


def _vtt_time(seconds: float) -> str:
    millis = round(seconds * 1000)
    h, rest = divmod(millis, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def vtt_text(cues: Sequence[Cue]) -> str:
    from webvtt import Caption, WebVTT

    captions = [Caption(_vtt_time(c.start_s), _vtt_time(c.end_s), c.text) for c in cues]
    return str(WebVTT(captions=captions).content)


def plain_text(cues: Sequence[Cue]) -> str:
    """Paragraphs split at pauses, each opened by its time: '[2:41] Let us turn to ...'."""
    paragraphs: list[list[Cue]] = []
    for cue in cues:
        if not paragraphs or cue.start_s - paragraphs[-1][-1].end_s >= PARAGRAPH_PAUSE_S:
            paragraphs.append([])
        paragraphs[-1].append(cue)
    return (
        "\n\n".join(f"[{clock(p[0].start_s)}] " + " ".join(c.text for c in p) for p in paragraphs)
        + "\n"
    )


def export(cues: Sequence[Cue], form: str) -> str:
    if form == "srt":
        return srt_text(cues)
    if form == "vtt":
        return vtt_text(cues)
    if form == "txt":
        return plain_text(cues)
    raise ValueError(f"unknown transcript format {form!r} (one of {', '.join(FORMATS)})")


def youtube_time(seconds: float) -> str:
    """YouTube's chapter stamps: '00:00', '02:41', '1:02:09'."""
    total = max(0, int(seconds))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def youtube_chapters(chapters: Sequence[Mapping[str, Any]]) -> str:
    """'00:00 Title' lines, the first at 00:00, as YouTube reads them from a description."""
    lines = []
    for index, chapter in enumerate(chapters):
        start = 0.0 if index == 0 else float(chapter["start_s"])
        lines.append(f"{youtube_time(start)} {chapter['title']}")
    return "\n".join(lines) + "\n"


def summary_markdown(
    title: str, summary: str, citations: Sequence[Citation], heading: str = "Sources"
) -> str:
    """The summary with its [n] markers, then one line per cited passage and its time range."""
    lines = [f"# {title}", "", summary.strip(), "", f"## {heading}", ""]
    for cited in citations:
        when = cited.locator.time_range() or cited.locator.label()
        snippet = " ".join(cited.text.split())
        snippet = snippet if len(snippet) <= 200 else snippet[:197] + "..."
        lines.append(f"- [{cited.marker}] {when} — {snippet}")
    return "\n".join(lines) + "\n"
