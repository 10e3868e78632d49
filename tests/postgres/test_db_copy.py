"""`causerie db copy`: a SQLite data folder with two users (accounts, notebooks, vectors,
conversations, study's cards, owned records) copied into PostgreSQL, then the same answers."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from causerie.assistants.study.cards import Deck
from causerie.assistants.study.db import StudyStore
from causerie.backends import open_accounts, open_records
from causerie.cli.main import cli
from causerie.config import Settings, load_settings
from causerie.providers.fake import FakeProvider
from causerie.session import Answer, final_answer
from causerie.types import Owner
from causerie.wiring import Services

SAMPLES = Path(__file__).resolve().parents[2] / "src" / "causerie" / "samples"
ALICE, BOB = Owner("alice"), Owner("bob")
PASSWORD = "a long enough passphrase"
# (owner, notebook, sample file, question, the model's scripted reply)
TURNS = [
    (ALICE, "library", "valmont-library.md", "When does the library open on Sundays?",
     "On Sundays the library opens from 10:00 to 14:00 [1]."),
    (ALICE, "library", "valmont-library.md", "How much does a card cost for people from elsewhere?",
     "People who live elsewhere pay 15 euros a year for a card [1]."),
    (BOB, "bread", "atelier-pain.srt", "À quelle température faut-il préchauffer le four ?",
     "Le four doit être préchauffé à 250 °C [1]."),
]  # fmt: skip


def ask_all(settings: Settings) -> tuple[list[Answer], list[object]]:
    """Every turn's answer, and the prompts the model saw."""
    fake = FakeProvider(strict=True)
    fake.enqueue(*(reply for *_, reply in TURNS))
    services = Services(settings, provider_factory=lambda: fake)
    try:
        answers = []
        for owner, name, _, question, _ in TURNS:
            book = services.store.get_notebook(owner, name)
            assert book is not None
            answers.append(final_answer(services.engine.ask(owner, book, question)))
        return answers, [messages for messages, _ in fake.calls]
    finally:
        services.close()


def test_copy_two_users_then_the_same_answers_from_postgresql(
    postgres_url: str, isolated_home: Path
) -> None:
    settings = load_settings()
    services = Services(settings)
    accounts = open_accounts(settings)
    study = StudyStore(open_records(settings))
    try:
        for name in ("alice", "bob"):
            accounts.create_user(name, PASSWORD)
        token = accounts.create_token("alice", "laptop")
        for owner, name, sample in {(t[0], t[1], t[2]) for t in TURNS}:
            book = services.store.ensure_notebook(owner, name)
            assert services.ingestor.add(owner, book, str(SAMPLES / sample)).status == "added"
            services.ingestor.embed_pending(owner, book)
        library = services.store.get_notebook(ALICE, "library")
        assert library is not None
        Deck(study, ALICE, library.id).add("Sunday hours?", "10:00 to 14:00", None)
        study.records.add(BOB, "study.note", {"text": "pétrir 10 minutes"})
    finally:
        study.close()
        accounts.close()
        services.close()
    before, prompts_before = ask_all(settings)
    assert all(a.citations and not a.abstained for a in before)

    copied = CliRunner().invoke(cli, ["db", "copy", "--to", postgres_url])
    assert copied.exit_code == 0, copied.output
    counts = {
        line.split("\t")[0]: line.split("\t")[1:] for line in copied.stdout.strip().splitlines()
    }
    assert {"users", "sessions", "tokens", "notebooks", "chunks", "vectors", "messages",
            "assistant_records", "cards"} <= set(counts)  # fmt: skip
    assert all(source == target for source, target in counts.values())
    assert int(counts["vectors"][0]) == int(counts["chunks"][0]) > 0
    assert int(counts["messages"][0]) == 2 * len(TURNS)  # question and answer of each turn

    on_postgres = load_settings(database_url=postgres_url)
    after, prompts_after = ask_all(on_postgres)
    assert [(a.text, a.citations, a.abstained) for a in after] == [
        (a.text, a.citations, a.abstained) for a in before
    ]
    assert prompts_after == prompts_before  # the same passages, in the same order
    accounts = open_accounts(on_postgres)
    study = StudyStore(open_records(on_postgres))
    try:
        assert accounts.authenticate("alice", PASSWORD) is not None
        found = accounts.user_for_token(token.secret)
        assert found is not None and found.name == "alice"
        library = Services(on_postgres).store.get_notebook(ALICE, "library")
        assert library is not None
        assert [c.front for c in study.list_cards(ALICE, library.id)] == ["Sunday hours?"]
        assert study.list_cards(BOB, library.id) == []
        assert study.records.find(BOB, "study.note")[0].data == {"text": "pétrir 10 minutes"}
        assert study.records.find(ALICE, "study.note") == []
    finally:
        study.close()
        accounts.close()

    again = CliRunner().invoke(cli, ["db", "copy", "--to", postgres_url])
    assert again.exit_code == 1
    assert "copy into an empty database" in again.stderr
