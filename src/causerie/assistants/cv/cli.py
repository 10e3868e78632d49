"""`causerie cv score|gaps|tailor|letter --cv CV --job POSTING`: a reproducible match score,
the gaps, a tailored CV and a cover letter. Results on stdout (`--json`: one JSON object);
progress and notes on stderr; a bad input is one line naming it, exit code 1."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from causerie.cli.app import App
from causerie.errors import InputError

if TYPE_CHECKING:
    from causerie.assistants.cv.score import Report

F = TypeVar("F", bound=Callable[..., Any])
EXPORTS = (".md", ".docx", ".pdf")


def inputs(function: F) -> F:
    for option in reversed([
        click.option("--cv", "cv_path", required=True, help="The CV: .pdf, .docx, .md, .txt."),
        click.option("--job", "job_path", required=True,
                     help="The job posting: a file or an http(s) URL."),
        click.option("--as-of", default=None, metavar="YYYY-MM",
                     help="The month 'present' stands for in the CV's dates (default: now)."),
        click.option("--json", "as_json", is_flag=True, help="Print one JSON object."),
    ]):  # fmt: skip
        function = option(function)
    return function


def _month(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    found = re.fullmatch(r"((?:19|20)\d\d)-(0[1-9]|1[0-2])", value.strip())
    if not found:
        raise InputError("--as-of", f"{value!r} is not a month written YYYY-MM")
    return int(found[1]), int(found[2])


def _report(cv_path: str, job_path: str, as_of: str | None) -> Report:
    from causerie.assistants.cv.reading import read_cv, read_posting
    from causerie.assistants.cv.score import match

    when = _month(as_of)
    return match(read_cv(cv_path), read_posting(job_path), as_of=when)


def _dump(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _output(path: str | None) -> Path | None:
    if path is None:
        return None
    out = Path(path)
    if out.suffix.lower() not in EXPORTS:
        raise InputError(path, f"the output must end in {', '.join(EXPORTS)}")
    return out


def _bar(description: str) -> Callable[[int, int], None]:
    def show(done: int, total: int) -> None:
        click.echo(f"\r{description}: {done}/{total}", nl=done == total, err=True)

    return show


@click.group()
def cv() -> None:
    """Match a CV to a job posting: score, gaps, a tailored CV, a cover letter."""


@cv.command()
@inputs
def score(cv_path: str, job_path: str, as_of: str | None, as_json: bool) -> None:
    """The match score (0-100), requirement by requirement, with the CV lines that show it."""
    report = _report(cv_path, job_path, as_of)
    if as_json:
        _dump(report.to_json())
        return
    data = report.to_json()
    click.echo(f"Score: {data['score']}/100  (experience: {report.cv_years:g} years in the CV, "
               f"as of {data['experience']['as_of']}; skills list {data['taxonomy']})")  # fmt: skip
    for item in report.matches:
        mark = "✓" if item.found else "✗"
        need = item.requirement
        click.echo(f"{mark} {need.kind:<8} {need.name:<36} {item.points:g}/{item.possible:g}"
                   + (f"  ({item.note})" if item.note else ""))  # fmt: skip
        for line in item.evidence:
            click.echo(f"      line {line.number}: {line.text}")


@cv.command()
@inputs
def gaps(cv_path: str, job_path: str, as_of: str | None, as_json: bool) -> None:
    """What the posting asks for that the CV does not show, with honest advice."""
    from causerie.assistants.cv.gaps import gaps as find_gaps

    report = _report(cv_path, job_path, as_of)
    found = find_gaps(report)
    if as_json:
        _dump({"score": report.score, "gaps": [g.to_json() for g in found]})
        return
    if not found:
        click.echo("No gap: the CV shows every requirement the posting states.")
    for gap in found:
        click.echo(f"- {gap.name} ({gap.kind}, {gap.importance}, -{gap.points:g} points)")
        click.echo(f"  {gap.advice}")


@cv.command()
@inputs
@click.option("-o", "--output", default=None, help="Write the CV to .md, .docx or .pdf.")
@click.pass_context
def tailor(ctx: click.Context, cv_path: str, job_path: str, as_of: str | None, as_json: bool,
           output: str | None) -> None:  # fmt: skip
    """A CV ordered and worded for the posting; every change cites its CV line, inventions are
    refused and listed; a before/after diff."""
    from causerie.assistants.cv.export import export
    from causerie.assistants.cv.tailor import tailor as make

    out = _output(output)
    report = _report(cv_path, job_path, as_of)
    app: App = ctx.obj
    result = make(report, app.make_provider(), progress=_bar("rewording"))
    if out is not None:
        export(result.markdown, out)
        click.echo(f"wrote {out}", err=True)
    if as_json:
        _dump(result.to_json())
        return
    click.echo(result.diff or "(no change)")
    for refused in result.rejected:
        click.echo(f"rejected (line {refused['line']}): {refused['text']}\n  why: {refused['why']}",
                   err=True)  # fmt: skip


@cv.command()
@inputs
@click.option("--language", default=None, type=click.Choice(["fr", "en"]),
              help="The letter's language (default: the posting's).")  # fmt: skip
@click.option("-o", "--output", default=None, help="Write the letter to .md, .docx or .pdf.")
@click.pass_context
def letter(ctx: click.Context, cv_path: str, job_path: str, as_of: str | None, as_json: bool,
           language: str | None, output: str | None) -> None:  # fmt: skip
    """A one-page cover letter; each paragraph cites its CV line; inventions refused."""
    from causerie.assistants.cv.export import export
    from causerie.assistants.cv.letter import letter as write

    out = _output(output)
    report = _report(cv_path, job_path, as_of)
    app: App = ctx.obj
    result = write(report, app.make_provider(), language=language, progress=_bar("writing"))
    if out is not None:
        export(result.text, out)
        click.echo(f"wrote {out}", err=True)
    if as_json:
        _dump(result.to_json())
        return
    click.echo(result.text)
    for cited in result.citations:
        click.echo(f"[paragraph {cited['paragraph']}] CV line {cited['line']}: {cited['text']}",
                   err=True)  # fmt: skip
    for refused in result.rejected:
        click.echo(f"rejected: {refused['text']}\n  why: {refused['why']}", err=True)
