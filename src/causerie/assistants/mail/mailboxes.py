"""Local mailboxes -> raw messages, read lazily (a 50,000-message mbox never sits in memory).

    for item in read_mailboxes(["inbox.mbox", "Maildir/", "a.eml"], problems.append):
        item.name, item.folder, item.raw

A target is a `.eml` file, an `.mbox` file (or any file whose first line is an mbox "From "
line), a Maildir folder (cur/new/tmp; its Maildir++ sub-folders too) or a folder of .eml
files. What cannot be read is reported through `report` (naming the input and the problem)
and the rest still comes: a truncated mbox gives the messages that could be read.
"""

from __future__ import annotations

import mailbox
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from causerie.errors import LoaderError

Report = Callable[[str], None]
MAX_MESSAGE_BYTES = 50 << 20


@dataclass(frozen=True, slots=True)
class RawMessage:
    name: str  # "inbox.mbox#12", "Maildir/cur/1700000.M1P2", "a.eml"
    folder: str  # "INBOX", "Sent", or the file's name
    raw: bytes


def is_maildir(path: Path) -> bool:
    return path.is_dir() and all((path / sub).is_dir() for sub in ("cur", "new"))


def _looks_like_mbox(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(5) == b"From "


def read_mailboxes(targets: Iterable[str], report: Report) -> Iterator[RawMessage]:
    """Every message of every target, in order; problems go to `report`."""
    for target in targets:
        path = Path(target)
        try:
            if not path.exists():
                raise LoaderError(target, "file or folder not found")
            if is_maildir(path):
                yield from _maildir(path, report)
            elif path.is_dir():
                files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".eml")
                if not files:
                    raise LoaderError(
                        target, "is neither a Maildir (cur/, new/) nor a folder of .eml files"
                    )
                for file in files:
                    yield from _eml(file, report)
            elif path.suffix.lower() == ".eml":
                yield from _eml(path, report)
            elif path.suffix.lower() == ".mbox" or _looks_like_mbox(path):
                yield from _mbox(path, report)
            else:
                raise LoaderError(
                    target,
                    "is not a mailbox: expected a .eml file, an .mbox file or a Maildir folder",
                )
        except LoaderError as exc:
            report(str(exc))
        except OSError as exc:
            report(f"{target}: cannot be read ({exc.strerror or type(exc).__name__})")


def _eml(path: Path, report: Report) -> Iterator[RawMessage]:
    size = path.stat().st_size
    if size == 0:
        report(f"{path}: is an empty file")
        return
    if size > MAX_MESSAGE_BYTES:
        report(f"{path}: larger than {MAX_MESSAGE_BYTES >> 20} MB, skipped")
        return
    yield RawMessage(str(path), path.stem, path.read_bytes())


def _mbox(path: Path, report: Report) -> Iterator[RawMessage]:
    if path.stat().st_size == 0:
        report(f"{path}: is an empty file")
        return
    if not _looks_like_mbox(path):
        raise LoaderError(str(path), "is not an mbox file (it does not start with a 'From ' line)")
    with path.open("rb") as handle:
        handle.seek(-1, 2)
        cut = handle.read(1) != b"\n"  # an mbox ends with a newline; a cut one rarely does
    box = mailbox.mbox(path, create=False)
    try:
        keys = box.keys()
        if cut and keys:
            report(
                f"{path}#{len(keys)}: the file ends in the middle of this message (truncated"
                "?): what could be read of it is kept"
            )
        for number, key in enumerate(keys, start=1):
            try:
                raw = box.get_bytes(key)
            except (OSError, KeyError, ValueError) as exc:
                report(f"{path}#{number}: cannot be read ({exc})")
                continue
            if len(raw) > MAX_MESSAGE_BYTES:
                report(f"{path}#{number}: larger than {MAX_MESSAGE_BYTES >> 20} MB, skipped")
                continue
            yield RawMessage(f"{path}#{number}", path.stem, raw)
    finally:
        box.close()


def _maildir(path: Path, report: Report, folder: str = "INBOX") -> Iterator[RawMessage]:
    box = mailbox.Maildir(path, factory=None, create=False)
    for key in sorted(box.iterkeys()):
        try:
            raw = box.get_bytes(key)
        except (OSError, KeyError) as exc:
            report(f"{path}/{key}: cannot be read ({exc})")
            continue
        yield RawMessage(f"{path}/{key}", folder, raw)
    for sub in sorted(box.list_folders()):
        yield from _maildir(path / f".{sub}", report, sub)
