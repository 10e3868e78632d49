"""Text from documents and models, made safe to print on a terminal.

Stored documents hold no control characters (causerie.ingest.clean), but a model's answer or an
older database may. On a terminal, every non-printable character but newline and tab is shown
escaped (ESC as `\\x1b`, a bidi override as `\\u202e`), so text cannot drive the terminal;
into a pipe or a file the text goes unchanged.
"""

from __future__ import annotations

import sys
import unicodedata
from typing import TextIO

import click

_KEEP = frozenset("\n\t")


def escape_nonprintable(text: str) -> str:
    """Control (Cc) and format (Cf: bidi overrides, zero-width) characters as escapes."""
    out = []
    for ch in text:
        if ch not in _KEEP and unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def for_terminal(text: str, stream: TextIO | None = None) -> str:
    """`text` escaped when `stream` (default stdout) is a terminal, else unchanged."""
    stream = stream or sys.stdout
    isatty = getattr(stream, "isatty", None)
    return escape_nonprintable(text) if isatty is not None and isatty() else text


def echo(text: str = "", nl: bool = True, err: bool = False) -> None:
    """click.echo with `for_terminal` applied to the text."""
    stream = sys.stderr if err else sys.stdout
    click.echo(for_terminal(text, stream), nl=nl, err=err)
