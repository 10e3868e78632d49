"""Issue 11, item 11: control characters (ESC, BEL, C1) from any document are stripped once,
centrally, before anything is stored; the CLI escapes non-printables on a terminal."""

from __future__ import annotations

import io
from pathlib import Path

from click.testing import CliRunner

from causerie.cli.main import cli
from causerie.cli.terminal import escape_nonprintable, for_terminal
from causerie.ingest.clean import strip_controls

EML_WITH_CONTROLS = (
    "From: Mallory <m@example.org>\r\n"
    "To: you@example.org\r\n"
    "Subject: Invoice \x1b]0;pwned\x07 due\r\n"
    "Message-ID: <esc-1@example.org>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Please pay\x1b[2J\x1b[31m now\x07.\tThe total is 40 euros.\x85\r\n"
)


def _run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_email_controls_are_not_stored(isolated_home: Path, tmp_path: Path) -> None:
    mail = tmp_path / "invoice.eml"
    mail.write_bytes(EML_WITH_CONTROLS.encode("utf-8"))
    added = _run("add", str(mail), "--no-embed")
    assert added.exit_code == 0, added.stderr
    from causerie.config import load_settings
    from causerie.store.sqlite import SQLiteStore
    from causerie.types import LOCAL_OWNER

    store = SQLiteStore(load_settings().database_path)
    book = store.get_notebook(LOCAL_OWNER, "default")
    assert book is not None
    (source,) = store.list_sources(LOCAL_OWNER, book.id)
    chunks = store.source_chunks(LOCAL_OWNER, source.id, 0, 100)
    stored = source.title + "".join(c.text + "".join(c.locator.heading_path) for c in chunks)
    store.close()
    for control in ("\x1b", "\x07", "\x85"):
        assert control not in stored
    assert "Please pay[2J[31m now." in stored and "\t" in stored
    listed = _run("sources")
    assert "\x1b" not in listed.stdout


def test_strip_controls_keeps_tabs_and_newlines() -> None:
    assert strip_controls("a\x00b\x1bc\x7fd\x9fe\tf\ng\rh") == "abcde\tf\ng\rh"
    assert strip_controls("déjà vu — ok") == "déjà vu — ok"


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_output_escapes_nonprintables() -> None:
    text = "ok\x1b[2J\x07 \u202eevil\tend\n"
    assert escape_nonprintable(text) == "ok\\x1b[2J\\x07 \\u202eevil\tend\n"
    assert for_terminal(text, _Tty()) == escape_nonprintable(text)
    assert for_terminal(text, io.StringIO()) == text  # a pipe gets the text as it is
