"""`causerie mail ...`: mailboxes into a notebook, threads, summaries, drafts, digest.

Data go to stdout (`--json` where the output is data); progress and problems go to stderr.
Nothing here sends mail: drafts are files or IMAP drafts, sent by the user's own mail program.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from causerie.cli.app import App, notebook_option

if TYPE_CHECKING:
    from causerie.assistants.mail.assistant import MailAssistant
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


def _assistant(
    ctx: click.Context, notebook: str, me: tuple[str, ...], redact: bool | None = None
) -> MailAssistant:
    from causerie.assistants.mail.assistant import MailAssistant

    app: App = ctx.obj
    book = app.notebook(notebook)
    box = _box(ctx, book)
    return MailAssistant(app, box.records, app.owner, book, _me(app, me), redact)


def _privacy(assistant: MailAssistant, language: str) -> None:
    notice = assistant.privacy(language).notice
    if notice:
        click.echo(notice, err=True)


def _since(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint="--since"
        ) from None


redact_option = click.option(
    "--redact/--no-redact",
    default=None,
    help="Mask addresses, phone numbers and IBANs in what is sent to the model "
    "(default: on for cloud providers, off for a local model).",
)


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
        click.echo(
            f"{result.added} message(s) added, {result.unchanged} unchanged, "
            f"{result.failed} unreadable; {result.attachments} attachment(s) indexed; "
            f"{len(threads)} thread(s) in '{book.name}'."
        )
    if result.added + result.unchanged == 0:
        sys.exit(1)


@mail.command()
@click.argument("url")
@notebook_option
@me_option
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from stdin (else the "
    "system keyring: keyring set causerie-mail USER@HOST).",
)
@click.option("--since", default=None, help="Only messages since this day (YYYY-MM-DD).")
@click.option(
    "--cafile",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Trust this CA certificate (a server with a self-signed certificate).",
)
@click.option("--no-embed", is_flag=True, help="Index lexically now; compute vectors later.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@click.pass_context
def sync(
    ctx: click.Context,
    url: str,
    notebook: str,
    me: tuple[str, ...],
    password_stdin: bool,
    since: str | None,
    cafile: str | None,
    no_embed: bool,
    as_json: bool,
) -> None:
    """Sync an IMAP folder (imaps://USER@HOST/INBOX) into a notebook: only new messages.

    TLS always; read-only (messages stay unread); the password is never stored by Causerie.
    """
    from causerie.assistants.mail.imap import parse_account, sync_account
    from causerie.cli.progress import bar
    from causerie.cli.sources import _embed

    app: App = ctx.obj
    account = parse_account(url)
    password = _password(password_stdin)
    book = app.notebook(notebook, create=True)
    box = _box(ctx, book)
    with bar(0, f"Syncing {account.folder}", "message") as progress:

        def report(text: str) -> None:
            progress.write(f"problem: {text}", file=sys.stderr)

        def step(done: int, total: int) -> None:
            progress.total = total
            progress.n = done
            progress.refresh()

        result = sync_account(
            app.ingestor, box, book, account, password, _since(since), cafile, report, step
        )
    if not no_embed:
        _embed(app, book)
    found = _threads(ctx, book, _me(app, me))
    if as_json:
        _dump({**result.to_json(), "threads": len(found)})
    else:
        click.echo(
            f"{result.added} new message(s), {result.unchanged} unchanged, "
            f"{result.failed} unreadable; {len(found)} thread(s) in '{book.name}'."
        )


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
        click.echo(
            f"{thread.id}  {thread.status:<11}  {last:<10}  {thread.language:<3} "
            f"{len(thread.messages):>3}  {thread.subject}"
        )


@mail.command()
@click.argument("thread")
@notebook_option
@me_option
@click.option("--language", default=None, help="Write in this language (en, fr).")
@redact_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def summary(
    ctx: click.Context,
    thread: str,
    notebook: str,
    me: tuple[str, ...],
    language: str | None,
    redact: bool | None,
    as_json: bool,
) -> None:
    """Summarise THREAD: who wants what, your action items and the deadlines, each cited."""
    from causerie.assistants.kit.language import check_language

    assistant = _assistant(ctx, notebook, me, redact)
    found = assistant.thread(thread)
    _privacy(assistant, found.language)
    result = assistant.summary(thread, check_language(language))
    if result is None:
        click.echo(
            f"error: no summary of thread {thread} could be checked against its messages"
            "; try again or use a larger model",
            err=True,
        )
        sys.exit(1)
    data = result.to_json()
    if as_json:
        _dump(data)
        return
    click.echo(data["summary"])
    for item in data["action_items"]:
        due = f" (due {item['due']})" if item["due"] else ""
        click.echo(f"- [{item['owner'] or '?'}] {item['text']}{due} {item['citations']}")
    for deadline in data["deadlines"]:
        click.echo(f"* {deadline['date']}: {deadline['what']} {deadline['citations']}")
    for cited in data["citations"]:
        click.echo(f"  [{cited['marker']}] {cited['label']}")
    for note in data["rejected"]:
        click.echo(f"left out: {note}", err=True)


@mail.command()
@click.argument("thread")
@notebook_option
@me_option
@click.option("--instructions", default="", help="What the reply should say.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Save the draft as this .eml file.",
)
@click.option(
    "--imap-drafts",
    is_flag=True,
    help="Append it to the Drafts folder of the IMAP account synced into the notebook.",
)
@click.option("--password-stdin", is_flag=True, help="Read the IMAP password from stdin.")
@redact_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def draft(
    ctx: click.Context,
    thread: str,
    notebook: str,
    me: tuple[str, ...],
    instructions: str,
    output: Path | None,
    imap_drafts: bool,
    password_stdin: bool,
    redact: bool | None,
    as_json: bool,
) -> None:
    """Draft a reply to THREAD in your own voice. It is saved, never sent."""
    from causerie.assistants.mail.draft import draft_message, save_eml

    assistant = _assistant(ctx, notebook, me, redact)
    if not assistant.me:
        raise click.UsageError("say who you are: --me ADDRESS or the mail_me setting")
    found = assistant.thread(thread)
    _privacy(assistant, found.language)
    written = assistant.draft(thread, instructions)
    if written is None:
        click.echo(
            f"error: no draft for thread {thread} passed the checks (no number, date or "
            "name the thread does not hold; its language); try other instructions",
            err=True,
        )
        sys.exit(1)
    me_address = sorted(assistant.me)[0]
    saved = str(save_eml(written, output, me_address, assistant.me_name)) if output else None
    if imap_drafts:
        from causerie.assistants.mail.imap import append_draft_to_account

        message = draft_message(written, me_address, assistant.me_name)
        where = append_draft_to_account(assistant.box, message, _password(password_stdin))
        click.echo(f"Appended to {where} with the \\Draft flag (not sent).", err=True)
    if as_json:
        _dump(written.to_json(saved))
        return
    click.echo(written.text)
    for cited in written.citations:
        click.echo(f"  [{cited.number}] {cited.citation().locator.label()}", err=True)
    if saved:
        click.echo(f"Saved to {saved} (not sent).", err=True)


@mail.command()
@notebook_option
@me_option
@click.option("--since", default=None, help="Only threads active since this day (YYYY-MM-DD).")
@redact_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_context
def digest(
    ctx: click.Context,
    notebook: str,
    me: tuple[str, ...],
    since: str | None,
    redact: bool | None,
    as_json: bool,
) -> None:
    """A digest of recent threads: status, summary and action items of each."""
    from causerie.cli.progress import bar

    assistant = _assistant(ctx, notebook, me, redact)
    _privacy(assistant, "en")
    with bar(0, "Summarising", "thread"):
        entries = assistant.digest(_since(since))
    if as_json:
        _dump(entries)
        return
    for entry in entries:
        click.echo(f"## {entry['subject']}  ({entry['status']}, {(entry['last_date'] or '')[:10]})")
        made = entry["summary"]
        if made:
            click.echo(made["summary"])
            for item in made["action_items"]:
                due = f" (due {item['due']})" if item["due"] else ""
                click.echo(f"- [{item['owner'] or '?'}] {item['text']}{due}")
        click.echo("")


@mail.command()
@notebook_option
@me_option
@click.option(
    "--set",
    "changes",
    multiple=True,
    metavar="LANG.FIELD=VALUE",
    help="Change one value, e.g. fr.sign_off='Belle journée,' (repeatable).",
)
@click.option("--relearn", is_flag=True, help="Forget your changes; learn again from your mail.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def style(
    ctx: click.Context,
    notebook: str,
    me: tuple[str, ...],
    changes: tuple[str, ...],
    relearn: bool,
    as_json: bool,
) -> None:
    """Show (and edit) the style learned from your own messages: greeting, sign-off, tu/vous."""
    assistant = _assistant(ctx, notebook, me)
    profile = assistant.learned_style() if relearn else assistant.style()
    for change in changes:
        key, sep, value = change.partition("=")
        if not sep:
            raise click.BadParameter(f"{change!r}: expected LANG.FIELD=VALUE", param_hint="--set")
        try:
            profile.edit(key.strip(), value)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--set") from None
    if changes or relearn:
        assistant.save_style(profile)
    data = profile.to_json()
    if as_json:
        _dump(data)
        return
    for language in ("fr", "en"):
        if language in data:
            values = data[language]
            click.echo(f"{language}: " + ", ".join(f"{k}={v!r}" for k, v in values.items()))
    click.echo(f"tu: {', '.join(data['tu']) or '-'} (from {data['messages']} messages of yours)")


def _password(from_stdin: bool) -> str | None:
    if not from_stdin:
        return None
    line = sys.stdin.readline().rstrip("\n")
    if not line:
        raise click.UsageError("--password-stdin: no password on standard input")
    return line
