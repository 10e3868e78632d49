"""`causerie mail ...`: mailboxes into a notebook, threads, summaries, drafts, digest.

Data go to stdout (`--json` where the output is data); progress and problems go to stderr.
Nothing here sends mail: drafts are files or IMAP drafts, sent by the user's own mail program.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import click

from causerie.cli.app import App, notebook_option

if TYPE_CHECKING:
    from causerie.assistants.mail.overview import ThreadView
    from causerie.assistants.mail.store import MailBox
    from causerie.types import Notebook

me_option = click.option(
    "--me",
    "me",
    multiple=True,
    help="Your address (repeatable; default: the mail_me setting).",
)


def _dump(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _box(ctx: click.Context, book: Notebook) -> MailBox:
    """The notebook's mail records (causerie.backends.open_records), opened once per command."""
    from causerie.assistants.mail.store import MailBox
    from causerie.backends import open_records

    app: App = ctx.obj
    if "mail_records" not in ctx.meta:
        ctx.meta["mail_records"] = open_records(app.settings)
        ctx.call_on_close(ctx.meta["mail_records"].close)
    return MailBox(ctx.meta["mail_records"], app.owner, book.id)


def _me(app: App, given: tuple[str, ...]) -> set[str]:
    from causerie.assistants.mail.overview import me_addresses

    return me_addresses(given or (app.settings.mail_me,))


def _threads(ctx: click.Context, book: Notebook, me: set[str]) -> list[ThreadView]:
    from causerie.assistants.mail.overview import list_threads

    return list_threads(_box(ctx, book).messages(), me)


@click.group()
def mail() -> None:
    """Mail: threads, summaries, action items and reply drafts. Nothing is ever sent."""


@mail.command()
@click.argument("targets", nargs=-1, required=True)
@notebook_option
@me_option
@click.option("--no-embed", is_flag=True, help="Index lexically now; compute vectors later.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@click.pass_context
def add(
    ctx: click.Context,
    targets: tuple[str, ...],
    notebook: str,
    me: tuple[str, ...],
    no_embed: bool,
    as_json: bool,
) -> None:
    """Add mailboxes (inbox.mbox, a Maildir folder, .eml files) to a notebook.

    Each message becomes a source (its own words: no quoted replies, no signature); PDF and
    DOCX attachments too. A bad message is reported and the rest still goes in.
    """
    from causerie.assistants.mail.ingest import add_messages
    from causerie.assistants.mail.mailboxes import read_mailboxes
    from causerie.cli.progress import bar
    from causerie.cli.sources import _embed

    app: App = ctx.obj
    book = app.notebook(notebook, create=True)
    box = _box(ctx, book)
    with bar(0, "Reading mail", "message") as progress:

        def report(text: str) -> None:
            progress.write(f"problem: {text}", file=sys.stderr)

        messages = read_mailboxes(targets, report)
        result = add_messages(app.ingestor, box, book, messages, report, progress.update)
    if not no_embed:
        _embed(app, book)
    threads = _threads(ctx, book, _me(app, me))
    if as_json:
        _dump({**result.to_json(), "threads": len(threads)})
    else:
        click.echo(f"{result.added} message(s) added, {result.unchanged} unchanged, "
                   f"{result.failed} unreadable; {result.attachments} attachment(s) indexed; "
                   f"{len(threads)} thread(s) in '{book.name}'.")  # fmt: skip
    if result.added + result.unchanged == 0:
        sys.exit(1)


@mail.command()
@notebook_option
@me_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_context
def threads(ctx: click.Context, notebook: str, me: tuple[str, ...], as_json: bool) -> None:
    """List the notebook's threads, newest first, with their status for you."""
    app: App = ctx.obj
    book = app.notebook(notebook)
    found = _threads(ctx, book, _me(app, me))
    if as_json:
        _dump([t.to_json() for t in found])
        return
    if not found:
        click.echo(f"No mail in notebook '{notebook}' yet (`causerie mail add`).", err=True)
    for thread in found:
        last = (thread.last_date or "")[:10]
        click.echo(f"{thread.id}  {thread.status:<11}  {last:<10}  {thread.language:<3} "
                   f"{len(thread.messages):>3}  {thread.subject}")  # fmt: skip
