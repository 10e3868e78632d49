"""Background jobs: `causerie worker` runs them, `causerie jobs` lists and cancels them.

causerie worker                    # runs jobs until Ctrl-C or SIGTERM (as many as you like)
causerie --user me jobs            # me's jobs: id, kind, state, progress, error
causerie --user me jobs --json     # one JSON object per line
causerie --user me jobs cancel ID  # a queued job stops at once, a running one soon
"""

from __future__ import annotations

import json
import signal
import threading
import time
from typing import Any

import click

from causerie.cli.app import App


@click.command()
@click.option("--lease", "lease_s", default=30.0, show_default=True, type=float,
              help="Seconds a job stays reserved without a heartbeat.")  # fmt: skip
@click.pass_obj
def worker(app: App, lease_s: float) -> None:
    """Run queued jobs (ingestion, embedding, assistants' tasks) until stopped."""
    from causerie.jobs import Worker

    running = Worker(app.job_queue, app, app.spool, lease_s=lease_s)
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()
        running.wake()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    click.echo(f"worker {running.id} on {_database(app)} (Ctrl-C stops it)", err=True)
    running.run(stop)
    click.echo("worker stopped", err=True)


def _database(app: App) -> str:
    """The database the worker serves, as shown to people (a URL without its password)."""
    if app.settings.uses_postgres:
        from causerie.postgres.db import shown_url

        return shown_url(app.settings.database_url)
    return str(app.settings.database_path)


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per job and line.")
@click.pass_context
def jobs(ctx: click.Context, as_json: bool) -> None:
    """List your jobs (`jobs cancel ID` stops one)."""
    if ctx.invoked_subcommand is not None:
        return
    app: App = ctx.obj
    records = app.job_queue.list_jobs(app.owner)
    if not records:
        click.echo("No jobs.", err=True)
    for record in records:
        if as_json:
            click.echo(json.dumps(record.to_dict(), ensure_ascii=False))
        else:
            click.echo(_line(record))


def _line(record: Any) -> str:
    items = record.progress.get("items") or []
    done = sum(1 for i in items if i.get("status") in ("added", "updated", "unchanged", "error"))
    if items:
        progress = f"{done}/{len(items)}"
    elif "total" in record.progress:  # an assistant's job: {"done", "total"}
        progress = f"{record.progress.get('done', 0)}/{record.progress['total']}"
    else:
        progress = ""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(record.created_at))
    state = "cancelling" if record.cancel_requested and record.state == "running" else record.state
    parts = [record.id, when, record.kind, state, progress, record.error or ""]
    return "  ".join(part for part in parts if part)


@jobs.command("cancel")
@click.argument("job_id")
@click.pass_obj
def cancel(app: App, job_id: str) -> None:
    """Cancel the job JOB_ID: a queued one at once, a running one at its next step."""
    record = app.job_queue.cancel(app.owner, job_id)
    if record.state == "cancelled":
        app.spool.remove(record.id)
        click.echo(f"Cancelled job {record.id}.", err=True)
    elif record.state == "running":
        click.echo(f"Job {record.id} will stop at its next step.", err=True)
    else:
        click.echo(f"Job {record.id} had already ended ({record.state}).", err=True)
