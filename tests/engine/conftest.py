"""A small library guide in a real SQLite notebook, and the engine over it with the scripted
fake model and the hashing embedder."""

from __future__ import annotations

from pathlib import Path

import pytest

from causerie.config import Settings
from causerie.embedders.fake import HashingEmbedder
from causerie.ingest.pipeline import Ingestor
from causerie.providers.fake import FakeProvider
from causerie.session import Engine
from causerie.types import Notebook, Owner

GUIDE = """# Guide

## Opening hours

On Sundays the library opens from 10:00 to 14:00. It is closed on Mondays.

## Borrowing

Books are lent for 21 days. The late fee is 0.25 euros per day.
"""


@pytest.fixture
def notebook(store, owner: Owner, tmp_path: Path) -> Notebook:  # type: ignore[no-untyped-def]
    path = tmp_path / "guide.md"
    path.write_text(GUIDE, encoding="utf-8")
    book = store.ensure_notebook(owner, "default")
    ingestor = Ingestor(store, HashingEmbedder())
    assert ingestor.add(owner, book, str(path)).status == "added"
    ingestor.embed_pending(owner, book)
    return book


@pytest.fixture
def engine(store, settings: Settings, fake_provider: FakeProvider) -> Engine:  # type: ignore[no-untyped-def]
    return Engine(store, lambda: fake_provider, HashingEmbedder(), settings)
