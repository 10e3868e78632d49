"""One raw message -> MailMessage: encodings, charsets, MIME structures, attachments, own
words (quoted replies and signatures recognised), bad input named."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

import pytest

from causerie.assistants.mail.parse import parse_message
from causerie.assistants.mail.words import greeting_of, own_words, sign_off_of
from causerie.errors import LoaderError


def _message(body: str = "Hello there, the meeting is at noon.", **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.get("From", "Ana Ruiz <ana@example.org>")
    message["To"] = "me@example.org"
    message["Subject"] = headers.get("Subject", "Meeting")
    message["Date"] = "Tue, 03 Mar 2026 10:12:00 +0100"
    message["Message-ID"] = "<m1@example.org>"
    message.set_content(body)
    return message


def test_quoted_printable_and_base64_bodies_are_decoded() -> None:
    for cte in ("quoted-printable", "base64"):
        message = EmailMessage()
        message["From"] = "ana@example.org"
        message["Subject"] = "Facture"
        message.set_content("La facture de 340,00 € est réglée — merci.", cte=cte)
        raw = message.as_bytes(policy=SMTP)
        assert b"340,00 \xe2\x82\xac" not in raw  # really encoded on the wire
        parsed = parse_message(raw, "x.eml")
        assert parsed.body.strip() == "La facture de 340,00 € est réglée — merci."


def test_multipart_alternative_prefers_the_plain_text() -> None:
    message = _message("Plain words here, about the budget.")
    message.add_alternative("<p>HTML words <b>here</b></p>", subtype="html")
    parsed = parse_message(message.as_bytes(), "x.eml")
    assert "Plain words here" in parsed.body and "HTML" not in parsed.body


def test_html_only_mail_is_cleaned_to_text() -> None:
    message = _message()
    message.set_content(
        "<html><head><style>p{color:red}</style><script>alert(1)</script></head>"
        "<body><h1>News</h1><p>Variable fonts are back.</p></body></html>",
        subtype="html",
    )
    parsed = parse_message(message.as_bytes(), "x.eml")
    assert "Variable fonts are back." in parsed.body
    assert "alert" not in parsed.body and "color" not in parsed.body and "<" not in parsed.body


def test_a_latin1_message_is_read_in_its_charset() -> None:
    raw = (
        b"From: tom@example.org\nSubject: Salle\nContent-Type: text/plain; charset=iso-8859-1\n"
        b"Content-Transfer-Encoding: 8bit\n\nLa salle du Caf\xe9 M\xfcller est r\xe9serv\xe9e.\n"
    )
    assert parse_message(raw, "x.eml").body.strip() == "La salle du Café Müller est réservée."


def test_an_unknown_charset_is_read_as_latin1_and_noted() -> None:
    raw = (
        b"From: tom@example.org\nSubject: Odd\nContent-Type: text/plain; charset=x-klingon\n"
        b"Content-Transfer-Encoding: 8bit\n\nCaf\xe9 ouvert.\n"
    )
    parsed = parse_message(raw, "odd.eml")
    assert parsed.body.strip() == "Café ouvert."
    assert parsed.problems == ("unknown charset 'x-klingon': read as Latin-1",)


def test_a_broken_mime_structure_keeps_what_can_be_read() -> None:
    raw = (
        b"From: ana@example.org\nSubject: Cut\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="XYZ"\n\n--XYZ\n'
        b"Content-Type: text/plain; charset=utf-8\n\nThe first part survives the cut.\n"
    )  # no closing boundary: the message was cut
    parsed = parse_message(raw, "cut.eml")
    assert "The first part survives the cut." in parsed.body
    assert any("broken MIME structure" in p for p in parsed.problems)


def test_attachments_are_listed_and_pdf_docx_kept_for_indexing() -> None:
    message = _message()
    message.add_attachment(b"%PDF-1.4 ...", maintype="application", subtype="pdf",
                           filename="quote.pdf")  # fmt: skip
    message.add_attachment(b"\x89PNG...", maintype="image", subtype="png", filename="logo.png")
    parsed = parse_message(message.as_bytes(), "x.eml")
    assert [(a.name, a.indexable) for a in parsed.attachments] == [
        ("quote.pdf", True),
        ("logo.png", False),
    ]


def test_bulk_mail_is_recognised_by_its_list_headers() -> None:
    message = _message()
    message["List-Unsubscribe"] = "<mailto:u@example.org>"
    assert parse_message(message.as_bytes(), "x.eml").bulk
    assert not parse_message(_message().as_bytes(), "x.eml").bulk


def test_a_message_without_any_header_is_refused_with_its_name() -> None:
    with pytest.raises(LoaderError, match=r"notes.eml.*no From, Date, Subject or Message-ID"):
        parse_message(b"just some words\n", "notes.eml")


def test_missing_message_id_gets_a_stable_one_from_the_content() -> None:
    message = _message()
    del message["Message-ID"]
    first = parse_message(message.as_bytes(), "a").message_id
    assert first == parse_message(message.as_bytes(), "b").message_id
    assert first.endswith("@causerie.invalid>")


def test_quoted_reply_and_signature_are_not_the_messages_own_words() -> None:
    english = (
        "Hi Claire,\n\nFriday works. Let's say the 13th instead.\n\nThanks,\nPaul\n\n-- \n"
        "Paul Martin | Head of ops | +33 6 12 34 56 78\n\n"
        "On Tue, Mar 3, 2026 at 10:12 AM Claire <claire@example.org> wrote:\n"
        "> I can deliver next Friday.\n> Claire\n"
    )
    assert own_words(english) == (
        "Hi Claire,\n\nFriday works. Let's say the 13th instead.\n\nThanks,\nPaul"
    )
    french = (
        "Bonjour Paul,\n\nJe peux livrer le rapport vendredi prochain.\n\nBien cordialement,\n"
        "Claire Dubois\nAtelier Lumen\n06 12 34 56 78\n\n"
        "Le mar. 3 mars 2026 à 10:12, Paul Martin <paul@example.org> a écrit :\n"
        "> Peux-tu livrer le rapport ?\n"
    )
    assert own_words(french) == (
        "Bonjour Paul,\n\nJe peux livrer le rapport vendredi prochain.\n\n"
        "Bien cordialement,\nClaire Dubois"
    )
    mobile = "Yes, see you at 9.\n\nSent from my phone\n"
    assert own_words(mobile) == "Yes, see you at 9."


def test_greeting_and_sign_off() -> None:
    text = "Bonjour Paul,\n\nMerci.\n\nBien à vous,\nClaire"
    assert (greeting_of(text), sign_off_of(text)) == ("Bonjour Paul,", "Bien à vous,")
    assert (greeting_of("Merci pour tout."), sign_off_of("Merci pour tout.")) == ("", "")


def test_encoded_and_raw_8bit_headers_are_decoded() -> None:
    raw = (
        b"From: =?iso-8859-1?q?H=E9l=E8ne_Morel?= <helene@example.org>\n"
        b"To: =?utf-8?b?SsOpcsO0bWU=?= <jerome@example.org>, bob@example.org\n"
        b"Subject: =?utf-8?q?R=C3=A9union_budget_?= \n =?utf-8?q?=E2=80=94_mars?=\n"
        b"Cc: Ren\xc3\xa9 <rene@example.org>\n"
        b"Date: Tue, 03 Mar 2026 10:12:00 +0100\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="B"\n\n--B\n'
        b"Content-Type: text/plain; charset=utf-8\n\nBonjour.\n--B\n"
        b"Content-Type: application/pdf\n"
        b'Content-Disposition: attachment; filename="=?utf-8?q?devis_r=C3=A9vis=C3=A9.pdf?="\n'
        b"Content-Transfer-Encoding: base64\n\nJVBERi0xLjQ=\n--B--\n"
    )
    parsed = parse_message(raw, "x.eml")
    assert parsed.sender == ("Hélène Morel", "helene@example.org")
    assert parsed.to == (("Jérôme", "jerome@example.org"), ("", "bob@example.org"))
    assert parsed.cc == (("René", "rene@example.org"),)
    assert parsed.subject == "Réunion budget — mars"
    assert parsed.date is not None and parsed.date.isoformat() == "2026-03-03T10:12:00+01:00"
    assert [a.name for a in parsed.attachments] == ["devis révisé.pdf"]
