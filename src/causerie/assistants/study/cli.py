"""`causerie study ...`: explanations, a tutor, study guides, quizzes and flashcards.

Answers and data go to stdout (`--json` where the output is data); progress, notes and
prompts go to stderr. Interactive commands (tutor, quiz, review) read one line per answer
from stdin and stop at end of input or on 'q'.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from causerie.cli.app import App, notebook_option
from causerie.types import Citation, Notebook

if TYPE_CHECKING:
    from causerie.assistants.study.cards import Deck
    from causerie.assistants.study.db import StudyStore
    from causerie.assistants.study.quiz import KindChoice
    from causerie.assistants.study.records import Quiz

QUIT = {"q", "quit", "/q", "/quit", "exit", "/exit"}


# ----------------------------------------------------------------------------- helpers


def _study(ctx: click.Context) -> StudyStore:
    """Study's data in the records database (tasks.open_store), opened once per command."""
    if "study" not in ctx.meta:
        from causerie.assistants.study.tasks import open_store

        app: App = ctx.obj
        ctx.meta["study"] = open_store(app)
        ctx.call_on_close(ctx.meta["study"].close)
    store: StudyStore = ctx.meta["study"]
    return store


def _deck(ctx: click.Context, book: Notebook) -> Deck:
    from causerie.assistants.study.cards import Deck

    app: App = ctx.obj
    return Deck(_study(ctx), app.owner, book.id)


def _read(prompt: str) -> str | None:
    """One line from stdin (the prompt on stderr); None at end of input or on 'q'."""
    click.echo(prompt, nl=False, err=True)
    line = sys.stdin.readline()
    if not line:
        click.echo("", err=True)
        return None
    line = line.strip()
    return None if line.lower() in QUIT else line


def _source_line(cited: Citation, marker: int | None = None) -> str:
    name = cited.source.rsplit("/", 1)[-1]
    snippet = " ".join(cited.text.split())
    snippet = snippet if len(snippet) <= 160 else snippet[:157] + "..."
    label = f"[{marker}] " if marker is not None else ""
    return f"  {label}{name} ({cited.locator.label()})\n      {snippet}"


def _notes(notes: list[str]) -> None:
    for note in notes:
        click.echo(f"note: {note}", err=True)


def _language(value: str | None) -> str | None:
    from causerie.assistants.kit.language import check_language

    return check_language(value)


def _dump(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


language_option = click.option(
    "--language", default=None, help="Write in this language (en, fr, ...); default: the source's."
)
source_option = click.option(
    "--source", default=None, help="Only this source (its file name, uri or title)."
)


@click.group()
def study() -> None:
    """Study a notebook: explanations, a tutor, guides, quizzes and flashcards."""


# ----------------------------------------------------------------------------- explain


@study.command()
@click.argument("concept")
@notebook_option
@click.option(
    "--level",
    type=click.Choice(["simple", "standard", "detailed"]),
    default="standard",
    show_default=True,
)
@language_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def explain(
    ctx: click.Context,
    concept: str,
    notebook: str,
    level: str,
    language: str | None,
    as_json: bool,
) -> None:
    """Explain CONCEPT from the notebook's sources, at a level; the answer cites them."""
    from causerie.assistants.kit.language import text_language
    from causerie.assistants.study.explain import explain as run_explain
    from causerie.cli.chat import print_citations
    from causerie.session import final_answer

    app: App = ctx.obj
    book = app.notebook(notebook)
    sources = app.store.list_sources(app.owner, book.id)
    lang = _language(language) or text_language(concept, [s.language for s in sources])
    events = run_explain(app.engine, app.owner, book, concept, level, lang)
    answer = final_answer(events, None if as_json else lambda text: click.echo(text, nl=False))
    if as_json:
        _dump({**answer.to_json(), "level": level, "concept": concept})
        return
    click.echo()
    print_citations(answer)


@study.command("explain-answer")
@click.argument("attempt_id")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def explain_answer_command(ctx: click.Context, attempt_id: str, as_json: bool) -> None:
    """Explain why a quiz answer (ATTEMPT_ID, shown after a wrong answer) was wrong."""
    from causerie.assistants.study.explain import explain_answer

    app: App = ctx.obj
    attempt = _study(ctx).get_attempt(app.owner, attempt_id)
    item = _study(ctx).get_item(app.owner, attempt.item_id)
    result = explain_answer(app.engine, app.owner, item, attempt.given)
    if as_json:
        _dump({**result.to_json(), "question": item.question, "given": attempt.given})
        return
    click.echo(f"Q: {item.question}\nYour answer: {attempt.given}\n\n{result.text}\n")
    for cited in result.citations:
        click.echo(_source_line(cited, 1))


# ----------------------------------------------------------------------------- tutor


@study.command()
@click.argument("topic")
@notebook_option
@language_option
@click.pass_context
def tutor(ctx: click.Context, topic: str, notebook: str, language: str | None) -> None:
    """Learn TOPIC with a Socratic tutor: it asks, you answer (one line each); it hints,
    and gives an answer only when you ask for it twice. 'q' or end of input stops."""
    from causerie.assistants.study.tutor import Tutor, TutorTurn

    app: App = ctx.obj
    book = app.notebook(notebook)
    session = Tutor(app.engine, app.owner, book, topic, _language(language))

    def show(turn: TutorTurn) -> None:
        click.echo(f"\ntutor> {turn.text}")
        for cited in turn.citations:
            click.echo(_source_line(cited, 1))

    turn = session.start()
    show(turn)
    while not turn.done:
        line = _read("\nyou> ")
        if line is None:
            click.echo(session.summary())
            return
        turn = session.reply(line)
        show(turn)


# ----------------------------------------------------------------------------- guide


@study.command()
@notebook_option
@source_option
@click.option("--passages", default=6, show_default=True, help="Passages to draw from.")
@language_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the Markdown guide to this file.")  # fmt: skip
@click.pass_context
def guide(
    ctx: click.Context,
    notebook: str,
    source: str | None,
    passages: int,
    language: str | None,
    as_json: bool,
    output: Path | None,
) -> None:
    """A study guide: key concepts, glossary and likely exam questions, each cited."""
    from causerie.assistants.kit.passages import notebook_passages, plan_count
    from causerie.assistants.study.guide import make_guide
    from causerie.cli.progress import bar

    app: App = ctx.obj
    book = app.notebook(notebook)
    pool = notebook_passages(app.store, app.owner, book, source)
    count, capped = plan_count(passages, pool, noun="passage")
    _notes(capped)
    with bar(count, "Reading passages", "passage") as progress:
        made = make_guide(app.make_provider(), pool, max_passages=passages,
                          language=_language(language), embedder=app.embedder,
                          on_passage=lambda: progress.update(1))  # fmt: skip
    markdown = made.to_markdown()
    if output is not None:
        output.write_text(markdown, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    if as_json:
        _dump(made.to_json())
    else:
        click.echo(markdown, nl=False)


# ----------------------------------------------------------------------------- quiz


@study.command()
@notebook_option
@click.option("--count", "-c", default=5, show_default=True, help="Number of questions.")
@click.option("--kind", type=click.Choice(["mixed", "mcq", "short"]), default="mixed",
              show_default=True, help="Multiple choice, short answer, or both.")  # fmt: skip
@source_option
@language_option
@click.option("--json", "as_json", is_flag=True, help="Print the items as JSON; no questions.")
@click.option("--id", "quiz_id", default=None, help="Take a saved quiz again.")
@click.option("--judge", is_flag=True, help="Let the model judge doubtful short answers.")
@click.pass_context
def quiz(
    ctx: click.Context,
    notebook: str,
    count: int,
    kind: str,
    source: str | None,
    language: str | None,
    as_json: bool,
    quiz_id: str | None,
    judge: bool,
) -> None:
    """Make a quiz from the sources (saved), then take it: one answer per line."""
    app: App = ctx.obj
    book = app.notebook(notebook)
    study_store = _study(ctx)
    if quiz_id is not None:
        saved = study_store.get_quiz(app.owner, quiz_id)
    else:
        saved = _make_quiz(ctx, book, count, kind, source, _language(language))  # type: ignore[arg-type]
    if as_json:
        _dump([item.to_json() for item in saved.items])
        return
    _take(ctx, saved, judge)


def _make_quiz(
    ctx: click.Context,
    book: Notebook,
    count: int,
    kind: KindChoice,
    source: str | None,
    language: str | None,
) -> Quiz:
    from causerie.assistants.kit.passages import notebook_passages, plan_count
    from causerie.assistants.study.quiz import QuizMaker
    from causerie.cli.progress import bar
    from causerie.errors import InputError

    app: App = ctx.obj
    pool = notebook_passages(app.store, app.owner, book, source)
    planned, capped = plan_count(count, pool, noun="question")
    _notes(capped)
    maker = QuizMaker(app.make_provider(), app.embedder)
    with bar(planned, "Writing questions", "question") as progress:
        result = maker.make(
            pool, count, kind, language, on_item=lambda item: progress.update(int(bool(item)))
        )
    _notes([note for note in result.notes if note not in capped])
    for skipped in result.skipped:
        reason = skipped.reasons[-1] if skipped.reasons else "no reply"
        click.echo(f"skipped {skipped.source} ({skipped.where}): {reason}", err=True)
    if not result.items:
        raise InputError(pool.scope, "no question could be drawn from it that its passages "
                         "support; try other sources or a larger model")  # fmt: skip
    title = f"{pool.scope}, {len(result.items)} questions"
    saved = _study(ctx).save_quiz(app.owner, book.id, title, result.items)
    click.echo(f"quiz {saved.id}: {len(saved.items)} questions in {result.seconds:.1f} s "
               f"({result.tries} model calls)", err=True)  # fmt: skip
    return saved


def _take(ctx: click.Context, saved: Quiz, judge: bool) -> None:
    from causerie.assistants.study.grading import grade
    from causerie.errors import InputError

    app: App = ctx.obj
    right = answered = 0
    for number, item in enumerate(saved.items, 1):
        click.echo(f"\n{number}. {item.question}")
        for index, choice in enumerate(item.choices):
            click.echo(f"   {'ABCD'[index]}) {choice}")
        while True:
            given = _read("answer> ")
            if given is None:
                return _score(right, answered)
            try:
                graded = grade(item, given, embedder=app.embedder,
                               judge=app.make_provider() if judge else None)  # fmt: skip
                break
            except InputError as exc:
                click.echo(str(exc), err=True)
        attempt = _study(ctx).add_attempt(app.owner, item.id, given, graded.verdict,
                                          graded.score, graded.method, graded.feedback)  # fmt: skip
        answered += 1
        right += graded.correct
        click.echo(graded.feedback)
        click.echo(_source_line(graded.citation, 1))
        if not graded.correct:
            click.echo(f"  (why? causerie study explain-answer {attempt.id})", err=True)
    _score(right, answered)


def _score(right: int, answered: int) -> None:
    click.echo(f"\nScore: {right}/{answered}")


@study.command()
@notebook_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def quizzes(ctx: click.Context, notebook: str, as_json: bool) -> None:
    """List the notebook's saved quizzes, with their scores."""
    app: App = ctx.obj
    book = app.notebook(notebook)
    rows = []
    for saved in _study(ctx).list_quizzes(app.owner, book.id):
        attempts = _study(ctx).list_attempts(app.owner, saved.id)
        correct = sum(a.verdict == "correct" for a in attempts)
        rows.append({"id": saved.id, "title": saved.title, "items": len(saved.items),
                     "attempts": len(attempts), "correct": correct})  # fmt: skip
    if as_json:
        _dump(rows)
        return
    for row in rows:
        click.echo(f"{row['id']}  {row['title']}  ({row['correct']}/{row['attempts']} right)")


# ----------------------------------------------------------------------------- cards


@study.command()
@notebook_option
@click.option("--count", "-c", default=10, show_default=True, help="Cards to make.")
@source_option
@language_option
@click.option("--list", "list_only", is_flag=True, help="List the cards; make none.")
@click.option("--from-quiz", "quiz_id", default=None,
              help="Turn a saved quiz's items into cards (no model call).")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def cards(
    ctx: click.Context,
    notebook: str,
    count: int,
    source: str | None,
    language: str | None,
    list_only: bool,
    quiz_id: str | None,
    as_json: bool,
) -> None:
    """Make flashcards from the sources (each linked to its passage), or list them."""
    from causerie.assistants.kit.passages import notebook_passages, plan_count
    from causerie.assistants.study.cards import make_cards
    from causerie.cli.progress import bar

    app: App = ctx.obj
    book = app.notebook(notebook)
    deck = _deck(ctx, book)
    existing = deck.cards()
    if quiz_id is not None:
        saved = _study(ctx).get_quiz(app.owner, quiz_id)
        added = [deck.add(i.question, i.answer, i.citation) for i in saved.items]
        existing = [c for c in added if c is not None]
        click.echo(f"added {len(existing)} cards from quiz {quiz_id}", err=True)
    elif not list_only:
        pool = notebook_passages(app.store, app.owner, book, source)
        planned, capped = plan_count(count, pool, noun="card")
        _notes(capped)
        with bar(planned, "Writing cards", "card") as progress:
            result = make_cards(app.make_provider(), pool, count, language=_language(language),
                                embedder=app.embedder, skip_fronts=[c.front for c in existing],
                                on_card=lambda d: progress.update(int(d is not None)))  # fmt: skip
        _notes([note for note in result.notes if note not in capped])
        added = [deck.add(d.front, d.back, d.citation) for d in result.drafts]
        made = [c for c in added if c is not None]
        click.echo(f"added {len(made)} cards in {result.seconds:.1f} s", err=True)
        existing = made
    if as_json:
        _dump([card.to_json() for card in existing])
        return
    for card in existing:
        click.echo(f"{card.front}\n  -> {card.back}   [{card.state_name()}, due "
                   f"{card.due.astimezone():%Y-%m-%d %H:%M}]")  # fmt: skip
        if card.citation:
            click.echo(_source_line(card.citation))


@study.command()
@notebook_option
@click.option("--limit", default=20, show_default=True, help="Cards in this session at most.")
@click.pass_context
def review(ctx: click.Context, notebook: str, limit: int) -> None:
    """Review the cards due: see the front, press Enter, see the back, rate it
    (1 again, 2 hard, 3 good, 4 easy); FSRS sets the next review."""
    from causerie.assistants.study.cards import format_interval, parse_rating
    from causerie.errors import InputError

    app: App = ctx.obj
    book = app.notebook(notebook)
    deck = _deck(ctx, book)
    due = deck.due(limit=limit)
    if not due:
        upcoming = sorted(card.due for card in deck.cards())
        when = f"; next one due {upcoming[0].astimezone():%Y-%m-%d %H:%M}" if upcoming else ""
        click.echo(f"No cards due in notebook '{book.name}'{when}.")
        return
    reviewed = 0
    for number, card in enumerate(due, 1):
        click.echo(f"\n[{number}/{len(due)}] {card.front}")
        if _read("(Enter shows the answer) ") is None:
            break
        click.echo(f"  -> {card.back}")
        if card.citation:
            click.echo(_source_line(card.citation))
        previews = deck.preview(card)
        click.echo("   " + "   ".join(f"{int(r)} {r.name.lower()} ({format_interval(d)})"
                                      for r, d in previews.items()))  # fmt: skip
        rating = None
        while rating is None:
            answer = _read("rating> ")
            if answer is None:
                break
            try:
                rating = parse_rating(answer)
            except InputError as exc:
                click.echo(str(exc), err=True)
        if rating is None:
            break
        _, interval = deck.review(card, rating)
        reviewed += 1
        click.echo(f"  {rating.name}: next review in {format_interval(interval)}")
    left = len(deck.due())
    click.echo(f"\nReviewed {reviewed} card(s); {left} still due.")


@study.command()
@notebook_option
@click.option("--days", default=14, show_default=True, help="Days in the chart.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--svg", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the chart as an SVG file.")  # fmt: skip
@click.pass_context
def stats(ctx: click.Context, notebook: str, days: int, as_json: bool, svg: Path | None) -> None:
    """Progress: cards by state, due counts, reviews per day and recall rate."""
    from causerie.assistants.study.stats import compute, svg_chart, text_chart
    from causerie.errors import InputError

    if not 1 <= days <= 366:
        raise InputError("--days", f"must be between 1 and 366 (got {days})")
    app: App = ctx.obj
    book = app.notebook(notebook)
    computed = compute(_deck(ctx, book), days=days)
    if svg is not None:
        svg.write_text(svg_chart(computed), encoding="utf-8")
        click.echo(f"wrote {svg}", err=True)
    if as_json:
        _dump(computed.to_json())
    else:
        click.echo(text_chart(computed))


@study.command()
@notebook_option
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write: .apkg (Anki) or .csv.")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["apkg", "csv"]), default=None,
              help="Default: from the file's extension.")  # fmt: skip
@click.pass_context
def export(ctx: click.Context, notebook: str, output: Path, fmt: str | None) -> None:
    """Export the notebook's flashcards to Anki (.apkg) or CSV."""
    from causerie.assistants.study.anki import export_apkg, export_csv
    from causerie.errors import InputError

    fmt = fmt or output.suffix.lstrip(".").lower()
    if fmt not in ("apkg", "csv"):
        raise InputError(str(output), "give a .apkg or .csv file, or --format")
    app: App = ctx.obj
    book = app.notebook(notebook)
    deck = _deck(ctx, book)
    found = deck.cards()
    if not found:
        raise InputError(f"notebook '{book.name}'", "has no flashcards yet: `causerie study cards`")
    if fmt == "apkg":
        written = export_apkg(found, output, f"Causerie::{book.name}", f"{app.owner.id}:{book.id}")
    else:
        written = export_csv(found, output)
    click.echo(f"wrote {written} cards to {output}")


@study.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@notebook_option
@click.pass_context
def import_deck(ctx: click.Context, path: Path, notebook: str) -> None:
    """Import the notes of an Anki package (.apkg) as new cards (scheduling starts afresh)."""
    from causerie.assistants.study.anki import read_apkg

    app: App = ctx.obj
    book = app.notebook(notebook, create=True)
    deck = _deck(ctx, book)
    notes = read_apkg(path)
    added = sum(deck.add(front, back, None, origin="imported") is not None for front, back in notes)
    skipped = len(notes) - added
    click.echo(
        f"imported {added} cards from {path}" + (f" ({skipped} already there)" if skipped else "")
    )
