"""HTML (.html, .htm, text/html): the main text only, boilerplate removed, headings kept.

trafilatura finds the main content and returns it as simple XML (head, p, list, table); its
headings become heading paths through the same `HeadingSections` the Markdown loader uses.
Pages too small for trafilatura fall back to a plain walk of the whole page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from causerie.errors import LoaderError
from causerie.ingest.limits import Limits
from causerie.ingest.loaders.base import (
    LoaderSpec,
    collapse_spaces,
    decode_text,
    title_from_name,
)
from causerie.ingest.loaders.markdown import HeadingSections, markdown_sections
from causerie.types import Document, Section, content_hash

MEDIA_TYPE = "text/html"

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_HEADING_TAGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_SKIPPED_TAGS = {"script", "style", "noscript", "template", "head", "svg", "iframe", "object"}
_LINE_TAGS = {"br", "dd", "dt", "li", "tr", "summary", "figcaption"}  # a line break before
_BLOCK_TAGS = {  # a blank line before and after
    "address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset", "figure",
    "footer", "form", "header", "hr", "main", "nav", "ol", "p", "pre", "section", "table", "ul",
    *_HEADING_TAGS,
}  # fmt: skip
_CELL_TAGS = {"td", "th"}
_BLANK_RUNS = re.compile(r"\n{3,}")


def decode_html(data: bytes, name: str) -> str:
    """Decode HTML bytes: the charset its <meta> tag declares, else detection."""
    match = _META_CHARSET.search(data[:4096])
    if match:
        try:
            return data.decode(match.group(1).decode("ascii")).replace("\r\n", "\n")
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data, name)


def html_to_text(html: str, *, markdown_headings: bool = False) -> str:
    """All visible text of an HTML string, one block per line (no boilerplate removal).

    With markdown_headings, <h1>..<h6> come out as '# ' .. '###### ' lines.
    """
    from lxml import etree
    from lxml import html as lxml_html

    html = _XML_DECLARATION.sub("", html)
    if not html.strip():
        return ""
    try:
        root = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return ""
    out: list[str] = []
    skipping = 0
    in_pre = 0  # inside <pre>, line breaks are kept
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if event == "start":
            if skipping or tag in _SKIPPED_TAGS or not tag:
                skipping += 1
                continue
            if tag == "pre":
                in_pre += 1
            if tag in _BLOCK_TAGS:
                out.append("\n\n")
            elif tag in _LINE_TAGS:
                out.append("\n")
            if markdown_headings and tag in _HEADING_TAGS:
                out.append("#" * _HEADING_TAGS[tag] + " ")
            elif tag == "li":
                out.append("- ")
            if element.text:
                out.append(element.text if in_pre else _inline(element.text))
        elif skipping:
            skipping -= 1
            if not skipping and element.tail:
                out.append(_inline(element.tail))
        else:
            if tag == "pre":
                in_pre -= 1
            if tag in _BLOCK_TAGS:
                out.append("\n\n")
            elif tag in _CELL_TAGS:
                out.append(" | ")
            if element.tail:
                out.append(element.tail if in_pre else _inline(element.tail))
    text = "\n".join(collapse_spaces(line) for line in "".join(out).split("\n"))
    return _BLANK_RUNS.sub("\n\n", text).strip()


def _inline(text: str) -> str:
    # Whitespace in HTML source is not significant: newlines inside a paragraph become spaces.
    return re.sub(r"\s+", " ", text)


def _main_content(data: bytes) -> tuple[Any, str | None]:
    """trafilatura's main-content XML tree and the page title (None, None when nothing found).

    Also (None, None) when trafilatura cannot be imported (it needs the lxml_html_clean
    package): the page is then read whole, boilerplate included, rather than refused.
    """
    try:
        import trafilatura
    except ImportError:
        return None, None
    from lxml import etree

    xml = trafilatura.extract(
        data,
        output_format="xml",
        with_metadata=True,
        include_comments=False,
        include_formatting=False,
        include_links=False,
        include_images=False,
        include_tables=True,
    )
    if not xml:
        return None, None
    root = etree.fromstring(xml.encode("utf-8"))
    return root, root.get("title") or None


def _text_of(element: Any) -> str:
    return collapse_spaces("".join(element.itertext()))


def _blocks(main: Any) -> Iterator[tuple[int | None, str]]:
    """(heading level or None, text) for each block of trafilatura's <main>."""
    for child in main:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "head":
            rend = child.get("rend") or "h2"
            level = int(rend[1]) if len(rend) == 2 and rend[1].isdigit() else 2
            yield level, _text_of(child)
        elif tag == "list":
            items = [_text_of(item) for item in child.iter("item")]
            yield None, "\n".join(f"- {item}" for item in items if item)
        elif tag == "table":
            rows = []
            for row in child.iter("row"):
                cells = [_text_of(cell) for cell in row.iter("cell")]
                rows.append(" | ".join(cell for cell in cells if cell))
            yield None, "\n".join(row for row in rows if row)
        elif tag == "code":
            yield None, "".join(child.itertext()).strip("\n")
        elif tag:
            yield None, _text_of(child)


def html_sections(data: bytes, name: str) -> tuple[tuple[Section, ...], str | None]:
    """Sections of the page's main text, and the page title."""
    try:
        main_tree, title = _main_content(data)
    except Exception as exc:  # trafilatura/lxml failures on hostile markup
        raise LoaderError(name, f"could not be read as HTML ({type(exc).__name__})") from exc
    if main_tree is not None:
        main = main_tree.find("main")
        builder = HeadingSections()
        for level, text in _blocks(main if main is not None else main_tree):
            if level is None:
                builder.body(text)
            elif text:
                builder.heading(level, text, f"{'#' * level} {text}")
        sections = builder.finish()
        if sections:
            return sections, title
    text = html_to_text(decode_html(data, name), markdown_headings=True)
    sections, first_h1 = markdown_sections(text)
    return sections, title or first_h1 or _title_tag(data)


def _title_tag(data: bytes) -> str | None:
    match = re.search(rb"<title[^>]*>(.*?)</title>", data[:65536], re.I | re.S)
    if not match:
        return None
    title = collapse_spaces(match.group(1).decode("utf-8", errors="replace"))
    return title or None


def load_html(data: bytes, name: str, limits: Limits) -> Document:
    sections, title = html_sections(data, name)
    return Document(
        uri=name,
        title=title or title_from_name(name),
        media_type=MEDIA_TYPE,
        sections=sections,
        content_hash=content_hash(data),
    )


SPEC = LoaderSpec(
    name="html",
    media_type=MEDIA_TYPE,
    extensions=(".html", ".htm", ".xhtml"),
    media_types=(MEDIA_TYPE, "application/xhtml+xml"),
    load=load_html,
)
