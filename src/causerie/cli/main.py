"""Entry point: a lazy click group, one-line errors, exit codes.

The answer goes to stdout; progress, notes and errors go to stderr.
"""

from __future__ import annotations

import importlib
import sys

import click

# command name -> (module, function, one-line help). Modules load only when their command runs.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "add": ("causerie.cli.sources", "add", "Add files or web pages to a notebook."),
    "sources": ("causerie.cli.sources", "sources", "List a notebook's sources."),
    "notebooks": ("causerie.cli.sources", "notebooks", "List your notebooks."),
    "embed": ("causerie.cli.sources", "embed", "Compute the vectors still missing."),
    "ask": ("causerie.cli.chat", "ask", "Ask one question; get a cited answer."),
    "chat": ("causerie.cli.chat", "chat", "Talk with a notebook (streaming, resumable)."),
    "models": ("causerie.cli.models", "models", "Show the model and embedder in use."),
    "doctor": ("causerie.cli.doctor", "doctor", "Check the CPU, model runtime, files and disk."),
    "demo": ("causerie.cli.demo", "demo", "Load the sample notebook and ask it questions."),
    "serve": ("causerie.cli.server", "serve", "Serve the web app and the HTTP APIs."),
    "users": ("causerie.cli.users", "users", "Create and list web/API accounts."),
    "tokens": ("causerie.cli.users", "tokens", "Create, list and revoke API tokens."),
    "worker": ("causerie.cli.jobs", "worker", "Run queued jobs until stopped."),
    "jobs": ("causerie.cli.jobs", "jobs", "List your jobs; cancel one."),
    "db": ("causerie.cli.db", "db", "PostgreSQL: start a local server, upgrade the schema."),
}
# Assistants (study, ...) add their command groups through causerie.assistants.registry.


def _assistant_commands() -> dict[str, tuple[str, str]]:
    """{name: ("module:attr", summary)} of the registered assistants (their modules not loaded)."""
    from causerie.assistants.registry import default_registry

    return default_registry().commands()


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*COMMANDS, *(name for name in _assistant_commands() if name not in COMMANDS)]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in COMMANDS:
            module_name, attribute, _ = COMMANDS[name]
            return getattr(importlib.import_module(module_name), attribute)  # type: ignore[no-any-return]
        if name in _assistant_commands():
            from causerie.assistants.registry import load

            command: click.Command = load(_assistant_commands()[name][0])
            return command
        return None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_text) for name, (_, _, help_text) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)
        assistants = [(n, s) for n, (_, s) in _assistant_commands().items() if n not in COMMANDS]
        if assistants:
            with formatter.section("Assistants"):
                formatter.write_dl(assistants)

    def invoke(self, ctx: click.Context) -> object:
        """One line on stderr and exit code 1 for errors; a traceback only with --debug."""
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)
        except Exception as exc:
            from causerie.errors import CauserieError

            if "--debug" in sys.argv or (ctx.obj is not None and ctx.obj.debug):
                raise
            known = isinstance(exc, CauserieError)
            kind = "error" if known else f"internal error ({type(exc).__name__})"
            click.echo(f"{kind}: {exc}", err=True)
            ctx.exit(1)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--user", default=None, help="Act as this account (default: the local owner).")
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
@click.version_option(package_name="causerie")
@click.pass_context
def cli(ctx: click.Context, user: str | None, debug: bool) -> None:
    """Causerie: talk with your own documents; every answer cites its passage."""
    from causerie.cli.app import App

    ctx.obj = App(user=user, debug=debug)
    ctx.call_on_close(ctx.obj.close)


def main() -> None:
    cli()
