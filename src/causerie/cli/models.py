"""`causerie models`: what generates and what embeds, and where it comes from."""

from __future__ import annotations

import click

from causerie.cli.app import App


@click.command()
@click.pass_obj
def models(app: App) -> None:
    """Show the model and the embedder in use, and the other choices."""
    settings = app.settings
    click.echo(f"provider\t{settings.provider}")
    if settings.provider == "llamacpp" and settings.model:
        click.echo(f"model\t{settings.model}")
    elif settings.provider == "llamacpp":
        from causerie.providers.default_model import (
            DEFAULT_SPEC,
            default_model_path,
            stamp_matches,
        )

        path = default_model_path(settings.home)
        state = (
            "verified (SHA-256 matches)"
            if path.exists() and stamp_matches(path, DEFAULT_SPEC)
            else "not assembled yet (done on first use, from the installed model wheels)"
        )
        click.echo("model\tQwen2.5-Coder-0.5B-Instruct Q4_K_M (embedded default)")
        click.echo(f"model file\t{path}: {state}")
    else:
        click.echo(f"model\t{settings.model or '(provider default)'}")
        if settings.base_url:
            click.echo(f"base url\t{settings.base_url}")
    embedder = app.embedder
    click.echo(f"embedder\t{embedder.name if embedder else 'none (lexical search only)'}")
    click.echo(f"data folder\t{settings.home}")
    click.echo(
        "\nOther providers: set CAUSERIE_PROVIDER=openai|anthropic|gemini (see README).",
        err=True,
    )
