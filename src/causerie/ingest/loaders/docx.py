"""Word (.docx): paragraphs and tables in order; heading styles give the heading path.

A .docx is a zip archive. Before python-docx parses it, the archive's directory is checked:
the entry count and the total uncompressed size are bounded (a zip bomb is refused before a
single byte is inflated), and the parts every Word file has must be there.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from causerie.errors import LoaderError
from causerie.ingest.limits import Limits, describe_size
from causerie.ingest.loaders.base import LoaderSpec, collapse_spaces, title_from_name
from causerie.ingest.loaders.markdown import HeadingSections
from causerie.types import Document, content_hash

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_NOT_DOCX = "is not a valid .docx (Word) file"
_HEADING_STYLE = re.compile(r"^(?:heading|titre)\s*([1-9])$", re.IGNORECASE)
_TITLE_STYLES = {"title", "titre"}
_LIST_STYLE = re.compile(r"^list", re.I)


def check_archive(data: bytes, name: str, limits: Limits) -> None:
    """Refuse anything that is not a sane, bounded Word zip archive, without inflating it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise LoaderError(name, _NOT_DOCX) from exc
    if len(entries) > limits.max_zip_entries:
        raise LoaderError(
            name,
            f"{_NOT_DOCX}: its archive holds {len(entries)} entries; "
            f"the limit is {limits.max_zip_entries}",
        )
    expanded = sum(entry.file_size for entry in entries)
    if expanded > limits.max_uncompressed_bytes:
        raise LoaderError(
            name,
            f"would expand to {describe_size(expanded)} once uncompressed; "
            f"the limit is {describe_size(limits.max_uncompressed_bytes)}",
        )
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or not any(n.startswith("word/") for n in names):
        raise LoaderError(name, f"{_NOT_DOCX} (a zip archive, but not a Word document)")


def _style_chain(paragraph: Any) -> list[str]:
    """The paragraph's style name and id, then those of the styles it is based on."""
    found: list[str] = []
    style = paragraph.style
    for _ in range(6):
        if style is None:
            break
        found.extend(value for value in (style.name, style.style_id) if value)
        style = style.base_style
    return found


def _heading_level(paragraph: Any) -> int | None:
    """0 for a Title, 1-9 for Heading 1-9, None for body text."""
    for style_name in _style_chain(paragraph):
        if style_name.lower() in _TITLE_STYLES:
            return 0
        match = _HEADING_STYLE.match(style_name.strip())
        if match:
            return int(match.group(1))
    return None


def _is_list(paragraph: Any) -> bool:
    names = _style_chain(paragraph)
    if names and _LIST_STYLE.match(names[0]):
        return True
    properties = paragraph._p.pPr  # a numbered or bulleted paragraph carries <w:numPr>
    return properties is not None and properties.numPr is not None


def _table_text(table: Any) -> str:
    rows: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell shows up once per grid column
                continue
            seen.add(id(cell._tc))
            text = collapse_spaces(cell.text)
            if text:
                cells.append(text)
        if cells:
            rows.append(" | ".join(cells))
    return "\n".join(rows)


def _parse(data: bytes, name: str) -> Any:
    import docx

    try:
        return docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx, lxml and zipfile errors alike
        raise LoaderError(name, f"{_NOT_DOCX} ({type(exc).__name__})") from exc


def load_docx(data: bytes, name: str, limits: Limits) -> Document:
    check_archive(data, name, limits)
    document = _parse(data, name)
    from docx.table import Table

    builder = HeadingSections()
    title: str | None = None
    list_items: list[str] = []
    try:
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                builder.body("\n".join(list_items))
                list_items = []
                builder.body(_table_text(block))
                continue
            text = collapse_spaces(block.text)
            if not text:
                continue
            level = _heading_level(block)
            if level is None and _is_list(block):
                list_items.append(f"- {text}")
                continue
            builder.body("\n".join(list_items))
            list_items = []
            if level is None:
                builder.body(text)
                continue
            if title is None and level <= 1:
                title = text
            builder.heading(level, text, text)
        builder.body("\n".join(list_items))
        core_title = collapse_spaces(document.core_properties.title or "")
    except Exception as exc:
        raise LoaderError(name, f"{_NOT_DOCX} ({type(exc).__name__})") from exc
    return Document(
        uri=name,
        title=core_title or title or title_from_name(name),
        media_type=MEDIA_TYPE,
        sections=builder.finish(),
        content_hash=content_hash(data),
    )


SPEC = LoaderSpec(
    name="docx",
    media_type=MEDIA_TYPE,
    extensions=(".docx",),
    media_types=(MEDIA_TYPE,),
    load=load_docx,
)
