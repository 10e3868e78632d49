"""PDF (.pdf): one section per page that has text, with its 1-based page number.

Pages that share their content stream and resources (the same objects, not equal copies) are
parsed once: a small file whose thousands of pages all point at one heavy stream costs one
parse, not thousands, and its text is indexed once (at the first such page).
"""

from __future__ import annotations

import io
import logging
from typing import Any

from causerie.errors import LoaderError
from causerie.ingest.limits import Limits
from causerie.ingest.loaders.base import LoaderSpec, clean_lines, title_from_name
from causerie.types import Document, Section, content_hash

MEDIA_TYPE = "application/pdf"

_ENCRYPTED = "is encrypted (password-protected); remove the password first"
_CORRUPT = "is not a valid PDF file, or it is truncated or corrupt"

# pypdf reports the oddities it recovers from (even at ERROR level, with long dumps) through
# logging; they are not the user's problem. Keep them out of the console unless someone has
# configured that logger; a file pypdf cannot read still raises and is reported to the user.
if logging.getLogger("pypdf").level == logging.NOTSET:
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)


def _open(data: bytes, name: str) -> Any:
    if b"%PDF-" not in data[:1024]:
        raise LoaderError(name, "is not a valid PDF file (no PDF header)")
    if b"%%EOF" not in data[-4096:]:
        raise LoaderError(name, "is truncated or corrupt: the end-of-file marker is missing")
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
    except Exception as exc:  # pypdf raises many kinds on a damaged file
        raise LoaderError(name, f"{_CORRUPT} ({_reason(exc)})") from exc
    if reader.is_encrypted:
        _decrypt(reader, name)
    return reader


def _decrypt(reader: Any, name: str) -> None:
    """Open a PDF encrypted with an empty user password (copy-protected only); refuse others."""
    from pypdf import PasswordType

    try:
        result = reader.decrypt("")
    except Exception as exc:  # e.g. a missing crypto library for AES
        raise LoaderError(name, _ENCRYPTED) from exc
    if result == PasswordType.NOT_DECRYPTED:
        raise LoaderError(name, _ENCRYPTED)


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:120]}" if text else type(exc).__name__


def _title(reader: Any) -> str | None:
    try:
        metadata = reader.metadata
        title = metadata.title if metadata else None
    except Exception:  # a broken info dictionary is no reason to refuse the file
        return None
    if not title:
        return None
    return " ".join(str(title).split()) or None


def _ref(value: Any) -> object:
    """An indirect object's (id, generation), or the direct object's identity."""
    idnum = getattr(value, "idnum", None)
    return ("ref", idnum, getattr(value, "generation", 0)) if idnum is not None else id(value)


def _content_key(page: Any) -> tuple[object, ...] | None:
    """What a page's text depends on: its content stream(s) and its resources, as object
    references; None when the page has no indirect content (nothing to share)."""
    contents = page.raw_get("/Contents") if "/Contents" in page else None
    if contents is None:
        return None
    if getattr(contents, "idnum", None) is not None:
        refs: tuple[object, ...] = (_ref(contents),)
        resolved = contents.get_object()
        if isinstance(resolved, list):  # an indirect array of streams
            refs = (*refs, *(_ref(item) for item in resolved))
    elif isinstance(contents, list):
        refs = tuple(_ref(item) for item in contents)
        if not all(isinstance(r, tuple) for r in refs):
            return None
    else:
        return None
    resources = page.raw_get("/Resources") if "/Resources" in page else None
    return (*refs, _ref(resources) if resources is not None else None)


def load_pdf(data: bytes, name: str, limits: Limits) -> Document:
    reader = _open(data, name)
    try:
        page_count = len(reader.pages)
    except Exception as exc:
        raise LoaderError(name, f"{_CORRUPT} ({_reason(exc)})") from exc
    if page_count == 0:
        raise LoaderError(name, "has no pages")
    if page_count > limits.max_pdf_pages:
        raise LoaderError(
            name, f"has {page_count} pages; the limit is {limits.max_pdf_pages} pages"
        )
    sections: list[Section] = []
    seen: set[tuple[object, ...]] = set()
    for number in range(1, page_count + 1):
        try:
            page = reader.pages[number - 1]
            key = _content_key(page)
            if key is not None and key in seen:
                continue  # the same stream and resources as an earlier page: parsed once
            if key is not None:
                seen.add(key)
            raw = page.extract_text() or ""
        except Exception as exc:
            raise LoaderError(name, f"page {number} could not be read ({_reason(exc)})") from exc
        text = clean_lines(raw.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", ""))
        if text.strip():
            sections.append(Section(text=text, page=number))
    if not sections:
        raise LoaderError(
            name,
            "has no extractable text (it may be a scanned document; text recognition (OCR) "
            "is not supported)",
        )
    return Document(
        uri=name,
        title=_title(reader) or title_from_name(name),
        media_type=MEDIA_TYPE,
        sections=tuple(sections),
        content_hash=content_hash(data),
        metadata={"pages": str(page_count)},
    )


SPEC = LoaderSpec(
    name="pdf",
    media_type=MEDIA_TYPE,
    extensions=(".pdf",),
    media_types=(MEDIA_TYPE, "application/x-pdf"),
    load=load_pdf,
)
