"""Shared fixtures. Every test gets its own data folder; no test touches the user's.

The fake provider answers unless a test is marked `model` (the real embedded model); the
hashing embedder stands in for the real one unless a test is marked `embedder`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from causerie.config import Settings, load_settings
from causerie.providers.fake import FakeProvider
from causerie.types import LOCAL_OWNER, Owner

MODEL_CACHE = Path(os.environ.get("CAUSERIE_TEST_MODEL_HOME", "/tmp/causerie-test-models"))


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request) -> Path:
    """Point CAUSERIE_HOME at a temp folder; default to the fake provider and embedder."""
    home = tmp_path / "home"
    monkeypatch.setenv("CAUSERIE_HOME", str(home))
    for name in list(os.environ):
        if name.startswith("CAUSERIE_") and name not in ("CAUSERIE_HOME",):
            monkeypatch.delenv(name)
    real_model = request.node.get_closest_marker("model") is not None
    real_embedder = real_model or request.node.get_closest_marker("embedder") is not None
    # DESIGN convention 2: no real model calls unless a test is about the real model
    monkeypatch.setattr("causerie.providers.ALLOW_MODEL_REQUESTS", real_model)
    if not real_model:
        monkeypatch.setenv("CAUSERIE_PROVIDER", "fake")
    if not real_embedder:
        monkeypatch.setenv("CAUSERIE_EMBEDDER", "fake")
    return home


@pytest.fixture
def settings(isolated_home: Path) -> Settings:
    return load_settings()


@pytest.fixture
def fake_provider() -> FakeProvider:
    return FakeProvider()


@pytest.fixture
def store(settings: Settings) -> Iterator[object]:
    from causerie.store.sqlite import SQLiteStore

    db = SQLiteStore(settings.database_path)
    yield db
    db.close()


@pytest.fixture
def owner() -> Owner:
    return LOCAL_OWNER


@pytest.fixture(scope="session")
def default_model() -> Path:
    """The default GGUF, assembled and hash-checked once per machine (not per test)."""
    from causerie.providers.default_model import ensure_default_model

    return ensure_default_model(MODEL_CACHE, progress=False)
