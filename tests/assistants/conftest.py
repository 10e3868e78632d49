"""A small English and French study notebook, on a real SQLite store, with the scripted fake
model and the hashing embedder (the autouse fixture in tests/conftest.py sets them)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from causerie.assistants.kit.passages import Pool, notebook_passages
from causerie.assistants.study.db import StudyStore
from causerie.config import Settings
from causerie.embedders.fake import HashingEmbedder
from causerie.ingest.pipeline import Ingestor
from causerie.providers.fake import FakeProvider
from causerie.session import Engine
from causerie.store.sqlite import SQLiteStore
from causerie.types import Hit, Notebook, Owner

CELLS = """# Cell biology

## Photosynthesis

Photosynthesis takes place in the chloroplasts of plant cells. Chlorophyll absorbs sunlight,
and the plant uses that energy to turn carbon dioxide and water into glucose and oxygen.

## Mitochondria

Mitochondria are the power stations of the cell. They break down glucose during cellular
respiration and store the energy in molecules of ATP. A liver cell can hold 2000 mitochondria.

## Osmosis

Osmosis is the movement of water across a semi-permeable membrane, from the side where
solutes are less concentrated to the side where they are more concentrated.
"""

REVOLUTION = """# La Révolution française

## La prise de la Bastille

Le 14 juillet 1789, les Parisiens prennent la Bastille, une forteresse royale qui servait de
prison. Cet événement marque le début de la Révolution française.

## La Déclaration des droits

En août 1789, l'Assemblée nationale adopte la Déclaration des droits de l'homme et du
citoyen. Elle affirme que les hommes naissent libres et égaux en droits.
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def sources(tmp_path: Path) -> list[Path]:
    return [write(tmp_path, "cells.md", CELLS), write(tmp_path, "revolution.md", REVOLUTION)]


@pytest.fixture
def db(settings: Settings) -> Iterator[SQLiteStore]:
    store = SQLiteStore(settings.database_path)
    yield store
    store.close()


@pytest.fixture
def book(db: SQLiteStore, owner: Owner, sources: list[Path]) -> Notebook:
    notebook = db.ensure_notebook(owner, "course")
    ingestor = Ingestor(db, HashingEmbedder())
    outcomes = ingestor.add_many(owner, notebook, [str(p) for p in sources])
    assert [o.status for o in outcomes] == ["added", "added"], outcomes
    ingestor.embed_pending(owner, notebook)
    return notebook


@pytest.fixture
def pool(db: SQLiteStore, owner: Owner, book: Notebook) -> Pool:
    return notebook_passages(db, owner, book)


@pytest.fixture
def fake() -> FakeProvider:
    return FakeProvider(strict=True)


@pytest.fixture
def engine(db: SQLiteStore, fake: FakeProvider, settings: Settings) -> Engine:
    return Engine(db, lambda: fake, HashingEmbedder(), settings)


@pytest.fixture(params=["sqlite", "postgresql"])
def study(settings: Settings, request: pytest.FixtureRequest) -> Iterator[StudyStore]:
    """Study's tables in the records database: the SQLite file, and PostgreSQL (a real server,
    causerie.assistants.postgres_records), where the same study code must behave the same."""
    from causerie.backends import open_records
    from causerie.config import load_settings

    if request.param == "postgresql":
        settings = load_settings(database_url=request.getfixturevalue("postgres_url"))
    store = StudyStore(open_records(settings))
    yield store
    store.close()


def passage_about(pool: Pool, heading: str) -> Hit:
    return next(h for h in pool.passages if heading in h.chunk.locator.heading_path)


def reply(**fields: Any) -> str:
    return json.dumps(fields, ensure_ascii=False)
