"""What the CLI, the pages and the jobs share: chapters and summaries made once per source,
language (and length), kept as owned records and made again only when the source changed.

    chapters = chapters_for(services, owner, notebook, "lecture.mp4")       # "video.chapters"
    summary = summary_for(services, owner, notebook, "lecture.mp4", "short") # "video.summary"

Job kinds: "video.chapters" and "video.summary", payload {"notebook_id", "source",
"language", "length", "refresh"}; progress {"done", "total"}.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from causerie.assistants.kit.language import check_language
from causerie.assistants.video.chapters import Chapter, make_chapters
from causerie.assistants.video.summary import LENGTHS, Summary, summarise
from causerie.assistants.video.transcript import Transcript, load_transcript
from causerie.errors import InputError, NotFound
from causerie.types import Notebook, Owner

if TYPE_CHECKING:
    from causerie.assistants.records import OwnedRecords
    from causerie.wiring import Services

CHAPTERS, SUMMARY = "video.chapters", "video.summary"
Progress = Callable[[int, int], None]


def open_records(services: Services) -> OwnedRecords:
    from causerie.backends import open_records as open_backend_records

    return open_backend_records(services.settings)


def transcript_of(services: Services, owner: Owner, notebook: Notebook, name: str) -> Transcript:
    records = open_records(services)
    try:
        return load_transcript(records, services.store, owner, notebook, name)
    finally:
        records.close()


def _cached(
    records: OwnedRecords, owner: Owner, kind: str, key: str, content_hash: str
) -> dict[str, Any] | None:
    try:
        data = records.get(owner, kind, key).data
    except NotFound:
        return None
    return data if data.get("content_hash") == content_hash else None


def chapters_for(
    services: Services,
    owner: Owner,
    notebook: Notebook,
    name: str,
    language: str | None = None,
    refresh: bool = False,
    progress: Progress | None = None,
) -> tuple[Transcript, list[Chapter]]:
    """The source's chapters in `language` (default: the talk's), made now or kept."""
    records = open_records(services)
    try:
        transcript = load_transcript(records, services.store, owner, notebook, name)
        language = check_language(language) or transcript.language
        key = f"{transcript.source.id}.{language}"
        kept = None if refresh else _cached(records, owner, CHAPTERS, key,
                                            transcript.source.content_hash)  # fmt: skip
        if kept is not None:
            return transcript, [Chapter.from_json(c) for c in kept["chapters"]]
        chapters = make_chapters(services.engine.provider, transcript, services.embedder,
                                 language)  # fmt: skip
        if progress is not None:
            progress(1, 1)
        records.put(owner, CHAPTERS, key, {
            "source": transcript.source.uri,
            "content_hash": transcript.source.content_hash,
            "language": language,
            "chapters": [c.to_json() for c in chapters],
        }, notebook_id=notebook.id)  # fmt: skip
        return transcript, chapters
    finally:
        records.close()


def summary_for(
    services: Services,
    owner: Owner,
    notebook: Notebook,
    name: str,
    length: str = "short",
    language: str | None = None,
    refresh: bool = False,
    progress: Progress | None = None,
) -> tuple[Transcript, Summary]:
    """The source's summary (short or detailed) in `language`, made now or kept."""
    if length not in LENGTHS:
        raise InputError("--length", f"must be one of {', '.join(LENGTHS)} (got {length!r})")
    transcript, chapters = (
        chapters_for(services, owner, notebook, name, language, refresh=refresh)
        if length == "detailed"
        else (transcript_of(services, owner, notebook, name), [])
    )
    language = check_language(language) or transcript.language
    key = f"{transcript.source.id}.{length}.{language}"
    records = open_records(services)
    try:
        kept = None if refresh else _cached(records, owner, SUMMARY, key,
                                            transcript.source.content_hash)  # fmt: skip
        if kept is not None:
            return transcript, Summary.from_json(kept)
        summary = summarise(services.engine, owner, transcript, chapters, length,  # type: ignore[arg-type]
                            language)  # fmt: skip
        if progress is not None:
            progress(1, 1)
        records.put(owner, SUMMARY, key, {**summary.to_json(),
                    "content_hash": transcript.source.content_hash,
                    "source": transcript.source.uri}, notebook_id=notebook.id)  # fmt: skip
        return transcript, summary
    finally:
        records.close()


def chapters_job(
    services: Services, owner: Owner, payload: dict[str, Any], progress: Progress | None = None
) -> dict[str, Any]:
    """Job kind "video.chapters"."""
    notebook = services.store.notebook_by_id(owner, payload["notebook_id"])
    if progress is not None:
        progress(0, 1)
    transcript, chapters = chapters_for(services, owner, notebook, payload["source"],
                                        payload.get("language"), bool(payload.get("refresh")),
                                        progress)  # fmt: skip
    return {"source": transcript.source.uri, "chapters": len(chapters)}


def summary_job(
    services: Services, owner: Owner, payload: dict[str, Any], progress: Progress | None = None
) -> dict[str, Any]:
    """Job kind "video.summary"."""
    notebook = services.store.notebook_by_id(owner, payload["notebook_id"])
    if progress is not None:
        progress(0, 1)
    transcript, summary = summary_for(services, owner, notebook, payload["source"],
                                      payload.get("length", "short"), payload.get("language"),
                                      bool(payload.get("refresh")), progress)  # fmt: skip
    return {"source": transcript.source.uri, "abstained": summary.abstained}
