"""Control characters out of every document, in one place (Ingestor.add_document).

An e-mail, a subtitle file or a PDF can carry ESC, BEL or other C0/C1 control characters; kept,
they would be stored, sent to the model and printed raw by a terminal (ESC sequences can move
the cursor, rewrite the screen or set the window title). Tab, line feed and carriage return are
kept; every other C0 control (U+0000-U+001F), DEL and every C1 control (U+0080-U+009F) goes.
"""

from __future__ import annotations

import dataclasses
import re

from causerie.types import Document

_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    return _CONTROLS.sub("", text) if text else text


def clean_document(document: Document) -> Document:
    """The document with control characters removed from its title, sections and metadata
    (the same object when it has none)."""
    if not _has_controls(document):
        return document
    sections = tuple(
        dataclasses.replace(
            s,
            text=strip_controls(s.text),
            heading_path=tuple(strip_controls(h) for h in s.heading_path),
            message_id=strip_controls(s.message_id) if s.message_id else s.message_id,
        )
        for s in document.sections
    )
    metadata = {strip_controls(k): strip_controls(v) for k, v in document.metadata.items()}
    return dataclasses.replace(
        document, title=strip_controls(document.title), sections=sections, metadata=metadata
    )


def _has_controls(document: Document) -> bool:
    parts: list[str] = [document.title, *document.metadata.keys(), *document.metadata.values()]
    for section in document.sections:
        parts.append(section.text)
        parts.extend(section.heading_path)
        if section.message_id:
            parts.append(section.message_id)
    return any(_CONTROLS.search(p) for p in parts if isinstance(p, str))
