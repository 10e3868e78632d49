"""Exports of a tailored CV or a letter (simple Markdown: '#' headings, '- ' bullets,
paragraphs) to Markdown, Word (python-docx) and PDF (fpdf2).

    export(markdown, Path("cv.docx"))      # .md, .docx or .pdf, by the file's suffix
    data = render(markdown, ".pdf")        # the bytes, for a download

The PDF uses DejaVu Sans when the system has it (every character), else the PDF core font
Helvetica, with the few typographic characters it lacks written plainly (’ -> ', œ -> oe).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from causerie.errors import InputError

FONT_PATHS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
    Path("/Library/Fonts/DejaVuSans.ttf"),
)
PLAIN = {"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "œ": "oe",
         "Œ": "OE", "•": "-", "\u202f": " ", "✓": "v", "✗": "x"}  # fmt: skip
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*•]\s+(.*)$")
_EMPHASIS = re.compile(r"\*\*|__|`")

Block = tuple[str, str]  # (kind, text): ("h1" .. "h3", "bullet", "p")


def blocks(markdown: str) -> list[Block]:
    found: list[Block] = []
    for raw in markdown.splitlines():
        line = _EMPHASIS.sub("", raw).rstrip()
        if not line.strip():
            continue
        heading = _HEADING.match(line)
        bullet = _BULLET.match(line)
        if heading:
            found.append((f"h{min(3, len(heading[1]))}", heading[2].strip()))
        elif bullet:
            found.append(("bullet", bullet[1].strip()))
        else:
            found.append(("p", line.strip()))
    return found


def render(markdown: str, suffix: str) -> bytes:
    suffix = suffix.lower()
    if suffix == ".md":
        return markdown.encode("utf-8")
    if suffix == ".docx":
        return _docx(blocks(markdown))
    if suffix == ".pdf":
        return _pdf(blocks(markdown))
    raise InputError(suffix, "exports are .md, .docx or .pdf")


def export(markdown: str, path: Path) -> None:
    path.write_bytes(render(markdown, path.suffix))


def _docx(found: list[Block]) -> bytes:
    from docx import Document

    document = Document()
    for kind, text in found:
        if kind.startswith("h"):
            document.add_heading(text, level=int(kind[1]))
        elif kind == "bullet":
            document.add_paragraph(text, style="List Bullet")
        else:
            document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _pdf(found: list[Block]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_page()
    font = next((p for p in FONT_PATHS if p.is_file()), None)
    family = "Helvetica"
    if font is not None:
        pdf.add_font("DejaVu", "", str(font))
        bold = font.with_name("DejaVuSans-Bold.ttf")
        pdf.add_font("DejaVu", "B", str(bold if bold.is_file() else font))
        family = "DejaVu"

    def clean(text: str) -> str:
        if family != "Helvetica":
            return text
        plain = "".join(PLAIN.get(c, c) for c in text)
        return plain.encode("latin-1", "replace").decode("latin-1")

    sizes = {"h1": 16, "h2": 13, "h3": 11.5}
    for kind, text in found:
        if kind in sizes:
            pdf.set_font(family, "B", sizes[kind])
            pdf.ln(2)
            pdf.multi_cell(0, sizes[kind] * 0.5, clean(text), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        else:
            pdf.set_font(family, "", 10.5)
            shown = f"- {text}" if kind == "bullet" else text
            pdf.multi_cell(0, 5.2, clean(shown), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(0.8 if kind == "bullet" else 2)
    return bytes(pdf.output())
