"""Local mailboxes read lazily: .eml, .mbox, Maildir; bad ones reported by name."""

from __future__ import annotations

from pathlib import Path

from causerie.assistants.mail.mailboxes import read_mailboxes
from causerie.testing.mail_samples import as_bytes, fictional_mailbox


def _read(*targets: Path | str) -> tuple[list[str], list[str]]:
    problems: list[str] = []
    names = [m.name for m in read_mailboxes([str(t) for t in targets], problems.append)]
    return names, problems


def test_mbox_maildir_and_eml_give_every_message(mbox: Path, maildir: Path, tmp_path: Path) -> None:
    eml = tmp_path / "one.eml"
    eml.write_bytes(as_bytes(fictional_mailbox()[0]))
    names, problems = _read(mbox, maildir, eml)
    assert problems == []
    assert len(names) == 31 + 31 + 1
    assert names[0] == f"{mbox}#1" and names[-1] == str(eml)


def test_maildir_subfolders_are_read_with_their_folder_name(maildir: Path) -> None:
    import mailbox

    sent = mailbox.Maildir(maildir).add_folder("Sent")
    sent.add(as_bytes(fictional_mailbox()[1]))
    problems: list[str] = []
    folders = [m.folder for m in read_mailboxes([str(maildir)], problems.append)]
    assert folders.count("INBOX") == 31 and folders.count("Sent") == 1


def test_a_truncated_mbox_keeps_what_could_be_read(mbox: Path, tmp_path: Path) -> None:
    data = mbox.read_bytes()
    cut = tmp_path / "cut.mbox"
    cut.write_bytes(data[: len(data) * 2 // 3].rstrip(b"\n"))
    names, problems = _read(cut)
    assert 15 <= len(names) < 31
    assert problems == [f"{cut}#{len(names)}: the file ends in the middle of this message "
                        "(truncated?): what could be read of it is kept"]  # fmt: skip


def test_bad_targets_are_reported_by_name_and_the_rest_goes_on(mbox: Path, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not mail")
    empty = tmp_path / "empty.mbox"
    empty.write_bytes(b"")
    names, problems = _read(tmp_path / "missing.mbox", text, empty, mbox)
    assert len(names) == 31
    assert problems == [
        f"{tmp_path / 'missing.mbox'}: file or folder not found",
        f"{text}: is not a mailbox: expected a .eml file, an .mbox file or a Maildir folder",
        f"{empty}: is an empty file",
    ]
