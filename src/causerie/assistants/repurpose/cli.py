"""`causerie repurpose SOURCE... --notebook N --to FORMATS`: one long piece becomes a thread,
a LinkedIn post, a newsletter section, an outline, a video script, Bluesky and Mastodon posts.

The drafts go to stdout (`--json`: one object, {"outputs": [...]} with each sentence's
citations and what was rejected, and why); progress and notes go to stderr. The run is saved
in the records database (the web page lists it) unless `--no-save`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from causerie.cli.app import App, notebook_option

if TYPE_CHECKING:
    from causerie.assistants.repurpose.drafts import Draft


@click.command()
@click.argument("sources", metavar="SOURCE...", nargs=-1, required=True)
@notebook_option
@click.option("--to", "formats", default="x-thread,linkedin,newsletter,outline,video-script",
              show_default=True,
              help="Formats, comma-separated: x-thread, linkedin, newsletter, outline, "
                   "video-script, bluesky, mastodon, or all.")  # fmt: skip
@click.option("--language", default=None, help="Write in this language (default: the source's).")
@click.option("--tone", default="neutral", show_default=True,
              help="neutral, enthusiastic or expert.")  # fmt: skip
@click.option("--audience", default="general", show_default=True, help="general or peers.")
@click.option("--words", default=400, show_default=True, help="The newsletter's word budget.")
@click.option("--passages", default=8, show_default=True,
              help="Passages of the piece to draw claims from (spread over it).")  # fmt: skip
@click.option("--style-folder", default="past-posts", show_default=True,
              help="Sources filed under a folder of this name are your past posts: style "
                   "examples, never facts.")  # fmt: skip
@click.option("--save/--no-save", default=True, show_default=True, help="Keep the run.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def repurpose(
    ctx: click.Context,
    sources: tuple[str, ...],
    notebook: str,
    formats: str,
    language: str | None,
    tone: str,
    audience: str,
    words: int,
    passages: int,
    style_folder: str,
    save: bool,
    as_json: bool,
) -> None:
    """Repurpose SOURCE (a file name, uri or title in the notebook; several for a set) into
    posts and drafts, each within its platform's limits, each sentence traceable to its
    passage."""
    from causerie.assistants.repurpose.formats import parse_formats
    from causerie.assistants.repurpose.pipeline import Options, gather, repurpose
    from causerie.cli.progress import bar

    app: App = ctx.obj
    book = app.notebook(notebook)
    options = Options(language, tone, audience, words, passages, style_folder).checked()
    names = parse_formats(formats)
    material = gather(app.store, app.owner, book, list(sources), passages, style_folder)
    if material.examples:
        click.echo(f"note: {len(material.examples)} past post(s) under '{style_folder}/' "
                   "used as style examples", err=True)  # fmt: skip
    total = len(material.passages) + len(names)
    with bar(total, "Repurposing", "step") as progress:

        def step(done: int, _total: int, what: str) -> None:
            progress.set_postfix_str(what, refresh=False)
            progress.update(done - progress.n)

        result = repurpose(app.make_provider(), app.embedder, material, names, options, step)
    if save:
        from causerie.assistants.repurpose.tasks import save as save_run
        from causerie.backends import open_records

        records = open_records(app.settings)
        try:
            saved = save_run(records, app.owner, book, result, None)
        finally:
            records.close()
        click.echo(f"saved as run {saved.id}", err=True)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    for draft in result.drafts:
        _print(draft)


def _print(draft: Draft) -> None:
    length = draft.length
    gauge = f"{length.value:g}/{length.limit:g} {length.unit}" if length else "-"
    click.echo(f"=== {draft.format} ({gauge}) ===")
    if draft.posts is not None:
        click.echo("\n\n".join(draft.posts))
    elif draft.text:
        click.echo(draft.text)
    for note in draft.notes:
        click.echo(f"note: {note}", err=True)
    for item in draft.rejected:
        click.echo(f"rejected: {item.text} -- {item.why}", err=True)
    click.echo()
