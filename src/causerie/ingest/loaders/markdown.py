"""Markdown (.md, .markdown): one section per ATX heading, with the heading path kept.

`HeadingSections` is also used by the HTML loader (trafilatura's Markdown output) and the
.docx loader (heading styles), so that all three cut documents the same way.
"""

from __future__ import annotations

import re

from causerie.ingest.limits import Limits
from causerie.ingest.loaders.base import LoaderSpec, clean_lines, decode_text, title_from_name
from causerie.types import Document, Section, content_hash

MEDIA_TYPE = "text/markdown"

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_INLINE_MARKS = re.compile(r"(\*\*|__|`|\*|(?<!\w)_|_(?!\w))")
_FRONT_TITLE = re.compile(r"^title:\s*['\"]?(.*?)['\"]?\s*$", re.IGNORECASE)


class HeadingSections:
    """Builds sections from a stream of headings and body blocks.

    Each section's text starts with its heading line and holds the body up to the next
    heading. A heading directly followed by a deeper one (no body of its own) is carried into
    the child's section rather than left alone as a tiny section.
    """

    def __init__(self) -> None:
        self._sections: list[Section] = []
        self._stack: list[tuple[int, str]] = []
        self._heading_lines: list[str] = []
        self._body: list[str] = []
        self._level = 0

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(title for _, title in self._stack)

    def heading(self, level: int, title: str, line: str) -> None:
        if self._body:
            self._flush()
        elif self._heading_lines and level <= self._level:
            self._flush()  # a sibling or parent follows: the empty heading stands alone
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        if title:
            self._stack.append((level, title))
        self._heading_lines.append(line)
        self._level = level

    def body(self, text: str) -> None:
        text = clean_lines(text)
        if text.strip():
            self._body.append(text)

    def finish(self) -> tuple[Section, ...]:
        self._flush()
        return tuple(self._sections)

    def _flush(self) -> None:
        parts = self._heading_lines + self._body
        if parts:
            self._sections.append(Section(text="\n\n".join(parts), heading_path=self.path))
        self._heading_lines = []
        self._body = []


def heading_title(raw: str) -> str:
    """A heading's plain text: inline emphasis and code marks removed, spaces collapsed."""
    return " ".join(_INLINE_MARKS.sub("", raw).split())


def split_front_matter(text: str) -> tuple[str, str | None]:
    """Remove a leading YAML front matter block; return the rest and its `title:` if any."""
    if not text.startswith("---\n"):
        return text, None
    lines = text.split("\n")
    for index in range(1, min(len(lines), 80)):
        if lines[index].strip() in ("---", "..."):
            title = None
            for line in lines[1:index]:
                match = _FRONT_TITLE.match(line)
                if match and match.group(1):
                    title = match.group(1)
                    break
            return "\n".join(lines[index + 1 :]), title
    return text, None


def markdown_sections(text: str) -> tuple[tuple[Section, ...], str | None]:
    """Cut Markdown into heading sections; also return the first level-1 heading, if any."""
    builder = HeadingSections()
    first_h1: str | None = None
    body: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        fence_match = _FENCE.match(line)
        if fence_match:
            marker = fence_match.group(1)
            if fence is None:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence):
                fence = None
            body.append(line)
            continue
        heading = None if fence else _ATX.match(line)
        if heading is None:
            body.append(line)
            continue
        builder.body("\n".join(body))
        body = []
        level = len(heading.group(1))
        title = heading_title(heading.group(2) or "")
        if level == 1 and first_h1 is None and title:
            first_h1 = title
        builder.heading(level, title, line.strip())
    builder.body("\n".join(body))
    return builder.finish(), first_h1


def load_markdown(data: bytes, name: str, limits: Limits) -> Document:
    text, front_title = split_front_matter(decode_text(data, name))
    sections, first_h1 = markdown_sections(text)
    return Document(
        uri=name,
        title=front_title or first_h1 or title_from_name(name),
        media_type=MEDIA_TYPE,
        sections=sections,
        content_hash=content_hash(data),
    )


SPEC = LoaderSpec(
    name="markdown",
    media_type=MEDIA_TYPE,
    extensions=(".md", ".markdown"),
    media_types=(MEDIA_TYPE, "text/x-markdown"),
    load=load_markdown,
)
