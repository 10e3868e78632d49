"""Issue 11, item 4: a loader runs in a child process within a wall-clock, CPU and memory
budget; PDF pages that share one content stream are parsed once."""

from __future__ import annotations

import io
import time

import pytest

from causerie.errors import LoaderError, UnsupportedFormat
from causerie.ingest.limits import MIB, Limits
from causerie.ingest.loaders import load_bytes, loader_for_extension
from causerie.ingest.loaders.pdf import load_pdf
from causerie.ingest.sandbox import Budget, load_in_child


def shared_stream_pdf(pages: int, operators: int) -> bytes:
    """A small PDF whose `pages` pages all point at one content stream of `operators` text
    operators (the 5.5 KB file of the issue, scaled)."""
    from pypdf import PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        FloatObject,
        NameObject,
    )  # fmt: skip

    writer = PdfWriter()
    font = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
    })  # fmt: skip
    resources = writer._add_object(
        DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
    )
    stream = DecodedStreamObject()
    body = b"BT /F1 12 Tf 72 720 Td (Shared words on every page.) Tj ET\n"
    body += b"BT /F1 12 Tf 72 700 Td (x) Tj ET\n" * operators
    stream.set_data(body)
    content = writer._add_object(stream)
    for _ in range(pages):
        page = writer.add_blank_page(612, 792)
        page[NameObject("/Contents")] = content
        page[NameObject("/Resources")] = resources
        page[NameObject("/MediaBox")] = ArrayObject([FloatObject(0)] * 2 + [FloatObject(612),
                                                     FloatObject(792)])  # fmt: skip
    writer.compress_identical_objects()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pages_sharing_one_stream_are_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from pypdf import PageObject

    data = shared_stream_pdf(pages=400, operators=200)
    calls = []
    real = PageObject.extract_text
    monkeypatch.setattr(
        PageObject, "extract_text", lambda self, *a, **k: calls.append(1) or real(self, *a, **k)
    )
    started = time.perf_counter()
    document = load_pdf(data, "shared.pdf", Limits())
    elapsed = time.perf_counter() - started
    assert len(calls) == 1
    assert [s.page for s in document.sections] == [1]
    assert "Shared words" in document.sections[0].text
    assert document.metadata["pages"] == "400"
    assert elapsed < 5, elapsed


def test_wall_clock_budget_stops_the_child() -> None:
    started = time.monotonic()
    with pytest.raises(LoaderError, match=r"slow\.pdf: took longer than 1 s"):
        load_in_child(time.sleep, 60, name="slow.pdf", budget=Budget(wall_s=1))
    assert time.monotonic() - started < 15


def test_cpu_budget_stops_the_child() -> None:
    with pytest.raises(LoaderError, match="processor time"):
        load_in_child(sum, range(10**12), name="spin.pdf", budget=Budget(wall_s=60, cpu_s=1))


def test_memory_budget_stops_the_child() -> None:
    with pytest.raises(LoaderError, match="memory"):
        load_in_child(bytearray, 2048 * MIB, name="huge.docx",
                      budget=Budget(memory_bytes=512 * MIB))  # fmt: skip


def test_a_loader_runs_in_the_child_and_its_errors_keep_their_type() -> None:
    spec = loader_for_extension(".md")
    assert spec is not None
    document = load_in_child(load_bytes, b"# Hi\n\nSome text.\n", "hi.md", spec, Limits(),
                             name="hi.md", budget=Budget())  # fmt: skip
    assert document.title == "Hi" and "Some text." in document.text
    with pytest.raises(LoaderError, match=r"empty\.md"):
        load_in_child(load_bytes, b"   ", "empty.md", spec, Limits(), name="empty.md",
                      budget=Budget())  # fmt: skip
    with pytest.raises(UnsupportedFormat):
        from causerie.ingest.loaders import load_url

        load_in_child(load_url, "/etc/hosts", name="x", budget=Budget())
