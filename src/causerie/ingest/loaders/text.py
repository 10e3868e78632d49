"""Plain text (.txt): one section holding the whole text."""

from __future__ import annotations

from causerie.ingest.limits import Limits
from causerie.ingest.loaders.base import LoaderSpec, clean_lines, decode_text, title_from_name
from causerie.types import Document, Section, content_hash

MEDIA_TYPE = "text/plain"


def load_text(data: bytes, name: str, limits: Limits) -> Document:
    text = clean_lines(decode_text(data, name))
    sections = (Section(text=text),) if text.strip() else ()
    return Document(
        uri=name,
        title=title_from_name(name),
        media_type=MEDIA_TYPE,
        sections=sections,
        content_hash=content_hash(data),
    )


SPEC = LoaderSpec(
    name="text",
    media_type=MEDIA_TYPE,
    extensions=(".txt", ".text"),
    media_types=(MEDIA_TYPE,),
    load=load_text,
)
