"""`causerie demo`: the sample notebook the project ships, three questions, then a chat."""

from __future__ import annotations

import sys
from importlib import resources

import click

from causerie.cli.app import App
from causerie.cli.chat import chat, print_citations, stream_answer

SAMPLE_NOTEBOOK = "sample"
QUESTIONS = (
    "When is the library open on Sundays?",
    "Combien de temps dure la garantie du moulin Lumen ?",  # French question, English manual
    "Who won the 1998 football world cup?",  # not in the sources: must abstain
)


def sample_files() -> list[str]:
    folder = resources.files("causerie") / "samples"
    return sorted(str(p) for p in folder.iterdir() if p.name[0] not in "._")


@click.command()
@click.option("--no-chat", is_flag=True, help="Do not open a chat afterwards.")
@click.pass_context
def demo(ctx: click.Context, no_chat: bool) -> None:
    """Load the sample notebook (English and French; md, pdf, docx, srt), ask three
    questions, then open a chat with it when run in a terminal."""
    app: App = ctx.obj
    book = app.notebook(SAMPLE_NOTEBOOK, create=True)
    for outcome in app.ingestor.add_many(app.owner, book, sample_files()):
        detail = outcome.error or f"{outcome.source.chunk_count} passages"  # type: ignore[union-attr]
        click.echo(f"{outcome.status:<9} {outcome.target.rsplit('/', 1)[-1]} ({detail})", err=True)
    from causerie.cli.sources import _embed

    _embed(app, book)
    for question in QUESTIONS:
        click.echo(f"\n> {question}")
        answer = stream_answer(app, book, question, None)
        if answer is not None:
            print_citations(answer)
    if not no_chat and sys.stdin.isatty():
        ctx.invoke(chat, notebook=SAMPLE_NOTEBOOK, conversation=None, resume=False)
    else:
        click.echo(f"\nTalk with it: causerie chat --notebook {SAMPLE_NOTEBOOK}", err=True)
