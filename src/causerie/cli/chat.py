"""Commands that talk with a notebook: ask (one question) and chat (a conversation)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

import click

from causerie.cli import terminal
from causerie.cli.app import App, notebook_option
from causerie.types import Notebook, TextDelta

if TYPE_CHECKING:
    from causerie.session import Answer


def stream_answer(
    app: App, book: Notebook, question: str, conversation_id: str | None, show_text: bool = True
) -> Answer | None:
    """Run one turn, echoing the checked answer as it streams; return the final Answer
    (None when Ctrl-C stopped it).

    Ctrl-C stops the answer: the partial text is kept and saved, marked as interrupted.
    """
    from causerie.session import Answer, Retrieved

    events: Iterator[object] = app.engine.ask(app.owner, book, question, conversation_id)
    answer: Answer | None = None
    try:
        for event in events:
            if isinstance(event, Retrieved):
                _note_retrieval(app, event)
            elif isinstance(event, TextDelta) and show_text:
                terminal.echo(event.text, nl=False)
            elif isinstance(event, Answer):
                answer = event
    except KeyboardInterrupt:
        events.close()  # type: ignore[attr-defined]
        click.echo("\n[interrupted]", err=True)
        return None
    if show_text:
        click.echo()
    return answer


def _note_retrieval(app: App, event) -> None:  # type: ignore[no-untyped-def]
    if app.embedder is None:
        click.echo("(lexical search only: no embedder configured)", err=True)
    elif event.mode == "lexical":
        click.echo("(lexical search only: vectors not computed yet, `causerie embed`)", err=True)
    elif event.vectors_ready < 1:
        click.echo(f"(vectors {event.vectors_ready:.0%} ready: `causerie embed`)", err=True)


def print_citations(answer) -> None:  # type: ignore[no-untyped-def]
    if answer.citations:
        click.echo()
        click.echo("Sources:" if answer.language != "fr" else "Sources :")
    for citation in answer.citations:
        snippet = " ".join(citation.text.split())
        if len(snippet) > 160:
            snippet = snippet[:157] + "..."
        when = citation.locator.time_range()
        where = f"[{when}]" if when else f"({citation.locator.label()})"
        terminal.echo(f"  [{citation.marker}] {citation.source} {where}")
        terminal.echo(f"      {snippet}")
    if answer.dropped_markers:
        dropped = ", ".join(f"[{n}]" for n in answer.dropped_markers)
        click.echo(f"(dropped invalid citation markers: {dropped})", err=True)
    if answer.unsupported_sentences and not answer.abstained:
        click.echo(
            f"(warning: {answer.unsupported_sentences} sentence(s) of this answer are not "
            "supported by any cited passage)",
            err=True,
        )
    if answer.interrupted:
        click.echo(f"(answer interrupted: {answer.error or 'stream ended early'})", err=True)


@click.command()
@click.argument("question")
@notebook_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--conversation", default=None, help="Continue this conversation.")
@click.pass_obj
def ask(app: App, question: str, notebook: str, as_json: bool, conversation: str | None) -> None:
    """Ask one QUESTION; the answer cites its sources."""
    book = app.notebook(notebook)
    answer = stream_answer(app, book, question, conversation, show_text=not as_json)
    if answer is None:
        sys.exit(130)
    if as_json:
        click.echo(json.dumps(answer.to_json(), ensure_ascii=False))
    else:
        print_citations(answer)


CHAT_HELP = """Commands: /sources  /new  /history  /conversations  /resume ID  /help  /quit
Ctrl-C stops an answer; Ctrl-D or /quit leaves."""


@click.command()
@notebook_option
@click.option("--conversation", default=None, help="Resume this conversation.")
@click.option("--resume", is_flag=True, help="Resume the notebook's latest conversation.")
@click.pass_obj
def chat(app: App, notebook: str, conversation: str | None, resume: bool) -> None:
    """Talk with a notebook. Answers stream, cite their sources, and are saved."""
    book = app.notebook(notebook)
    if resume and conversation is None:
        earlier = app.store.list_conversations(app.owner, book.id)
        conversation = earlier[-1].id if earlier else None
    if conversation:
        app.store.get_conversation(app.owner, conversation)  # NotFound if not yours
        _print_history(app, conversation)
    click.echo(f"Notebook '{book.name}'. {CHAT_HELP}", err=True)
    while True:
        try:
            line = input("\nyou> ").strip()
        except (EOFError, KeyboardInterrupt):
            click.echo("", err=True)
            return
        if not line:
            continue
        if line.startswith("/"):
            conversation = _command(app, book, line, conversation)
            if conversation == "quit":
                return
            continue
        click.echo("causerie> ", nl=False)
        answer = stream_answer(app, book, line, conversation)
        if answer is not None:
            conversation = answer.conversation_id
            print_citations(answer)


def _command(app: App, book: Notebook, line: str, conversation: str | None) -> str | None:
    name, _, argument = line.partition(" ")
    if name in ("/quit", "/exit", "/q"):
        return "quit"
    if name == "/new":
        click.echo("New conversation.", err=True)
        return None
    if name == "/sources":
        for source in app.store.list_sources(app.owner, book.id):
            terminal.echo(f"  {source.uri} ({source.chunk_count} passages, {source.language})")
    elif name == "/conversations":
        for item in app.store.list_conversations(app.owner, book.id):
            terminal.echo(f"  {item.id}  {item.title}")
    elif name == "/history" and conversation:
        _print_history(app, conversation)
    elif name == "/resume" and argument:
        app.store.get_conversation(app.owner, argument.strip())
        _print_history(app, argument.strip())
        return argument.strip()
    else:
        click.echo(CHAT_HELP, err=True)
    return conversation


def _print_history(app: App, conversation: str) -> None:
    for message in app.store.list_messages(app.owner, conversation):
        who = "you" if message.role == "user" else "causerie"
        flag = " [interrupted]" if message.interrupted else ""
        terminal.echo(f"{who}> {message.content}{flag}")
