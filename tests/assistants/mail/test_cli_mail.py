"""`causerie mail add` and `mail threads` end to end, in-process, on a real SQLite file: the
messages become sources (asked and cited like any), threads come back as JSON, a bad mailbox is
reported by name and nothing stored is lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from causerie.cli.app import App
from causerie.cli.main import cli
from causerie.providers.fake import FakeProvider
from causerie.testing.mail_samples import EXPECTED, ME, as_bytes, fictional_mailbox

from .conftest import keys


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def test_add_then_threads_json(mbox: Path) -> None:
    added = run("mail", "add", str(mbox), "--notebook", "mail", "--json")
    assert added.exit_code == 0, added.stderr
    outcome = json.loads(added.stdout)
    assert outcome == {"added": 31, "unchanged": 0, "failed": 0, "attachments_indexed": 1,
                       "problems": [], "threads": 13}  # fmt: skip
    listed = run("mail", "threads", "--notebook", "mail", "--me", ME, "--json")
    threads = json.loads(listed.stdout)
    assert sorted(keys(t["message_ids"]) for t in threads) == sorted(EXPECTED.threads)
    assert set(threads[0]) == {"id", "subject", "language", "message_ids", "participants",
                               "last_date", "status"}  # fmt: skip
    again = run("mail", "add", str(mbox), "--notebook", "mail", "--json")
    assert json.loads(again.stdout)["unchanged"] == 31


def test_me_comes_from_the_settings(mbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run("mail", "add", str(mbox), "--notebook", "mail")
    monkeypatch.setenv("CAUSERIE_MAIL_ME", ME)
    threads = json.loads(run("mail", "threads", "--notebook", "mail", "--json").stdout)
    assert {keys(t["message_ids"])[0]: t["status"] for t in threads} == EXPECTED.status
    plain = run("mail", "threads", "--notebook", "mail").stdout
    assert "needs_reply" in plain and "Maquettes du site de la boulangerie" in plain


def test_messages_and_attachments_are_sources_cited_with_sender_and_date(
    mbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("mail", "add", str(mbox), "--notebook", "mail")
    listed = run("sources", "--notebook", "mail").stdout
    assert "mail:a1.2026@causerie-fiction.example" in listed
    assert "mail:b5.2026@causerie-fiction.example/quote-northwind.pdf" in listed
    fake = FakeProvider("Paul demande aussi une version mobile des maquettes [1].")
    monkeypatch.setattr(App, "make_provider", lambda self: fake)
    asked = run("ask", "Qui demande une version mobile des maquettes ?", "-n", "mail", "--json")
    answer = json.loads(asked.stdout)
    cited = answer["citations"][0]
    assert cited["source"] == "mail:a3.2026@causerie-fiction.example"
    assert cited["label"] == (
        "Re: Maquettes du site de la boulangerie > Paul Martin, 2026-03-04 08:40"
    )
    assert "version mobile" in cited["text"]
    assert "a écrit" not in cited["text"] and "wrote:" not in cited["text"]  # quotes not indexed


def test_bad_mailboxes_are_reported_and_stored_mail_is_kept(mbox: Path, tmp_path: Path) -> None:
    run("mail", "add", str(mbox), "--notebook", "mail")
    broken = tmp_path / "broken.eml"
    broken.write_bytes(b"no headers at all, just words\n")
    result = run("mail", "add", str(broken), str(tmp_path / "nope.mbox"), "--notebook", "mail")
    assert result.exit_code == 1
    assert f"{broken}: is not an e-mail message" in result.stderr
    assert "nope.mbox: file or folder not found" in result.stderr
    threads = json.loads(run("mail", "threads", "--notebook", "mail", "--json").stdout)
    assert len(threads) == 13


def test_an_unknown_charset_is_reported_but_the_message_goes_in(tmp_path: Path) -> None:
    message = fictional_mailbox()[1]
    raw = as_bytes(message).replace(b'charset="utf-8"', b"charset=x-klingon")
    path = tmp_path / "odd.eml"
    path.write_bytes(raw)
    result = run("mail", "add", str(path), "--notebook", "mail", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["added"] == 1
    assert "unknown charset 'x-klingon'" in result.stderr


def test_a_docx_attachment_becomes_a_source_of_its_message(tmp_path: Path) -> None:
    import io

    from docx import Document

    document = Document()
    document.add_paragraph("Le cahier des charges prévoit trois maquettes et une charte.")
    data = io.BytesIO()
    document.save(data)
    message = fictional_mailbox()[1]
    message.add_attachment(
        data.getvalue(),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename="cahier des charges.docx",
    )
    path = tmp_path / "with-docx.eml"
    path.write_bytes(as_bytes(message))
    result = run("mail", "add", str(path), "--notebook", "mail", "--json")
    assert json.loads(result.stdout)["attachments_indexed"] == 1
    listed = run("sources", "--notebook", "mail").stdout
    assert "mail:a1.2026@causerie-fiction.example/cahier des charges.docx" in listed
