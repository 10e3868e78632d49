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
    if settings.provider == "llamacpp":
        from causerie.providers.default_model import DEFAULT_MODEL_NAME, default_model_status

        click.echo(f"model\t{settings.model or DEFAULT_MODEL_NAME + ' (embedded default)'}")
        if not settings.model:
            click.echo(f"model file\t{default_model_status(settings.home)}")
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
