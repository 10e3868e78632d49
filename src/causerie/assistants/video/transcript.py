"""A recording's timed transcript, kept per source as an owned record ("video.transcript").

    on_source(services, owner, notebook, source, document)   # the ingestion hook: keeps the cues
    transcript = load_transcript(records, store, owner, notebook, "lecture.mp4")
    transcript.cues        # [Cue(start_s, end_s, text)], in order
    transcript.passages    # the source's stored chunks (the speech windows), as Hits

Stored chunks are overlapping speech windows (causerie.ingest.chunking.timed_chunks); the cues
themselves, each with its own time, are what exports and chapter boundaries need, so the
ingestion hook keeps them beside the source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from causerie.assistants.kit.passages import source_named
from causerie.assistants.records import OwnedRecords
from causerie.errors import InputError, NotFound
from causerie.ingest.chunking import is_timed
from causerie.store.base import Store
from causerie.types import Document, Hit, Notebook, Owner, Source

if TYPE_CHECKING:
    from causerie.wiring import Services

KIND = "video.transcript"


@dataclass(frozen=True, slots=True)
class Cue:
    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True, slots=True)
class Transcript:
    source: Source
    language: str
    duration_s: float
    cues: tuple[Cue, ...]
    passages: tuple[Hit, ...]
    metadata: dict[str, str]

    @property
    def text(self) -> str:
        return " ".join(cue.text for cue in self.cues)


def on_source(
    services: Services, owner: Owner, notebook: Notebook, source: Source, document: Document
) -> None:
    """Keep a timed document's cues (a transcript, a subtitle file) beside its source."""
    if not is_timed(document):
        return
    from causerie.backends import open_records

    cues: list[tuple[float, float, str]] = [
        (s.start_s or 0.0, s.end_s if s.end_s is not None else s.start_s or 0.0, s.text)
        for s in document.sections
    ]
    last_end = cues[-1][1] if cues else 0.0
    data = {
        "uri": source.uri,
        "content_hash": source.content_hash,
        "language": document.metadata.get("language") or source.language,
        "duration_s": float(document.metadata.get("duration_s") or last_end),
        "metadata": dict(document.metadata),
        "cues": [list(cue) for cue in cues],
    }
    records = open_records(services.settings)
    try:
        records.put(owner, KIND, source.id, data, notebook_id=notebook.id)
    finally:
        records.close()


def load_transcript(
    records: OwnedRecords, store: Store, owner: Owner, notebook: Notebook, name: str
) -> Transcript:
    """The transcript of the notebook's source `name` (uri, file name or title); InputError
    when it is not a recording or subtitle file."""
    source = source_named(store, owner, notebook, name, option="SOURCE")
    try:
        record = records.get(owner, KIND, source.id)
    except NotFound:
        record = None
    if record is None or record.data.get("content_hash") != source.content_hash:
        raise InputError(
            source.uri,
            "has no timed transcript: it is not a recording or subtitle file, or was added "
            f"before the video assistant (add it again: causerie add {source.uri})",
        )
    data: dict[str, Any] = record.data
    cues = tuple(Cue(float(a), float(b), str(t)) for a, b, t in data["cues"])
    passages = store.source_chunks(owner, source.id, 0, max(0, source.chunk_count - 1))
    hits = store.get_hits(owner, notebook.id, [c.id for c in passages])
    hits.sort(key=lambda h: (h.chunk.locator.start_s or 0.0, h.chunk.ordinal))
    return Transcript(
        source=source,
        language=str(data.get("language") or source.language),
        duration_s=float(data.get("duration_s") or 0.0),
        cues=cues,
        passages=tuple(hits),
        metadata={str(k): str(v) for k, v in (data.get("metadata") or {}).items()},
    )


def timed_sources(records: OwnedRecords, owner: Owner, notebook: Notebook) -> dict[str, float]:
    """{source id: duration in seconds} of the notebook's sources that have a transcript."""
    found = records.find(owner, KIND, notebook_id=notebook.id)
    return {r.id: float(r.data.get("duration_s") or 0.0) for r in found}


def youtube_link(uri: str, seconds: float | None = None) -> str | None:
    """The YouTube link of a YouTube source, at `seconds` (?t=), else None."""
    from causerie.ingest.loaders.youtube import video_id

    video = video_id(uri)
    if video is None:
        return None
    at = f"?t={int(seconds)}" if seconds is not None else ""
    return f"https://youtu.be/{video}{at}"
