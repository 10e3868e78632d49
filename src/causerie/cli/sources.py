"""Commands that fill and list notebooks: add, embed, sources, notebooks."""

from __future__ import annotations

import sys
import time

import click

from causerie.cli import terminal
from causerie.cli.app import App, notebook_option
from causerie.cli.progress import bar, media_bar
from causerie.ingest.progress import reporting

STATUS_WORDS = {"added": "added", "updated": "updated", "unchanged": "unchanged", "error": "ERROR"}


@click.command()
@click.argument("targets", nargs=-1, required=True)
@notebook_option
@click.option("--no-embed", is_flag=True, help="Index lexically now; compute vectors later.")
@click.pass_obj
def add(app: App, targets: tuple[str, ...], notebook: str, no_embed: bool) -> None:
    """Add files or web pages (PATH_OR_URL...) to a notebook.

    Text, Markdown, HTML, PDF, DOCX, SRT/VTT subtitles, e-mails (.eml) and http(s) URLs.
    Unchanged sources are skipped; changed ones are replaced. A bad file is reported and
    the rest of the batch still goes in.
    """
    book = app.notebook(notebook, create=True)
    started = time.perf_counter()
    errors = 0
    with bar(len(targets), "Indexing", "file") as progress:
        for target in targets:
            with media_bar(target) as on_progress, reporting(on_progress):
                outcome = app.ingestor.add(app.owner, book, target)
            progress.update(1)
            if outcome.status == "error":
                errors += 1
                progress.write(f"error: {outcome.error}", file=sys.stderr)
                continue
            source = outcome.source
            assert source is not None
            terminal.echo(
                f"{STATUS_WORDS[outcome.status]:<9} {source.uri}  "
                f"({source.chunk_count} passages, {source.language})"
            )
    click.echo(f"Indexed in {time.perf_counter() - started:.1f} s.", err=True)
    if not no_embed:
        _embed(app, book)
    if errors:
        click.echo(f"{errors} of {len(targets)} inputs could not be added.", err=True)
        sys.exit(1)


@click.command()
@notebook_option
@click.pass_obj
def embed(app: App, notebook: str) -> None:
    """Compute the vectors that a notebook's passages still lack."""
    _embed(app, app.notebook(notebook))


def _embed(app: App, book) -> None:  # type: ignore[no-untyped-def]
    if app.embedder is None:
        click.echo("No embedder configured: search is lexical only.", err=True)
        return
    pending = app.ingestor.pending_vectors(app.owner, book)
    if not pending:
        return
    try:
        with bar(pending, "Embedding", "passage") as progress:
            app.ingestor.embed_pending(app.owner, book, on_batch=progress.update)
    except KeyboardInterrupt:
        click.echo(
            "\nVectors paused; questions work meanwhile (lexical search). "
            "Resume with `causerie embed`.",
            err=True,
        )
        sys.exit(130)


@click.command()
@notebook_option
@click.pass_obj
def sources(app: App, notebook: str) -> None:
    """List a notebook's sources."""
    book = app.notebook(notebook)
    rows = app.store.list_sources(app.owner, book.id)
    if not rows:
        click.echo(f"Notebook '{notebook}' has no sources yet.", err=True)
    for source in rows:
        added = time.strftime("%Y-%m-%d %H:%M", time.localtime(source.added_at))
        terminal.echo(
            f"{source.uri}\t{source.media_type}\t{source.language}\t"
            f"{source.chunk_count} passages\t{added}"
        )


@click.command()
@click.pass_obj
def notebooks(app: App) -> None:
    """List your notebooks."""
    books = app.store.list_notebooks(app.owner)
    if not books:
        click.echo("No notebooks yet: `causerie add FILE` creates 'default'.", err=True)
    counts = app.store.source_counts(app.owner)
    for book in books:
        terminal.echo(f"{book.name}\t{counts.get(book.id, 0)} sources")
