"""Summaries, action items, deadlines, drafts and the style profile through `causerie mail`,
with the scripted fake model: what the model says is checked in code (every line cited to a
message that states it, days resolved from the messages, the latest agreed day wins, no number
or date the thread lacks in a draft, the correspondent's language and tu/vous)."""

from __future__ import annotations

import json
import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from causerie.cli.app import App
from causerie.cli.main import cli
from causerie.providers.fake import FakeProvider
from causerie.testing.mail_samples import EXPECTED, ME, message_id

from .conftest import keys


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeProvider:
    provider = FakeProvider(strict=True)
    monkeypatch.setattr(App, "make_provider", lambda self: provider)
    return provider


@pytest.fixture
def threads(mbox: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The fictional mailbox in notebook 'mail'; {first message key: thread id}."""
    monkeypatch.setenv("CAUSERIE_MAIL_ME", ME)
    assert run("mail", "add", str(mbox), "-n", "mail").exit_code == 0
    listed = json.loads(run("mail", "threads", "-n", "mail", "--json").stdout)
    return {keys(t["message_ids"])[0]: t["id"] for t in listed}


def _reply(**data: object) -> str:
    return json.dumps(data, ensure_ascii=False)


BAKERY = _reply(
    summary=[
        {"text": "Paul demande les maquettes de la page d'accueil.", "source": 1},
        {"text": "Claire propose de livrer les maquettes le 13 mars.", "source": 2},
        {"text": "Paul annonce un budget de 9 000 euros.", "source": 1},
    ],
    action_items=[
        {"text": "Envoyer les maquettes de la page d'accueil", "owner": "me",
         "due": "2026-03-06", "source": 1},
        {"text": "Livrer les maquettes", "owner": "me", "due": "2026-03-13", "source": 3},
        {"text": "Envoyer les fichiers du logo", "owner": "me", "due": "2026-03-20",
         "source": 4},
    ],
    deadlines=[{"what": "Maquettes", "date": "2026-03-13", "source": 3},
               {"what": "Fichiers du logo", "date": "2026-03-18", "source": 4}],
)  # fmt: skip


def test_summary_is_cited_checked_and_the_latest_agreed_date_wins(
    threads: dict[str, str], fake: FakeProvider
) -> None:
    fake.enqueue(BAKERY)
    result = run("mail", "summary", threads["A1"], "-n", "mail", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    prompt = fake.calls[0][0][-1].content
    assert "vendredi prochain [= 2026-03-06]" in prompt and "le 13 mars [= 2026-03-13]" in prompt
    assert data["summary"] == (
        "Paul demande les maquettes de la page d'accueil. [1] "
        "Claire propose de livrer les maquettes le 13 mars. [2]"
    )
    assert [(i["text"], i["due"], i["citations"]) for i in data["action_items"]] == [
        ("Livrer les maquettes", "2026-03-13", [3]),  # 6 March gave way to the agreed 13th
        ("Envoyer les fichiers du logo", "2026-03-18", [4]),  # the day message 4 states
    ]
    assert [(d["date"], d["citations"]) for d in data["deadlines"]] == [
        ("2026-03-13", [3]),
        ("2026-03-18", [4]),
    ]
    assert data["citations"][0]["label"] == (
        "Maquettes du site de la boulangerie > Paul Martin, 2026-03-02 09:14"
    )
    assert data["citations"][0]["locator"]["message_id"] == message_id("A1")
    assert any("9 000" in r and "no message of the thread states it" in r for r in data["rejected"])
    assert any("2026-03-20 is not one message 4 states (2026-03-18)" in r
               for r in data["rejected"])  # fmt: skip


def test_a_summary_nothing_supports_falls_back_to_the_messages_own_sentences(
    threads: dict[str, str], fake: FakeProvider
) -> None:
    made_up = _reply(summary=[{"text": "Sarah cancels the Berlin trip.", "source": 1}],
                     action_items=[], deadlines=[])  # fmt: skip
    fake.enqueue(made_up, made_up, made_up)
    result = run("mail", "summary", threads["B1"], "-n", "mail", "--json")
    assert result.exit_code == 0, result.stderr
    assert len(fake.calls) == 3
    assert "A previous reply was rejected because no summary sentence" in (
        fake.calls[1][0][-1].content
    )
    data = json.loads(result.stdout)
    assert data["extractive"] is True
    assert data["summary"] == (
        "Sarah Lee: Tom will book the room. [3] "
        "Tom Becker: The room at Café Müller is booked for the whole day, coffee included. [4] "
        "Claire Dubois: Please find my quote attached: 1,800 EUR for the day, materials "
        "included. [5]"
    )
    assert [(d["date"], d["citations"]) for d in data["deadlines"]] == [
        ("2026-03-11", [2]),  # "by next Wednesday" (1), then "by Wednesday" (2)
        ("2026-04-14", [1]),
    ]
    assert [(i["text"], i["due"]) for i in data["action_items"]] == [
        ("I'll send the quote by Wednesday.", "2026-03-11"),  # Claire's answer to the request
    ]
    assert len(data["rejected"]) == 3


def test_digest_lists_recent_threads_with_their_summaries(
    threads: dict[str, str], fake: FakeProvider
) -> None:
    fake.enqueue(
        _reply(
            summary=[
                {"text": "Dan says the portfolio review moves to Friday March 27.", "source": 1}
            ],
            action_items=[],
            deadlines=[],
        )
    )
    result = run("mail", "digest", "-n", "mail", "--since", "2026-03-18", "--json")
    entries = json.loads(result.stdout)
    assert [keys(e["message_ids"])[0] for e in entries] == ["L1"]
    assert entries[0]["summary"]["summary"].endswith("March 27. [1]")
    again = run("mail", "digest", "-n", "mail", "--since", "2026-03-18", "--json")
    assert json.loads(again.stdout) == entries and len(fake.calls) == 1  # cached
    bad = run("mail", "digest", "-n", "mail", "--since", "last week")
    assert bad.exit_code == 2 and "is not a date" in bad.stderr


def test_draft_in_the_owners_voice_without_invented_facts(
    threads: dict[str, str], fake: FakeProvider, tmp_path: Path
) -> None:
    fake.enqueue(
        _reply(body="Je vous enverrai les fichiers du logo le 19 mars."),
        _reply(body="Je vous envoie les fichiers du logo d'ici le 18 mars, et les maquettes "
                    "avec leur version mobile le 13 mars."),
    )  # fmt: skip
    out = tmp_path / "reply.eml"
    result = run("mail", "draft", threads["A1"], "-n", "mail", "-o", str(out), "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["language"] == "fr" and data["eml"] == str(out)
    assert data["draft"] == (
        "Bonjour Paul,\n\nJe vous envoie les fichiers du logo d'ici le 18 mars, et les maquettes "
        "avec leur version mobile le 13 mars.\n\nBien à vous,\nClaire"
    )
    assert data["rejected"] == [
        "a reply was rejected: the reply states 2026-03-19 ('19 mars'), which the thread does not"
    ]
    assert [c["locator"]["message_id"] for c in data["citations"]] == [
        message_id("A3"),  # "version mobile ... le 13 mars" (agreed there)
        message_id("A4"),  # "le 18 mars"
    ]
    saved = message_from_bytes(out.read_bytes(), policy=policy.default)
    assert saved["In-Reply-To"] == message_id("A4")
    assert saved["Subject"] == "Re: Maquettes du site de la boulangerie"
    assert saved["To"] == "Paul Martin <paul@boulangerie-martin.fr>"
    assert "version mobile" in saved.get_body().get_content()


def test_drafts_say_tu_or_vous_as_the_owner_does_and_follow_the_language(
    threads: dict[str, str], fake: FakeProvider
) -> None:
    fake.enqueue(_reply(body="Avec plaisir, je vous retrouve jeudi."),
                 _reply(body="Avec plaisir, je te retrouve jeudi au Café des Arts."))  # fmt: skip
    lunch = json.loads(run("mail", "draft", threads["E1"], "-n", "mail", "--json").stdout)
    assert lunch["draft"].startswith("Salut Julien,\n\nAvec plaisir, je te retrouve")
    assert lunch["rejected"] == ['a reply was rejected: the reply must say "tu", not "vous"']
    fake.enqueue(_reply(body="Avec plaisir, je confirme le sujet bientôt."),
                 _reply(body="I'd be glad to send a short bio and a photo this week."))  # fmt: skip
    talk = json.loads(run("mail", "draft", threads["I1"], "-n", "mail", "--json").stdout)
    assert talk["language"] == "en"
    assert talk["draft"].startswith("Hi Anna,") and talk["draft"].endswith("Best regards,\nClaire")
    assert talk["rejected"] == ["a reply was rejected: the reply must be written in English"]


def test_a_draft_that_stays_unsupported_is_refused(
    threads: dict[str, str], fake: FakeProvider
) -> None:
    fake.enqueue(*[_reply(body="The quote is 2,500 EUR.")] * 3)
    result = run("mail", "draft", threads["B1"], "-n", "mail")
    assert result.exit_code == 1 and "no draft for thread" in result.stderr


def test_the_style_profile_is_learned_shown_and_editable(threads: dict[str, str]) -> None:
    learned = json.loads(run("mail", "style", "-n", "mail", "--json").stdout)
    for language, values in EXPECTED.style.items():
        assert {k: learned[language][k] for k in values} == values
    assert learned["tu"] == ["julien@collectif-graphique.fr"]
    assert (
        learned["fr"]["greeting"] == "Bonjour {name}," and learned["en"]["greeting"] == "Hi {name},"
    )
    edited = run("mail", "style", "-n", "mail", "--set", "fr.sign_off=Belle journée,", "--json")
    assert json.loads(edited.stdout)["fr"]["sign_off"] == "Belle journée,"
    kept = json.loads(run("mail", "style", "-n", "mail", "--json").stdout)
    assert kept["fr"]["sign_off"] == "Belle journée,"
    bad = run("mail", "style", "-n", "mail", "--set", "fr.colour=blue")
    assert bad.exit_code == 2 and "LANGUAGE.FIELD" in bad.stderr
    reset = json.loads(run("mail", "style", "-n", "mail", "--relearn", "--json").stdout)
    assert reset["fr"]["sign_off"] == "Bien à vous,"


def test_a_cloud_provider_gets_a_notice_and_masked_addresses(
    threads: dict[str, str], fake: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAUSERIE_PROVIDER", "openai")
    fake.enqueue(_reply(body="Je vous envoie le devis d'ici le 20 mars, pour 500 cartes."))
    result = run("mail", "draft", threads["G1"], "-n", "mail", "--json")
    assert result.exit_code == 0, result.stderr
    assert "API en ligne (openai)" in result.stderr  # in the thread's language
    prompt = fake.calls[0][0][-1].content
    assert "@" not in prompt and "[EMAIL_1]" in prompt
    mark = re.search(r"\[EMAIL_\d\]", prompt)
    assert mark is not None
    fake.enqueue(_reply(body=f"Je vous écris depuis {mark.group()} : le devis arrive d'ici "
                              "le 20 mars."))  # fmt: skip
    restored = json.loads(run("mail", "draft", threads["G1"], "-n", "mail", "--json").stdout)
    assert "@" in restored["draft"] and "[EMAIL_" not in restored["draft"]
    fake.enqueue(_reply(body="Je vous envoie le devis d'ici le 20 mars."))
    plain = run("mail", "draft", threads["G1"], "-n", "mail", "--no-redact", "--json")
    assert plain.exit_code == 0
    assert "helene.morel@jardins-saone.fr" in fake.calls[-1][0][-1].content
