"""Threads: JWZ from Message-ID / In-Reply-To / References, the subject fallback, status and
language; the fictional mailbox is threaded exactly as the hand list says."""

from __future__ import annotations

from causerie.assistants.mail.overview import list_threads
from causerie.assistants.mail.parse import parse_message
from causerie.assistants.mail.store import MessageRecord
from causerie.assistants.mail.threads import Link, base_subject, thread_messages
from causerie.ingest.language import detect_language
from causerie.testing.mail_samples import EXPECTED, ME, as_bytes, fictional_mailbox

from .conftest import keys


def test_replies_to_a_message_never_seen_share_one_thread() -> None:
    links = [
        Link("<b>", "<a>", ("<a>",), "Re: x"),
        Link("<c>", "<a>", ("<a>",), "Re: x"),
        Link("<d>", None, (), "other"),
    ]
    assert sorted(map(sorted, thread_messages(links))) == [["<b>", "<c>"], ["<d>"]]


def test_references_rebuild_the_tree_whatever_the_arrival_order() -> None:
    links = [
        Link("<c>", "<b>", ("<a>", "<b>"), "Re: plan"),
        Link("<a>", None, (), "plan"),
        Link("<b>", "<a>", ("<a>",), "Re: plan"),
    ]
    assert thread_messages(links) == [["<a>", "<b>", "<c>"]]


def test_a_reference_loop_does_not_hang_or_lose_messages() -> None:
    links = [Link("<a>", "<b>", ("<b>",), "x"), Link("<b>", "<a>", ("<a>",), "x")]
    assert sorted(m for group in thread_messages(links) for m in group) == ["<a>", "<b>"]


def test_subject_fallback_joins_replies_but_not_two_newsletters() -> None:
    links = [
        Link("<a>", None, (), "Budget 2026"),
        Link("<b>", None, (), "RE: [team] Budget 2026"),
        Link("<n1>", None, (), "Weekly news"),
        Link("<n2>", None, (), "Weekly news"),
    ]
    assert thread_messages(links) == [["<a>", "<b>"], ["<n1>"], ["<n2>"]]
    assert base_subject("Re: TR: Fwd: [list] Devis") == "devis"


def _records() -> list[MessageRecord]:
    parsed = [parse_message(as_bytes(m), "x") for m in fictional_mailbox()]
    return [MessageRecord.of(p, detect_language(p.own_text), "INBOX") for p in parsed]


def test_the_fictional_mailbox_is_threaded_exactly_as_the_hand_list() -> None:
    threads = list_threads(_records(), {ME})
    assert sorted(keys(t.message_ids) for t in threads) == sorted(EXPECTED.threads)
    by_first = {keys(t.message_ids)[0]: t for t in threads}
    assert {k: t.status for k, t in by_first.items()} == EXPECTED.status
    assert {k: t.language for k, t in by_first.items()} == EXPECTED.language
    lyon = by_first["B1"].to_json()
    assert lyon["participants"] == [
        "sarah@northwind.example", ME, "tom@northwind.example",
    ]  # fmt: skip
    assert lyon["last_date"] == "2026-03-11T10:20:00+01:00"
    assert [t.messages[-1].date for t in threads] == sorted(
        (t.messages[-1].date for t in threads), reverse=True
    )  # newest first


def test_without_me_a_thread_from_others_that_asks_needs_a_reply() -> None:
    threads = list_threads(_records(), set())
    assert {keys(t.message_ids)[0]: t.status for t in threads}["A1"] == "needs_reply"
