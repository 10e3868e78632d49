"""Cut a Document into Chunks that follow its structure and keep exact character spans.

Rules:
- A chunk never spans two pages, two heading paths or two e-mail messages: consecutive
  sections are only packed together when they share page, heading path and message id (in
  practice: subtitle cues, which are grouped up to the budget, and repeated sections).
- Inside a section, small consecutive paragraphs are merged up to the token budget; a long
  paragraph is split at sentence ends, and a sentence longer than the budget at spaces.
- Each chunk's text is exactly `doc.text[locator.char_start:locator.char_end]`, where
  `doc.text` joins the sections with Document.SEPARATOR. Chunks start and end on non-space.
- Chunk ids are content hashes: Chunk.make_id(doc.content_hash, ordinal, text).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from causerie.types import Chunk, Document, Locator, Section

DEFAULT_MAX_TOKENS = 220

# Marks that tokenizers almost always make a token of their own.
_PUNCTUATION = ".,;:!?()[]{}<>\"'`/\\|-_=+*&%$€£#@~^«»“”‘’…–—•·"
_DROP_PUNCTUATION = str.maketrans("", "", _PUNCTUATION)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…。])\s+|\s*\n\s*")
_NON_SPACE = re.compile(r"\S+")

# When the next paragraph does not fit, a chunk this small (in tokens, as a share of the
# budget) is topped up with that paragraph's first sentences rather than left on its own:
# a heading line alone makes a poor passage.
_TOP_UP_SHARE = 0.25


def _measure(text: str) -> tuple[int, int, int]:
    """(words, punctuation marks, non-space characters): the parts count_tokens weighs.

    All three add up exactly when texts are joined with whitespace, so a chunk's count is
    computed from its parts' measures without reading its text again.
    """
    words = text.split()
    punctuation = len(text) - len(text.translate(_DROP_PUNCTUATION))
    return len(words), punctuation, sum(map(len, words))


def _tokens(words: int, punctuation: int, characters: int) -> int:
    return max(math.ceil(words * 1.3) + punctuation, -(-characters // 4))


def count_tokens(text: str) -> int:
    """Approximate the number of model tokens in text, fast and without a tokenizer.

    Estimate: 1.3 tokens per word (a run of non-space characters), plus one per punctuation
    mark, and never less than one token per 4 non-space characters (so that long unbroken
    strings such as URLs, codes or text without spaces are not undercounted). Subword
    tokenizers land close to this on English and French prose (within about 15 %, more often
    over than under, so the budget errs on the side of smaller chunks). About 10 microseconds
    per paragraph.
    """
    return _tokens(*_measure(text)) if text else 0


@dataclass(slots=True)
class _Unit:
    """A span of doc.text (a paragraph, sentence or word run) and its measure."""

    start: int
    end: int
    words: int
    punctuation: int
    characters: int
    section: Section
    whole_words: bool = True  # False for a piece cut out of a word (no space at its ends)

    @classmethod
    def of(cls, text: str, start: int, end: int, section: Section) -> _Unit:
        return cls(start, end, *_measure(text[start:end]), section)

    @property
    def tokens(self) -> int:
        return _tokens(self.words, self.punctuation, self.characters)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _split(text: str, start: int, end: int, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    """Trimmed, non-empty spans of text[start:end] between matches of pattern."""
    spans: list[tuple[int, int]] = []
    position = start
    for match in pattern.finditer(text, start, end):
        span = _trimmed(text, position, match.start())
        if span:
            spans.append(span)
        position = match.end()
    span = _trimmed(text, position, end)
    if span:
        spans.append(span)
    return spans


def _words(text: str, start: int, end: int, max_tokens: int, section: Section) -> list[_Unit]:
    """Split one over-long sentence at spaces; cut a single huge 'word' by characters."""
    units: list[_Unit] = []
    step = max(1, max_tokens // 2)  # a piece of `step` characters stays within the budget
    for match in _NON_SPACE.finditer(text, start, end):
        unit = _Unit.of(text, match.start(), match.end(), section)
        if unit.tokens <= max_tokens:
            units.append(unit)
            continue
        for piece_start in range(match.start(), match.end(), step):
            piece_end = min(piece_start + step, match.end())
            piece = _Unit.of(text, piece_start, piece_end, section)
            piece.whole_words = False
            units.append(piece)
    return units


def _pieces(text: str, unit: _Unit, max_tokens: int) -> list[_Unit]:
    """A paragraph as sentence units, each within the budget (long ones split at spaces)."""
    pieces: list[_Unit] = []
    for start, end in _split(text, unit.start, unit.end, _SENTENCE_BREAK):
        sentence = _Unit.of(text, start, end, unit.section)
        if sentence.tokens <= max_tokens:
            pieces.append(sentence)
        else:
            pieces.extend(_words(text, start, end, max_tokens, unit.section))
    return pieces


class _Packer:
    """Packs consecutive units of one group (same page, heading path, message) into chunks."""

    def __init__(self, doc: Document, text: str, max_tokens: int) -> None:
        self.doc = doc
        self.text = text
        self.max_tokens = max_tokens
        self.chunks: list[Chunk] = []
        self.current: list[_Unit] = []
        self.words = self.punctuation = self.characters = 0
        self.exact = True  # the measures add up to the chunk's own count (no cut words)

    @property
    def tokens(self) -> int:
        return _tokens(self.words, self.punctuation, self.characters)

    def _fits(self, unit: _Unit) -> bool:
        return (
            _tokens(
                self.words + unit.words,
                self.punctuation + unit.punctuation,
                self.characters + unit.characters,
            )
            <= self.max_tokens
        )

    def add_paragraph(self, unit: _Unit) -> None:
        if self._fits(unit):
            self._take(unit)
            return
        if unit.tokens <= self.max_tokens and self.tokens >= self.max_tokens * _TOP_UP_SHARE:
            self.flush()
            self._take(unit)
            return
        for piece in _pieces(self.text, unit, self.max_tokens):
            if not self._fits(piece):
                self.flush()
            self._take(piece)

    def _take(self, unit: _Unit) -> None:
        self.current.append(unit)
        self.words += unit.words
        self.punctuation += unit.punctuation
        self.characters += unit.characters
        self.exact = self.exact and unit.whole_words

    def flush(self) -> None:
        if not self.current:
            return
        first, last = self.current[0], self.current[-1]
        chunk_text = self.text[first.start : last.end]
        ordinal = len(self.chunks)
        section = first.section
        locator = Locator(
            char_start=first.start,
            char_end=last.end,
            page=section.page,
            heading_path=section.heading_path,
            start_s=section.start_s,
            end_s=last.section.end_s,
            message_id=section.message_id,
        )
        self.chunks.append(
            Chunk(
                id=Chunk.make_id(self.doc.content_hash, ordinal, chunk_text),
                ordinal=ordinal,
                text=chunk_text,
                locator=locator,
                token_count=self.tokens if self.exact else count_tokens(chunk_text),
            )
        )
        self.current = []
        self.words = self.punctuation = self.characters = 0
        self.exact = True


def chunk_document(doc: Document, max_tokens: int = DEFAULT_MAX_TOKENS) -> list[Chunk]:
    """Cut doc into chunks of at most about max_tokens tokens (see the module rules)."""
    if max_tokens < 1:
        raise ValueError("max_tokens must be at least 1")
    text = doc.text
    packer = _Packer(doc, text, max_tokens)
    separator = len(Document.SEPARATOR)
    offset = 0
    group: tuple[object, ...] | None = None
    for section in doc.sections:
        key = (section.page, section.heading_path, section.message_id)
        if key != group:
            packer.flush()
            group = key
        end = offset + len(section.text)
        for start, stop in _split(text, offset, end, _PARAGRAPH_BREAK):
            packer.add_paragraph(_Unit.of(text, start, stop, section))
        offset = end + separator
    packer.flush()
    return packer.chunks
