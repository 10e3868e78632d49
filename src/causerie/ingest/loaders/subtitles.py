"""Subtitles (.srt via `srt`, .vtt via `webvtt-py`): one section per cue, timed in seconds.

A WebVTT voice tag (`<v Claire>Bonjour</v>`) becomes a speaker label at the start of the cue
("Claire: Bonjour") whenever the speaker changes, so "who said..." finds it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from causerie.errors import LoaderError
from causerie.ingest.limits import Limits
from causerie.ingest.loaders.base import LoaderSpec, collapse_spaces, decode_text, title_from_name
from causerie.types import Document, Section, content_hash

SRT_MEDIA_TYPE = "application/x-subrip"
VTT_MEDIA_TYPE = "text/vtt"

_MARKUP = re.compile(r"<[^>]*>|\{\\[^}]*\}")  # HTML-like tags and ASS overrides like {\an8}


def cue_text(raw: str) -> str:
    """A cue's spoken text on one line: styling tags removed, line breaks joined."""
    return collapse_spaces(_MARKUP.sub("", raw))


def _sections(cues: Iterable[tuple[float, float, str, str | None]]) -> tuple[Section, ...]:
    sections = []
    speaker: str | None = None
    for start, end, raw, voice in cues:
        text = cue_text(raw)
        if not text:
            continue
        voice = cue_text(voice or "") or None
        if voice and voice != speaker:
            text = f"{voice}: {text}"
        speaker = voice or speaker
        sections.append(Section(text=text, start_s=start, end_s=end))
    return tuple(sections)


def _document(data: bytes, name: str, media_type: str, sections: tuple[Section, ...]) -> Document:
    return Document(
        uri=name,
        title=title_from_name(name),
        media_type=media_type,
        sections=sections,
        content_hash=content_hash(data),
    )


def load_srt(data: bytes, name: str, limits: Limits) -> Document:
    import srt

    text = decode_text(data, name)
    try:
        cues = [
            (sub.start.total_seconds(), sub.end.total_seconds(), sub.content, None)
            for sub in srt.parse(text)
        ]
    except (srt.SRTParseError, ValueError) as exc:
        raise LoaderError(name, "is not a valid .srt subtitle file") from exc
    return _document(data, name, SRT_MEDIA_TYPE, _sections(cues))


def load_vtt(data: bytes, name: str, limits: Limits) -> Document:
    import webvtt

    text = decode_text(data, name)
    try:
        captions = webvtt.from_string(text)
        cues = [
            (
                caption.start_time.in_milliseconds() / 1000,
                caption.end_time.in_milliseconds() / 1000,
                caption.text,
                caption.voice,
            )
            for caption in captions.captions
        ]
    except Exception as exc:  # webvtt's MalformedFileError / MalformedCaptionError and others
        raise LoaderError(name, "is not a valid .vtt (WebVTT) subtitle file") from exc
    return _document(data, name, VTT_MEDIA_TYPE, _sections(cues))


SRT_SPEC = LoaderSpec(
    name="srt",
    media_type=SRT_MEDIA_TYPE,
    extensions=(".srt",),
    media_types=(SRT_MEDIA_TYPE, "text/srt", "application/srt"),
    load=load_srt,
)

VTT_SPEC = LoaderSpec(
    name="vtt",
    media_type=VTT_MEDIA_TYPE,
    extensions=(".vtt",),
    media_types=(VTT_MEDIA_TYPE,),
    load=load_vtt,
)
