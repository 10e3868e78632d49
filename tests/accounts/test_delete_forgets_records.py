"""`causerie users delete` forgets what the assistants kept for the account, through the
owned-records seam, and nobody else's."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from causerie.backends import open_records
from causerie.cli.main import cli
from causerie.config import load_settings
from causerie.testing.accounts_contract import PASSWORD
from causerie.types import Owner


def test_deleting_a_user_deletes_their_records_only(isolated_home: Path) -> None:
    runner = CliRunner()
    for name in ("alice", "bob"):
        made = runner.invoke(cli, ["users", "create", name, "--password-stdin"],
                             input=PASSWORD + "\n", catch_exceptions=False)  # fmt: skip
        assert made.exit_code == 0, made.stderr
    records = open_records(load_settings())
    try:
        records.add(Owner("alice"), "study.quiz", {"n": 1})
        bobs = records.add(Owner("bob"), "study.quiz", {"n": 2})
        deleted = runner.invoke(cli, ["users", "delete", "alice", "--yes"], catch_exceptions=False)
        assert deleted.exit_code == 0, deleted.stderr
        assert records.find(Owner("alice"), "study.quiz") == []
        assert records.find(Owner("bob"), "study.quiz") == [bobs]
    finally:
        records.close()


def test_deleting_a_user_deletes_their_study_data_only(isolated_home: Path) -> None:
    """Study's own tables (quizzes, cards, ...) in the records database go with the account."""
    from causerie.assistants.study.db import StudyStore
    from causerie.assistants.study.quiz import QuizItem
    from causerie.types import Citation, Locator

    runner = CliRunner()
    for name in ("alice", "bob"):
        made = runner.invoke(cli, ["users", "create", name, "--password-stdin"],
                             input=PASSWORD + "\n", catch_exceptions=False)  # fmt: skip
        assert made.exit_code == 0, made.stderr
    cited = Citation(1, "notes.md", Locator(0, 10), "chunk-1", "Osmosis moves water.")
    item = QuizItem("short", "What moves water?", "osmosis", "Osmosis moves water.", "en", cited)
    study = StudyStore(open_records(load_settings()))
    try:
        for name in ("alice", "bob"):
            study.save_quiz(Owner(name), "nb", "cells", [item])
        deleted = runner.invoke(cli, ["users", "delete", "alice", "--yes"], catch_exceptions=False)
        assert deleted.exit_code == 0, deleted.stderr
        assert study.list_quizzes(Owner("alice"), "nb") == []
        assert len(study.list_quizzes(Owner("bob"), "nb")) == 1
    finally:
        study.close()
