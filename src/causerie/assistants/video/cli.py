"""`causerie video ...`: a recording's chapters, summary and transcript.

SOURCE is a source of the notebook (its file name, uri or title): a recording added with
`causerie add` (transcribed), a subtitle file, or a YouTube link. Data goes to stdout; notes
and errors to stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from causerie.cli import terminal
from causerie.cli.app import App, notebook_option
from causerie.types import Citation, clock

language_option = click.option(
    "--language", default=None, help="Write in this language (en, fr, ...); default: the talk's."
)
refresh_option = click.option("--refresh", is_flag=True, help="Make it again (not the kept one).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")


def _dump(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _where(cited: Citation) -> str:
    return f"[{cited.locator.time_range() or cited.locator.label()}]"


@click.group()
def video() -> None:
    """Recordings and subtitles: chapters, summaries, transcripts; answers that cite the second."""


@video.command()
@click.argument("source")
@notebook_option
@language_option
@refresh_option
@click.option("--youtube", is_flag=True, help="Print the chapters as a YouTube description block.")
@json_option
@click.pass_obj
def chapters(app: App, source: str, notebook: str, language: str | None, refresh: bool,
             youtube: bool, as_json: bool) -> None:  # fmt: skip
    """Chapters of SOURCE: where each topic starts, a title, a one-sentence cited summary."""
    from causerie.assistants.video.exports import youtube_chapters
    from causerie.assistants.video.tasks import chapters_for

    book = app.notebook(notebook)
    transcript, found = chapters_for(app, app.owner, book, source, language, refresh)
    if as_json:
        _dump({"source": transcript.source.uri, "language": language or transcript.language,
               "chapters": [c.to_json() for c in found]})  # fmt: skip
        return
    if youtube:
        click.echo(youtube_chapters([c.to_json() for c in found]), nl=False)
        return
    for chapter in found:
        terminal.echo(f"{clock(chapter.start_s)}–{clock(chapter.end_s)}  {chapter.title}")
        if chapter.summary:
            terminal.echo(f"    {chapter.summary}")
            for cited in chapter.citations:
                terminal.echo(f"      [{cited.marker}] {_where(cited)}")
        else:
            click.echo(f"    (no summary the passages support: {'; '.join(chapter.rejected)})",
                       err=True)  # fmt: skip


@video.command()
@click.argument("source")
@notebook_option
@click.option("--length", type=click.Choice(["short", "detailed"]), default="short",
              show_default=True)  # fmt: skip
@language_option
@refresh_option
@click.option("--markdown", is_flag=True, help="Print it as Markdown, with its sources.")
@json_option
@click.pass_obj
def summary(app: App, source: str, notebook: str, length: str, language: str | None,
            refresh: bool, markdown: bool, as_json: bool) -> None:  # fmt: skip
    """A short or detailed summary of SOURCE; every sentence cites its time range."""
    from causerie.assistants.video.exports import summary_markdown
    from causerie.assistants.video.tasks import summary_for

    book = app.notebook(notebook)
    transcript, made = summary_for(app, app.owner, book, source, length, language, refresh)
    if as_json:
        _dump({"source": transcript.source.uri, **made.to_json()})
        return
    if markdown:
        heading = "Sources" if made.language != "fr" else "Sources citées"
        click.echo(summary_markdown(transcript.source.title, made.text, made.citations, heading),
                   nl=False)  # fmt: skip
        return
    terminal.echo(made.text)
    for cited in made.citations:
        terminal.echo(f"  [{cited.marker}] {_where(cited)}")
    if made.abstained:
        click.echo("(nothing in the passages supported a summary)", err=True)


@video.command()
@click.argument("source")
@notebook_option
@click.option("--format", "form", type=click.Choice(["srt", "vtt", "txt"]), default="txt",
              show_default=True)  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of stdout.")  # fmt: skip
@click.pass_obj
def transcript(app: App, source: str, notebook: str, form: str, output: Path | None) -> None:
    """The timed transcript of SOURCE as SRT, WebVTT or text."""
    from causerie.assistants.video.exports import export
    from causerie.assistants.video.tasks import transcript_of

    book = app.notebook(notebook)
    found = transcript_of(app, app.owner, book, source)
    text = export(found.cues, form)
    if output is None:
        sys.stdout.write(text)
        return
    output.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {len(found.cues)} cues to {output}.", err=True)
