"""Builders for ingestion test inputs, written in tmp_path (no files checked in but the samples)."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

import causerie.ingest

SAMPLES_DIR = Path(causerie.ingest.__file__).resolve().parent.parent / "samples"


def pdf_bytes(pages: Sequence[str], *, user_password: str | None = None) -> bytes:
    """A PDF with one page per string ('' gives a page with no text)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.rect(20, 20, 50, 50)  # a drawing, no text: what a scan looks like to us
    if user_password is not None:
        pdf.set_encryption(owner_password="owner-secret", user_password=user_password)
    return bytes(pdf.output())


def docx_bytes(blocks: Sequence[tuple[str, str]], *, title: str | None = None) -> bytes:
    """A .docx from (kind, text) blocks: kind is 'title', 'h1'..'h3', 'p', 'li' or 'table'.

    For 'table', text is rows separated by '\\n' and cells by '|'.
    """
    import docx

    document = docx.Document()
    if title is not None:
        document.core_properties.title = title
    for kind, text in blocks:
        if kind == "title":
            document.add_heading(text, level=0)
        elif kind.startswith("h"):
            document.add_heading(text, level=int(kind[1:]))
        elif kind == "li":
            document.add_paragraph(text, style="List Bullet")
        elif kind == "table":
            rows = [row.split("|") for row in text.split("\n")]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for row, values in zip(table.rows, rows, strict=True):
                for cell, value in zip(row.cells, values, strict=True):
                    cell.text = value
        else:
            document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, bytes | str], str]:
    """write(name, content) -> the file's path as a string (bytes as is, str as UTF-8)."""

    def _write(name: str, content: bytes | str) -> str:
        path = tmp_path / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return str(path)

    return _write


@pytest.fixture
def make_pdf() -> Callable[..., bytes]:
    return pdf_bytes


@pytest.fixture
def make_docx() -> Callable[..., bytes]:
    return docx_bytes


@pytest.fixture
def samples_dir() -> Path:
    return SAMPLES_DIR
