"""`causerie toy ...`: the toy assistant's command group."""

from __future__ import annotations

import click

from causerie.cli.app import App, notebook_option


@click.group()
def toy() -> None:
    """A toy assistant."""


@toy.command()
@notebook_option
@click.pass_context
def count(ctx: click.Context, notebook: str) -> None:
    """How many sources the notebook holds."""
    app: App = ctx.obj
    book = app.notebook(notebook)
    click.echo(f"{book.name}: {len(app.store.list_sources(app.owner, book.id))} source(s)")
