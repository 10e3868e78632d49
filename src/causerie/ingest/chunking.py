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

Timed text (every section has a start time: subtitle cues, transcribed sentences) is cut
otherwise (`timed_chunks`): speech has short cues, no headings and no paragraphs. A window
gathers whole cues up to the budget and ends at a sentence end once it holds half of it; a
pause (a gap of PAUSE_S or more, where a speaker usually changes topic) ends it early. The next
window starts OVERLAP_SHARE of the budget back, at a sentence start, so an answer said across
a cut is whole in one of the two; no overlap across a pause. Each chunk is timed from its first
cue's start to its last cue's end.
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


PAUSE_S = 2.0
OVERLAP_SHARE = 0.2
TIMED_MAX_TOKENS = 150  # about 45-60 s of speech: a citation's time range stays short
_ENDS_SENTENCE = re.compile(r"[.!?…。][\"'»”)\]]*$")


def is_timed(doc: Document) -> bool:
    return bool(doc.sections) and all(s.start_s is not None for s in doc.sections)


def timed_chunks(doc: Document, max_tokens: int = DEFAULT_MAX_TOKENS) -> list[Chunk]:
    """Windows of whole cues that follow sentences and pauses, with overlap (module rules)."""
    text = doc.text
    units: list[_Unit] = []
    offset = 0
    for section in doc.sections:
        end = offset + len(section.text)
        span = _trimmed(text, offset, end)
        if span:
            unit = _Unit.of(text, *span, section)
            units.extend(_pieces(text, unit, max_tokens) if unit.tokens > max_tokens else [unit])
        offset = end + len(Document.SEPARATOR)
    packer = _Packer(doc, text, max_tokens)

    def ends_sentence(index: int) -> bool:
        return bool(_ENDS_SENTENCE.search(text[units[index].start : units[index].end]))

    def pause_after(index: int) -> bool:
        if index + 1 >= len(units):
            return False
        this, after = units[index].section, units[index + 1].section
        return (after.start_s or 0.0) - (this.end_s or this.start_s or 0.0) >= PAUSE_S

    first = 0
    while first < len(units):
        tokens, last, cut = 0, first, None  # cut: the best end so far (exclusive)
        paused = False
        while last < len(units) and (last == first or tokens + units[last].tokens <= max_tokens):
            tokens += units[last].tokens
            last += 1
            full = tokens >= max_tokens // 2
            if full and ends_sentence(last - 1):
                cut = last
            if full and pause_after(last - 1):
                cut, paused = last, True
                break
        end = last if last >= len(units) or cut is None else cut
        paused = paused and end == cut
        for unit in units[first:end]:
            packer._take(unit)
        packer.flush()
        if end >= len(units):
            break
        start = end
        if not paused:  # step back over whole sentences within the overlap budget
            back = 0
            for index in range(end - 1, first, -1):
                back += units[index].tokens
                if back > max_tokens * OVERLAP_SHARE:
                    break
                if ends_sentence(index - 1):
                    start = index
        first = start
    return packer.chunks


def chunk_document(doc: Document, max_tokens: int = DEFAULT_MAX_TOKENS) -> list[Chunk]:
    """Cut doc into chunks of at most about max_tokens tokens (see the module rules)."""
    if max_tokens < 1:
        raise ValueError("max_tokens must be at least 1")
    if is_timed(doc):
        return timed_chunks(doc, min(max_tokens, TIMED_MAX_TOKENS))
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
