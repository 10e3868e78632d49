"""Chunking: structure-following chunks whose spans are exact, for every format."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from causerie.ingest.chunking import chunk_document, count_tokens, is_timed
from causerie.ingest.loaders import load_source
from causerie.types import Chunk, Document, Section, content_hash

BUDGETS = (12, 40, 220)


def _doc(*sections: Section) -> Document:
    text = Document.SEPARATOR.join(section.text for section in sections)
    return Document(
        uri="test.txt",
        title="test",
        media_type="text/plain",
        sections=sections,
        content_hash=content_hash(text),
    )


def _sentences(count: int, start: int = 0) -> str:
    return " ".join(
        f"Sentence number {i} explains one more small detail about the topic."
        for i in range(start, start + count)
    )


def _assert_well_formed(doc: Document, chunks: list[Chunk], max_tokens: int) -> None:
    """The properties every chunking must keep, whatever the input."""
    text = doc.text
    spans: list[tuple[int, int, Section]] = []
    offset = 0
    for section in doc.sections:
        spans.append((offset, offset + len(section.text), section))
        offset += len(section.text) + len(Document.SEPARATOR)
    previous_start = previous_end = 0
    for ordinal, chunk in enumerate(chunks):
        locator = chunk.locator
        assert text[locator.char_start : locator.char_end] == chunk.text
        assert chunk.text == chunk.text.strip() and chunk.text
        if is_timed(doc):  # in order; speech windows may overlap, never leave a gap
            assert previous_start <= locator.char_start
            assert ordinal == 0 or locator.char_start <= previous_end + len(Document.SEPARATOR)
        else:
            assert locator.char_start >= previous_end  # in order, no overlap
        previous_start, previous_end = locator.char_start, locator.char_end
        assert chunk.ordinal == ordinal
        assert chunk.id == Chunk.make_id(doc.content_hash, ordinal, chunk.text)
        assert chunk.token_count == count_tokens(chunk.text)
        assert chunk.token_count <= max_tokens
        touched = [
            s for start, end, s in spans if start < locator.char_end and locator.char_start < end
        ]
        keys = {(s.page, s.heading_path, s.message_id) for s in touched}
        assert len(keys) == 1, "a chunk spans two pages, heading paths or messages"
        first, last = touched[0], touched[-1]
        assert (locator.page, locator.heading_path, locator.message_id) == (
            first.page,
            first.heading_path,
            first.message_id,
        )
        assert locator.start_s == first.start_s and locator.end_s == last.end_s
    # nothing is lost: every non-space character of the text is in some chunk
    covered = [False] * len(text)
    for chunk in chunks:
        covered[chunk.locator.char_start : chunk.locator.char_end] = [True] * len(chunk.text)
    assert all(covered[i] for i, char in enumerate(text) if not char.isspace())


# --------------------------------------------------------------------------- all formats

SRT = "".join(
    f"{i + 1}\n00:00:{i * 2:02d},000 --> 00:00:{i * 2 + 1:02d},500\nCue {i} says a few words.\n\n"
    for i in range(25)
)
VTT = "WEBVTT\n\n" + "".join(
    f"00:01:{i * 2:02d}.000 --> 00:01:{i * 2 + 1:02d}.250\nLine {i} of the talk.\n\n"
    for i in range(25)
)
EML = (
    "From: a@example.org\nTo: b@example.org\nSubject: Long mail\nMessage-ID: <m1@example.org>\n"
    "Content-Type: text/plain; charset=utf-8\n\n"
    + "\n\n".join(_sentences(4, i * 4) for i in range(6))
)
MARKDOWN = (
    "# Guide\n\nIntro.\n\n## Install\n\n"
    + "\n\n".join(_sentences(3, i) for i in range(5))
    + "\n\n## Use\n\nShort."
)
HTML = (
    "<html><head><title>Page</title></head><body><article><h1>Page</h1>"
    + "".join(f"<h2>Part {i}</h2><p>{_sentences(5, i)}</p>" for i in range(4))
    + "</article></body></html>"
)


@pytest.fixture
def every_format(write, make_pdf, make_docx, samples_dir: Path) -> Callable[[], list[Document]]:
    def build() -> list[Document]:
        paths = [
            write("plain.txt", "\n\n".join(_sentences(6, i) for i in range(5))),
            write("guide.md", MARKDOWN),
            write("page.html", HTML),
            write("manual.pdf", make_pdf([_sentences(12), "", _sentences(3), _sentences(20)])),
            write(
                "guide.docx",
                make_docx(
                    [
                        ("title", "Guide"),
                        ("p", _sentences(8)),
                        ("h1", "Part"),
                        ("li", "one"),
                        ("li", "two"),
                        ("h2", "Deep"),
                        ("p", _sentences(2)),
                        ("table", "a|b\nc|d"),
                    ]
                ),
            ),
            write("talk.srt", SRT),
            write("talk.vtt", VTT),
            write("mail.eml", EML),
        ]
        paths += [str(path) for path in sorted(samples_dir.iterdir())]
        return [load_source(path) for path in paths]

    return build


@pytest.mark.parametrize("max_tokens", BUDGETS)
def test_spans_are_exact_for_every_format(every_format, max_tokens: int) -> None:
    documents = every_format()
    assert {doc.media_type for doc in documents} >= {
        "text/plain",
        "text/markdown",
        "text/html",
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/x-subrip",
        "text/vtt",
        "message/rfc822",
    }
    for doc in documents:
        chunks = chunk_document(doc, max_tokens=max_tokens)
        assert chunks, doc.uri
        _assert_well_formed(doc, chunks, max_tokens)


# --------------------------------------------------------------------------- rules


def test_small_paragraphs_are_merged() -> None:
    doc = _doc(Section("One.\n\nTwo.\n\n  Three.  \n\nFour."))
    (chunk,) = chunk_document(doc)
    assert chunk.text == "One.\n\nTwo.\n\n  Three.  \n\nFour."


def test_long_section_splits_at_paragraph_boundaries() -> None:
    paragraphs = [_sentences(6, i * 6) for i in range(6)]  # about 90 tokens each
    doc = _doc(Section("\n\n".join(paragraphs)))
    chunks = chunk_document(doc, max_tokens=220)
    assert len(chunks) == 3
    for chunk in chunks:
        assert chunk.text.split("\n\n")[0] in paragraphs
        assert chunk.text.split("\n\n")[-1] in paragraphs
    _assert_well_formed(doc, chunks, 220)


def test_long_paragraph_splits_at_sentences() -> None:
    doc = _doc(Section(_sentences(40)))
    chunks = chunk_document(doc, max_tokens=60)
    assert len(chunks) > 5
    assert all(chunk.text.endswith("topic.") for chunk in chunks)
    assert all(chunk.text.startswith("Sentence number") for chunk in chunks)
    _assert_well_formed(doc, chunks, 60)


def test_long_sentence_splits_at_words_and_huge_words_by_characters() -> None:
    doc = _doc(Section(" ".join(["word"] * 500) + " " + "-" * 2000))
    chunks = chunk_document(doc, max_tokens=50)
    _assert_well_formed(doc, chunks, 50)
    assert chunks[0].text.startswith("word word")


def test_heading_line_is_not_left_alone() -> None:
    body = _sentences(14)  # over the budget on its own
    doc = _doc(Section(f"## Install\n\n{body}", heading_path=("Install",)))
    chunks = chunk_document(doc, max_tokens=120)
    assert chunks[0].text.startswith("## Install\n\nSentence number 0")
    _assert_well_formed(doc, chunks, 120)


def test_sections_with_different_structure_never_share_a_chunk() -> None:
    doc = _doc(
        Section("Page one.", page=1),
        Section("Page two.", page=2),
        Section("Intro.", heading_path=("A",)),
        Section("Body.", heading_path=("A", "B")),
        Section("Mail one.", message_id="<1@x>"),
        Section("Mail two.", message_id="<2@x>"),
    )
    chunks = chunk_document(doc)
    assert [chunk.text for chunk in chunks] == [section.text for section in doc.sections]
    assert [chunk.locator.page for chunk in chunks[:2]] == [1, 2]
    assert chunks[3].locator.heading_path == ("A", "B")
    assert chunks[5].locator.message_id == "<2@x>"


def test_subtitle_cues_are_grouped_up_to_the_budget() -> None:
    cues = [
        Section(f"Cue {i} has six words here.", start_s=i * 2.0, end_s=i * 2.0 + 1.5)
        for i in range(30)
    ]
    doc = _doc(*cues)
    chunks = chunk_document(doc, max_tokens=40)
    assert 1 < len(chunks) < 30
    _assert_well_formed(doc, chunks, 40)
    assert chunks[0].locator.start_s == 0.0
    assert chunks[0].text.startswith("Cue 0 ") and chunks[0].text.count("Cue ") > 1
    last_cue = chunks[0].text.count("Cue ") - 1
    assert chunks[0].locator.end_s == last_cue * 2.0 + 1.5
    assert chunks[-1].locator.end_s == 29 * 2.0 + 1.5
    assert chunks[0].locator.label().startswith("00:00:00-")


def test_empty_and_whitespace_documents_have_no_chunks() -> None:
    assert chunk_document(_doc()) == []
    assert chunk_document(_doc(Section("   \n\n \t"), Section(""))) == []


def test_whitespace_sections_do_not_break_spans() -> None:
    doc = _doc(Section("First."), Section("   "), Section(""), Section("Second."))
    chunks = chunk_document(doc)
    _assert_well_formed(doc, chunks, 220)
    assert [chunk.text for chunk in chunks] == ["First.\n\n   \n\n\n\nSecond."]


def test_ids_are_stable_and_depend_on_the_source() -> None:
    doc = _doc(Section(_sentences(30)))
    first = chunk_document(doc, max_tokens=50)
    again = chunk_document(doc, max_tokens=50)
    assert [c.id for c in first] == [c.id for c in again]
    assert len({c.id for c in first}) == len(first)
    other = Document(
        uri="other.txt",
        title="other",
        media_type="text/plain",
        sections=doc.sections,
        content_hash=content_hash(b"something else"),
    )
    assert not {c.id for c in first} & {c.id for c in chunk_document(other, max_tokens=50)}


def test_max_tokens_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_tokens"):
        chunk_document(_doc(Section("x")), max_tokens=0)


def test_count_tokens() -> None:
    assert count_tokens("") == 0
    assert count_tokens("Hello, world.") == 5  # 2 words x 1.3 -> 3, plus 2 marks
    assert count_tokens("a" * 4000) == 1000  # long unbroken strings: one token per 4 chars
    assert count_tokens("one two") + count_tokens("three four") >= count_tokens(
        "one two three four"
    )
