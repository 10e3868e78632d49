"""Loaders: each format's sections and locators, and a clear error for every bad input."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from causerie.errors import InputError, LoaderError, UnsupportedFormat
from causerie.ingest.chunking import chunk_document, is_timed
from causerie.ingest.language import detect_language
from causerie.ingest.limits import Limits
from causerie.ingest.loaders import (
    load_source,
    loader_for_extension,
    loader_for_media_type,
    supported_extensions,
)
from causerie.ingest.loaders.html import html_to_text
from causerie.types import Document, content_hash

# --------------------------------------------------------------------------- fixtures

SRT = """\
1
00:00:01,500 --> 00:00:04,250
<i>Bonjour</i> et bienvenue
à l'atelier.

2
00:00:05,000 --> 00:00:07,125
{\\an8}La pâte a une hydratation de 70 %.

3
00:01:00,000 --> 00:01:02,000
Merci !
"""

VTT = """\
WEBVTT

00:00:01.500 --> 00:00:04.250
<v Anna>Welcome to the workshop.</v>

intro-2
00:00:05.000 --> 00:00:07.125 align:start
The dough is <b>seventy</b> percent water.
"""

EML_PLAIN = """\
From: Alice Martin <alice@example.org>
To: Bob Durand <bob@example.org>
Date: Mon, 15 Jan 2024 09:30:00 +0100
Subject: Rendez-vous jeudi
Message-ID: <rdv-123@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 8bit

Bonjour Bob,

On se retrouve jeudi à 14 h devant la bibliothèque.

Alice
"""

EML_HTML_ONLY = """\
From: news@example.org
To: reader@example.org
Subject: Newsletter
Message-ID: <news-7@example.org>
MIME-Version: 1.0
Content-Type: text/html; charset="utf-8"

<html><head><style>p { color: red }</style></head><body>
<h1>Monthly news</h1><p>The <b>repair café</b> meets on Saturday.</p>
<script>alert(1)</script></body></html>
"""

EML_MULTIPART = """\
From: alice@example.org
To: bob@example.org
Subject: Report
Message-ID: <report-1@example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="XYZ"

--XYZ
Content-Type: multipart/alternative; boundary="ALT"

--ALT
Content-Type: text/plain; charset="utf-8"

The plain body wins.
--ALT
Content-Type: text/html; charset="utf-8"

<p>The HTML body loses.</p>
--ALT--
--XYZ
Content-Type: application/pdf
Content-Disposition: attachment; filename="report.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--XYZ--
"""

HTML_PAGE = """\
<!doctype html>
<html><head><meta charset="utf-8"><title>Repair Café | Valmont</title></head>
<body>
<nav><a href="/">Home</a> <a href="/about">About us</a> <a href="/login">Log in</a></nav>
<article>
<h1>Repair Café</h1>
<p>The repair café of Valmont helps neighbours fix broken objects together instead of
throwing them away. Volunteers bring tools and know-how; visitors bring their objects.</p>
<h2>When</h2>
<p>The café meets on the second Saturday of every month, from 14:00 to 17:00, in the hall
of the old school. Entry is free and no booking is needed for small repairs.</p>
<h2>What to bring</h2>
<p>Bring small appliances, clothes, bicycles or toys. Please clean the object first and
bring any spare parts you already have at home, with the user manual if you kept it.</p>
</article>
<footer>© 2024 Valmont associations · Cookie policy · Legal notice</footer>
</body></html>
"""

MARKDOWN = """\
---
title: Front matter title
---
Preamble before any heading.

# Guide

## Install

Run the installer.

```sh
# this is a comment, not a heading
make install
```

### Linux

Use the package manager.

## Usage ##

Type a question.
"""


def _load(write, name: str, content: bytes | str, limits: Limits | None = None) -> Document:
    path = write(name, content)
    return load_source(path, limits or Limits())


# --------------------------------------------------------------------------- registry


def test_registry_knows_every_format() -> None:
    for extension in (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".srt"):
        assert loader_for_extension(extension) is not None, extension
    assert loader_for_extension("VTT") is not None
    assert loader_for_extension(".eml") is not None
    assert loader_for_extension(".exe") is None
    assert loader_for_media_type("text/html; charset=UTF-8").name == "html"
    assert loader_for_media_type("application/pdf").name == "pdf"
    assert loader_for_media_type("text/plain").name == "text"
    assert loader_for_media_type("image/png") is None
    assert ".md" in supported_extensions()


# --------------------------------------------------------------------------- text


def test_text_file(write) -> None:
    data = b"First line\r\nsecond line\r\n\r\nNext paragraph.\n"
    path = write("notes.txt", data)
    doc = load_source(path)
    assert doc.uri == path
    assert doc.title == "notes"
    assert doc.media_type == "text/plain"
    assert doc.content_hash == content_hash(data)
    assert doc.text == "First line\nsecond line\n\nNext paragraph."


def test_text_with_utf8_bom_and_latin1(write) -> None:
    assert load_source(write("bom.txt", b"\xef\xbb\xbfCaf\xc3\xa9 noir")).text == "Café noir"
    latin1 = "Le café de la bibliothèque ouvre à neuf heures, même le samedi.".encode("latin-1")
    assert "café" in load_source(write("latin.txt", latin1)).text


def test_binary_text_file_is_refused(write) -> None:
    with pytest.raises(LoaderError, match="binary"):
        load_source(write("data.txt", bytes(range(256)) * 20))


def test_whitespace_only_file_has_no_text(write) -> None:
    with pytest.raises(LoaderError, match="contains no text"):
        load_source(write("blank.txt", "  \n\n\t \n"))


# --------------------------------------------------------------------------- markdown


def test_markdown_sections_follow_headings(write) -> None:
    doc = _load(write, "guide.md", MARKDOWN)
    assert doc.title == "Front matter title"
    paths = [section.heading_path for section in doc.sections]
    assert paths == [(), ("Guide", "Install"), ("Guide", "Install", "Linux"), ("Guide", "Usage")]
    install = doc.sections[1]
    assert install.text.startswith("# Guide\n\n## Install\n\nRun the installer.")
    assert "# this is a comment, not a heading" in install.text  # fenced code is not a heading
    assert doc.sections[3].text == "## Usage ##\n\nType a question."
    assert "title:" not in doc.text


def test_markdown_empty_sibling_heading_stands_alone(write) -> None:
    doc = _load(write, "notes.md", "## A\n## B\n\nText of B.\n")
    assert [(s.heading_path, s.text) for s in doc.sections] == [
        (("A",), "## A"),
        (("B",), "## B\n\nText of B."),
    ]


def test_markdown_title_is_first_h1_and_uppercase_extension(write) -> None:
    doc = _load(write, "README.MD", "Intro.\n\n# The Title\n\nBody.\n")
    assert doc.title == "The Title"
    assert doc.sections[1].heading_path == ("The Title",)


# --------------------------------------------------------------------------- html


def test_html_main_text_without_boilerplate(write) -> None:
    doc = _load(write, "repair.html", HTML_PAGE)
    assert doc.media_type == "text/html"
    assert "Repair Café" in doc.title
    assert "Cookie policy" not in doc.text
    assert "Log in" not in doc.text
    by_path = {section.heading_path: section.text for section in doc.sections}
    assert "second Saturday" in by_path[("Repair Café", "When")]
    assert "spare parts" in by_path[("Repair Café", "What to bring")]


def test_tiny_html_page(write) -> None:
    doc = _load(write, "tiny.htm", "<html><body><h2>Note</h2><p>Buy milk.</p></body></html>")
    assert "Buy milk." in doc.text


def test_html_to_text_fallback_keeps_blocks_and_headings() -> None:
    page = """<html><head><title>T</title><style>p{}</style></head><body>
    <!-- a comment --><h1>Title</h1><p>One
    paragraph, <b>bold</b> word.</p><script>var x = 1;</script>
    <ul><li>first</li><li>second</li></ul><table><tr><td>a</td><td>b</td></tr></table>
    </body></html>"""
    text = html_to_text(page, markdown_headings=True)
    assert text == "# Title\n\nOne paragraph, bold word.\n\n- first\n- second\n\na | b |"


# --------------------------------------------------------------------------- pdf


def test_pdf_one_section_per_page(write, make_pdf) -> None:
    pages = ["Page one talks about espresso.", "", "Page three talks about warranty."]
    doc = _load(write, "manual.pdf", make_pdf(pages))
    assert doc.media_type == "application/pdf"
    assert [section.page for section in doc.sections] == [1, 3]  # the blank page has no text
    assert "espresso" in doc.sections[0].text
    assert "warranty" in doc.sections[1].text
    assert doc.metadata["pages"] == "3"


def test_truncated_pdf(write, make_pdf) -> None:
    data = make_pdf(["Some text on page one.", "More text on page two."])
    path = write("cut.pdf", data[: len(data) // 2])
    with pytest.raises(LoaderError, match="truncated or corrupt") as caught:
        load_source(path)
    assert path in str(caught.value)


def test_not_a_pdf(write) -> None:
    with pytest.raises(LoaderError, match="not a valid PDF"):
        load_source(write("fake.pdf", b"hello, I am not a PDF at all"))


def test_scanned_pdf_has_no_extractable_text(write, make_pdf) -> None:
    with pytest.raises(LoaderError, match="no extractable text"):
        load_source(write("scan.pdf", make_pdf(["", ""])))


def test_encrypted_pdf(write, make_pdf) -> None:
    with pytest.raises(LoaderError, match="encrypted"):
        load_source(write("secret.pdf", make_pdf(["Secret text."], user_password="pw")))


def test_pdf_protected_by_owner_password_only_opens(write, make_pdf) -> None:
    doc = _load(write, "locked.pdf", make_pdf(["Readable text."], user_password=""))
    assert "Readable text." in doc.text


def test_pdf_page_limit(write, make_pdf) -> None:
    with pytest.raises(LoaderError, match="has 3 pages; the limit is 2"):
        _load(write, "long.pdf", make_pdf(["a", "b", "c"]), Limits(max_pdf_pages=2))


# --------------------------------------------------------------------------- docx


def test_docx_heading_styles_give_heading_paths(write, make_docx) -> None:
    blocks = [
        ("title", "Compost guide"),
        ("p", "Introduction paragraph."),
        ("h1", "What goes in"),
        ("p", "Kitchen scraps:"),
        ("li", "fruit peels"),
        ("li", "coffee grounds"),
        ("h1", "How long"),
        ("h2", "In summer"),
        ("p", "Six months."),
        ("table", "Green|Brown\npeels|leaves"),
    ]
    doc = _load(write, "guide.docx", make_docx(blocks))
    assert doc.title == "Compost guide"
    paths = [section.heading_path for section in doc.sections]
    assert paths == [
        ("Compost guide",),
        ("Compost guide", "What goes in"),
        ("Compost guide", "How long", "In summer"),
    ]
    assert "- fruit peels\n- coffee grounds" in doc.sections[1].text
    assert doc.sections[2].text.startswith("How long\n\nIn summer\n\nSix months.")
    assert "Green | Brown\npeels | leaves" in doc.sections[2].text


def test_random_bytes_renamed_docx(write) -> None:
    path = write("report.docx", os.urandom(4096))
    with pytest.raises(LoaderError, match=r"not a valid \.docx \(Word\) file") as caught:
        load_source(path)
    assert str(caught.value).startswith(path)


def test_zip_that_is_not_a_word_document(write) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(LoaderError, match="not a Word document"):
        load_source(write("archive.docx", buffer.getvalue()))


def test_docx_zip_bomb_is_refused_before_inflating(write, make_docx) -> None:
    buffer = io.BytesIO()
    source = zipfile.ZipFile(io.BytesIO(make_docx([("p", "x")])))
    with source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            target.writestr(entry, source.read(entry.filename))
        target.writestr("word/media/padding.bin", b"\0" * 3_000_000)
    assert len(buffer.getvalue()) < 100_000  # it compresses very well: that is the point
    limits = Limits(max_uncompressed_bytes=1_000_000)
    with pytest.raises(LoaderError, match="once uncompressed; the limit is"):
        _load(write, "bomb.docx", buffer.getvalue(), limits)


def test_docx_entry_count_limit(write, make_docx) -> None:
    with pytest.raises(LoaderError, match="entries"):
        _load(write, "many.docx", make_docx([("p", "x")]), Limits(max_zip_entries=3))


# --------------------------------------------------------------------------- subtitles


def test_srt_one_section_per_cue(write) -> None:
    doc = _load(write, "talk.srt", SRT)
    assert doc.media_type == "application/x-subrip"
    assert [(s.start_s, s.end_s) for s in doc.sections] == [
        (1.5, 4.25),
        (5.0, 7.125),
        (60.0, 62.0),
    ]
    assert doc.sections[0].text == "Bonjour et bienvenue à l'atelier."
    assert doc.sections[1].text == "La pâte a une hydratation de 70 %."


def test_vtt_one_section_per_cue(write) -> None:
    doc = _load(write, "talk.vtt", VTT)
    assert doc.media_type == "text/vtt"
    assert [(s.start_s, s.end_s) for s in doc.sections] == [(1.5, 4.25), (5.0, 7.125)]
    assert doc.sections[0].text == "Anna: Welcome to the workshop."  # her voice tag
    assert doc.sections[1].text == "The dough is seventy percent water."


@pytest.mark.parametrize(
    ("name", "content"),
    [("bad.srt", "this is not\na subtitle file\n"), ("bad.vtt", "NOT A VTT\n\nhello\n")],
)
def test_malformed_subtitles(write, name: str, content: str) -> None:
    with pytest.raises(LoaderError, match=r"subtitle file|WebVTT"):
        load_source(write(name, content))


# --------------------------------------------------------------------------- e-mail


def test_plain_email(write) -> None:
    doc = _load(write, "rdv.eml", EML_PLAIN)
    assert doc.media_type == "message/rfc822"
    assert doc.title == "Rendez-vous jeudi"
    (section,) = doc.sections
    assert section.message_id == "<rdv-123@example.org>"
    assert section.heading_path == ("Rendez-vous jeudi",)
    lines = section.text.split("\n")
    assert lines[:4] == [
        "From: Alice Martin <alice@example.org>",
        "To: Bob Durand <bob@example.org>",
        "Date: Mon, 15 Jan 2024 09:30:00 +0100",
        "Subject: Rendez-vous jeudi",
    ]
    assert "jeudi à 14 h devant la bibliothèque" in section.text


def test_html_only_email_is_converted_to_text(write) -> None:
    doc = _load(write, "news.eml", EML_HTML_ONLY)
    text = doc.sections[0].text
    assert "The repair café meets on Saturday." in text
    assert "<" not in text.split("\n\n", 1)[1]
    assert "alert" not in text and "color" not in text


def test_multipart_email_prefers_plain_text_and_lists_attachments(write) -> None:
    doc = _load(write, "report.eml", EML_MULTIPART)
    assert "The plain body wins." in doc.text
    assert "HTML body" not in doc.text
    assert doc.metadata["attachments"] == "report.pdf"
    assert doc.sections[0].message_id == "<report-1@example.org>"


def test_eml_that_is_not_an_email(write) -> None:
    with pytest.raises(LoaderError, match="does not look like an e-mail"):
        load_source(write("note.eml", "just some words\nwithout headers\n"))


# --------------------------------------------------------------------------- file errors


def test_file_not_found(tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere.md")
    with pytest.raises(LoaderError, match="file not found") as caught:
        load_source(missing)
    assert caught.value.input_name == missing


def test_empty_target() -> None:
    with pytest.raises(LoaderError, match="no file name or URL"):
        load_source("")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(LoaderError, match="is a directory"):
        load_source(str(tmp_path))


def test_empty_file(write) -> None:
    with pytest.raises(LoaderError, match="empty file"):
        load_source(write("empty.pdf", b""))


def test_file_over_the_size_limit(write) -> None:
    path = write("big.txt", "x" * 3000)
    with pytest.raises(LoaderError) as caught:
        load_source(path, Limits(max_bytes=1024))
    assert str(caught.value) == (
        f"{path}: file too large (2.9 KB); the limit is 1.0 KB (CAUSERIE_MAX_SOURCE_MB raises it)"
    )


def test_unsupported_extension_lists_the_supported_ones(write) -> None:
    with pytest.raises(UnsupportedFormat) as caught:
        load_source(write("photo.jpeg", b"\xff\xd8\xff"))
    message = str(caught.value)
    assert "photo.jpeg" in message and ".jpeg" in message
    for extension in (".md", ".pdf", ".docx", ".srt", ".eml"):
        assert extension in message


def test_unsupported_url_scheme() -> None:
    with pytest.raises(UnsupportedFormat, match="use http:// or https://"):
        load_source("ftp://example.org/file.txt")


def test_every_error_is_an_input_error(write) -> None:
    assert issubclass(LoaderError, InputError)
    with pytest.raises(InputError):
        load_source(write("x.srt", b"\x00\x01\x02" * 100))


# --------------------------------------------------------------------------- samples

SAMPLE_FACTS = {
    "valmont-library.md": [
        "On Sundays the library opens from 10:00 to 14:00",
        "The library is closed on Mondays",
        "Books are lent for 21 days",
        "0.25 euros per item for each day",
        "room 1.04",
        "ValmontLibrary-Guest",
    ],
    "guide-compost.docx": [
        "Un compost mûr s'obtient en 6 à 9 mois",
        "composteur en bois de 400 litres",
        "le marc de café avec son filtre en papier",
        "la viande, le poisson et les os",
    ],
    "lumen-grinder-manual.pdf": [
        "For espresso, use grind settings 3 to 8",
        "use grind settings 30 to 36",
        "Clean the burrs every 2 weeks",
        "warranty of 3 years",
    ],
    "atelier-pain.srt": [
        "hydratation de 70 %",
        "12 heures à 4 °C",
        "préchauffé à 250 °C",
    ],
}
SAMPLE_LANGUAGES = {
    "valmont-library.md": "en",
    "guide-compost.docx": "fr",
    "lumen-grinder-manual.pdf": "en",
    "atelier-pain.srt": "fr",
}


@pytest.mark.parametrize("name", sorted(SAMPLE_FACTS))
def test_sample_facts_each_sit_in_exactly_one_chunk(samples_dir: Path, name: str) -> None:
    doc = load_source(str(samples_dir / name))
    assert detect_language(doc.text) == SAMPLE_LANGUAGES[name]
    chunks = chunk_document(doc)
    flat = [" ".join(chunk.text.split()) for chunk in chunks]
    most = 2 if is_timed(doc) else 1  # speech windows overlap: a fact may sit in two
    for fact in SAMPLE_FACTS[name]:
        holders = [text for text in flat if fact in text]
        assert 1 <= len(holders) <= most, (name, fact, len(holders))


def test_sample_pdf_has_methods_on_different_pages(samples_dir: Path) -> None:
    doc = load_source(str(samples_dir / "lumen-grinder-manual.pdf"))
    assert len(doc.sections) >= 3
    page_of = {
        method: next(s.page for s in doc.sections if method in s.text)
        for method in ("Espresso", "French press", "Warranty")
    }
    assert len(set(page_of.values())) == 3


def test_sample_markdown_has_a_sunday_section(samples_dir: Path) -> None:
    doc = load_source(str(samples_dir / "valmont-library.md"))
    sunday = [s for s in doc.sections if s.heading_path[-1:] == ("Sundays",)]
    assert len(sunday) == 1 and "10:00 to 14:00" in sunday[0].text
