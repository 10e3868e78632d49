"""The assistant registry: a toy assistant (tests/toy_assistant/, no file of Causerie edited)
adds a CLI command, an API route and a page through one `register` call; discovery finds the
shipped assistants and entry points; job kinds, migrations and messages are collected."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.testclient import TestClient

from causerie.assistants import registry
from causerie.assistants.registry import AppRegistry, Assistant, discover, migrate
from causerie.cli.main import cli
from causerie.config import Settings
from causerie.testing.assistant_contract import AssistantContract
from causerie.web.app import close_app, create_app

from .study_web_helpers import fast_password_hashing, sign_in

__all__ = ["fast_password_hashing"]  # an autouse fixture, used by being imported here
TESTS = Path(__file__).parents[1]


@pytest.fixture
def with_toy(monkeypatch: pytest.MonkeyPatch) -> AppRegistry:
    """The shipped assistants plus the toy, as the process-wide registry (CLI and web)."""
    monkeypatch.syspath_prepend(str(TESTS))
    found = discover(extra=["toy_assistant"])
    monkeypatch.setattr(registry, "_DEFAULT", found)
    return found


@pytest.fixture
def app(settings: Settings, with_toy: AppRegistry) -> Iterator[FastAPI]:
    served = settings.model_copy(update={"allowed_hosts": [*settings.allowed_hosts, "testserver"]})
    application = create_app(served, assistants=with_toy)
    yield application
    close_app(application)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_a_toy_assistant_adds_a_cli_command(with_toy: AppRegistry, tmp_path: Path) -> None:
    code, out, _ = run("--help")
    assert code == 0
    assistants = out.split("Assistants:")[1]
    # columns aligned on the longest name: whatever other assistants are shipped
    assert re.search(r"\btoy +Count a notebook's sources \(a toy, for tests\)\.", assistants)
    assert re.search(r"\bstudy +Study a notebook", assistants)
    note = tmp_path / "note.md"
    note.write_text("# Note\n\nA line to count.\n", encoding="utf-8")
    assert run("add", str(note), "-n", "box")[0] == 0
    assert run("toy", "count", "-n", "box") == (0, "box: 1 source(s)\n", "")


def test_a_toy_assistant_adds_an_api_route_and_a_page(
    app: FastAPI, with_toy: AppRegistry, tmp_path: Path
) -> None:
    alice, bob = sign_in(app, "alice"), sign_in(app, "bob")
    owner = app.state.accounts.get_user("alice").owner
    notebook = app.state.services.store.ensure_notebook(owner, "box")
    note = tmp_path / "note.md"
    note.write_text("# Note\n\nA line to count.\n", encoding="utf-8")
    app.state.services.ingestor.add_many(owner, notebook, [str(note)])

    assert alice.get(f"/api/notebooks/{notebook.id}/toy/count").json() == {"sources": 1}
    assert bob.get(f"/api/notebooks/{notebook.id}/toy/count").status_code == 404
    with TestClient(app) as stranger:
        assert stranger.get(f"/api/notebooks/{notebook.id}/toy/count").status_code == 401

    page = alice.get(f"/notebooks/{notebook.id}/toy")
    assert page.status_code == 200
    assert '<p id="toy-count">box holds 1 source(s).</p>' in page.text
    assert '<a href="/toy">Toy</a>' in page.text  # the site navigation
    assert f'href="/notebooks/{notebook.id}/toy" aria-current="page">Toy</a>' in page.text
    assert f'href="/notebooks/{notebook.id}/study">Study</a>' in page.text
    alice.client.cookies.set("lang", "fr")
    assert "box contient 1 source(s)." in alice.get(f"/notebooks/{notebook.id}/toy").text
    assert bob.get(f"/notebooks/{notebook.id}/toy").status_code == 404
    assert "/notebooks/" in alice.get("/toy").text
    script = alice.get("/static/assistants/toy/toy.js")
    assert script.status_code == 200 and "data-enhanced" in script.text


def test_job_kinds_and_migrations_come_from_each_assistant(with_toy: AppRegistry) -> None:
    kinds = with_toy.job_kinds()
    assert {"study.quiz", "toy.count"} <= set(kinds) and all(map(callable, kinds.values()))
    connection = sqlite3.connect(":memory:")
    for name in ("study", "toy"):
        steps = with_toy.migrations(name)
        assert migrate(connection, name, steps) == len(steps) == 1
        assert migrate(connection, name, steps) == 1  # applied once
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"quizzes", "cards", "reviews", "toy_notes", "assistant_schema"} <= tables
    more = (*with_toy.migrations("toy"), ("ALTER TABLE toy_notes ADD COLUMN at REAL",))
    assert migrate(connection, "toy", more) == 2
    with pytest.raises(ValueError, match="newer than this Causerie knows"):
        migrate(connection, "toy", more[:1])
    connection.close()


def test_study_migrations_make_the_schema_its_old_file_had(settings: Settings) -> None:
    """The records database that open_records gives holds study's tables exactly as the old
    study.sqlite3 (PRAGMA user_version 1, db.SCHEMA) had them, so its rows import as they are."""
    from causerie.assistants.study.db import SCHEMA
    from causerie.backends import open_records

    old = sqlite3.connect(":memory:")
    for statement in SCHEMA:
        old.execute(statement)
    expected = set(old.execute("SELECT type, name, sql FROM sqlite_master"))
    old.close()
    records = open_records(settings)
    found = set(records.query("SELECT type, name, sql FROM sqlite_master"))
    records.close()
    assert {tuple(row) for row in found} >= expected


def test_discovery_reads_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(TESTS))
    points = [EntryPoint("toy", "toy_assistant:register", registry.ENTRY_POINT_GROUP)]
    asked: list[str] = []

    def fake_entry_points(group: str) -> list[EntryPoint]:
        asked.append(group)
        return points

    monkeypatch.setattr(registry, "entry_points", fake_entry_points)
    found = discover()
    assert asked == ["causerie.assistants"]
    shipped = [module.split(".")[-2] for module in registry.SHIPPED]  # study, cv, ...
    assert [a.name for a in found] == [*shipped, "toy"]
    assert found.commands()["toy"] == ("toy_assistant.cli:toy", found.get("toy").summary)


def test_mistakes_are_named() -> None:
    app = AppRegistry()
    app.add(Assistant(name="one", summary="One."))
    with pytest.raises(ValueError, match="'one' is registered twice"):
        app.add(Assistant(name="one", summary="Again."))
    with pytest.raises(ValueError, match=re.escape("must start with 'two.'")):
        Assistant(name="two", summary="Two.", messages={"en": {"nav.home": "Home"}})
    with pytest.raises(ValueError, match="lower-case"):
        Assistant(name="Bad Name", summary="Bad.")
    with pytest.raises(ValueError, match="is not a folder"):
        Assistant(name="three", summary="Three.", templates=Path("/nonexistent"))
    with pytest.raises(KeyError, match="no assistant named 'four' \\(registered: one\\)"):
        app.get("four")

    def bad_kinds(kinds: dict) -> None:
        kinds["other.kind"] = print

    app.add(Assistant(name="five", summary="Five.", job_kinds=bad_kinds))
    with pytest.raises(
        ValueError, match=re.escape("job kind 'other.kind' must start with 'five.'")
    ):
        app.job_kinds()
    with pytest.raises(TypeError, match="not a register"):
        registry.register_from(AppRegistry(), "json")


def test_help_lists_the_assistants_without_loading_them() -> None:
    probe = (
        "import sys, json\n"
        "from click.testing import CliRunner\n"
        "from causerie.cli.main import cli\n"
        "out = CliRunner().invoke(cli, ['--help']).output\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('causerie.assistants.'))\n"
        "print(json.dumps([out, loaded]))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, timeout=60)  # fmt: skip
    out, loaded = json.loads(done.stdout)
    assert "Assistants:" in out and re.search(r"\bstudy +Study a notebook", out)
    # each shipped package's __init__ imports nothing: only its registration is read
    packages = {module.rsplit(".", 1)[0] for module in registry.SHIPPED}
    assert loaded == sorted({"causerie.assistants.registry", *registry.SHIPPED, *packages})


class TestStudyAssistant(AssistantContract):
    register = "causerie.assistants.study.register"


class TestRepurposeAssistant(AssistantContract):
    register = "causerie.assistants.repurpose.register"


class TestToyAssistant(AssistantContract):
    register = "toy_assistant"

    @pytest.fixture(autouse=True)
    def toy_on_path(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.syspath_prepend(str(TESTS))
