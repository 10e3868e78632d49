"""`causerie models`: what generates and what embeds, and where it comes from; `models list`
shows the embedded models, `models use NAME` picks one (written to config.toml)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from causerie.cli.app import App
from causerie.config import data_home
from causerie.errors import CauserieError

if TYPE_CHECKING:
    from causerie.providers.default_model import ModelSpec


@click.group(invoke_without_command=True)
@click.pass_context
def models(ctx: click.Context) -> None:
    """Show the model and the embedder in use, and the other choices."""
    if ctx.invoked_subcommand is not None:
        return
    app: App = ctx.obj
    settings = app.settings
    from causerie.providers.default_model import MODELS, default_model_path, model_named

    click.echo(f"provider\t{settings.provider}")
    if settings.provider == "llamacpp" and settings.model and settings.model not in MODELS:
        click.echo(f"model\t{settings.model}")
    elif settings.provider == "llamacpp":
        chosen = model_named(settings.model)
        path = default_model_path(settings.home, chosen.spec)
        kind = "chosen" if settings.model else "embedded default"
        click.echo(f"model\t{chosen.name}: {chosen.title} ({kind})")
        click.echo(f"model file\t{path}: {_state(path, chosen.spec)}")
    else:
        click.echo(f"model\t{settings.model or '(provider default)'}")
        if settings.base_url:
            click.echo(f"base url\t{settings.base_url}")
    embedder = app.embedder
    click.echo(f"embedder\t{embedder.name if embedder else 'none (lexical search only)'}")
    click.echo(f"data folder\t{settings.home}")
    click.echo(
        "\nOther embedded models: causerie models list. Other providers: set "
        "CAUSERIE_PROVIDER=openai|anthropic|gemini (see README).",
        err=True,
    )


@models.command("list")
@click.pass_obj
def list_models(app: App) -> None:
    """List the embedded models: installed, assembled, in use."""
    from causerie.providers.default_model import DEFAULT_MODEL, MODELS, default_model_path
    from causerie.providers.default_model import installed as is_installed

    in_use = app.settings.model or DEFAULT_MODEL.name
    for model in MODELS.values():
        marks = ["in use"] if model.name == in_use and app.settings.provider == "llamacpp" else []
        if model is DEFAULT_MODEL:
            marks.append("default")
        size = f"{model.spec.size / 1e9:.1f} GB"
        if is_installed(model):
            path = default_model_path(app.settings.home, model.spec)
            state = f"installed; file {_state(path, model.spec)}"
        else:
            state = f"not installed: {model.install_hint()}"
        mark = f" [{', '.join(marks)}]" if marks else ""
        click.echo(f"{model.name}{mark}\t{model.title}, {size}\t{state}")


@models.command("use")
@click.argument("name")
@click.pass_obj
def use(app: App, name: str) -> None:
    """Answer with the embedded model NAME from now on (written to config.toml)."""
    from causerie.providers.default_model import installed, model_named

    model = model_named(name)
    if not installed(model):
        raise CauserieError(
            f"model {model.name} is not installed; install it with: {model.install_hint()}"
        )
    path = write_setting(data_home() / "config.toml", "model", model.name)
    if app.settings.provider != "llamacpp":
        click.echo(
            f"note: provider is {app.settings.provider}; {model.name} answers once the provider"
            " is llamacpp",
            err=True,
        )
    click.echo(f"model {model.name} ({model.title}) will answer; written to {path}")


def write_setting(path: Path, key: str, value: str) -> Path:
    """Set a top-level key of a TOML settings file, keeping its other lines and comments."""
    import tomlkit

    try:
        document = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else None
    except tomlkit.exceptions.ParseError as exc:
        raise CauserieError(f"cannot update {path}: it is not valid TOML ({exc})") from None
    document = document if document is not None else tomlkit.document()
    document[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(tomlkit.dumps(document), encoding="utf-8")
    return path


def _state(path: Path, spec: ModelSpec) -> str:
    from causerie.providers.default_model import stamp_matches

    if path.exists() and stamp_matches(path, spec):
        return "verified (SHA-256 matches)"
    return "not assembled yet (done on first use, from the installed model wheels)"
