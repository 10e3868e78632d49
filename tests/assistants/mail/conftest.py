"""The fictional mailbox (causerie.testing.mail_samples) written as an mbox, a Maildir and .eml
files, for the mail assistant's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from causerie.testing.mail_samples import fictional_mailbox, write_maildir, write_mbox


@pytest.fixture
def mbox(tmp_path: Path) -> Path:
    return write_mbox(fictional_mailbox(), tmp_path / "inbox.mbox")


@pytest.fixture
def maildir(tmp_path: Path) -> Path:
    return write_maildir(fictional_mailbox(), tmp_path / "Maildir")


def keys(message_ids: list[str]) -> tuple[str, ...]:
    """'<a1.2026@causerie-fiction.example>' -> 'A1'."""
    return tuple(m.strip("<").split(".", 1)[0].upper() for m in message_ids)
