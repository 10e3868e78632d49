"""`causerie serve`: the web app and the HTTP APIs (REST under /api, OpenAI-compatible /v1)."""

from __future__ import annotations

import click

from causerie.cli.app import App

LOOPBACK = ("127.0.0.1", "localhost", "::1")
ANY_ADDRESS = ("0.0.0.0", "::")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--no-worker", is_flag=True,
              help="Run no job worker in this process (`causerie worker` runs them).")  # fmt: skip
@click.pass_obj
def serve(app: App, host: str, port: int, no_worker: bool) -> None:
    """Serve the web app and the APIs (sign in with an account from `causerie users create`)."""
    import uvicorn

    from causerie.backends import open_accounts
    from causerie.web.app import close_app, create_app

    accounts = open_accounts(app.settings)
    has_users = accounts.has_users()
    accounts.close()
    settings = app.settings
    if host not in (*LOOPBACK, *ANY_ADDRESS) and host not in settings.allowed_hosts:
        hosts = [*settings.allowed_hosts, host]  # the name it listens on is served
        settings = settings.model_copy(update={"allowed_hosts": hosts})
    web = create_app(settings, worker=not no_worker)
    web.state.jobs.start_worker()  # jobs left by a stopped server go on now
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"Causerie on http://{shown}:{port}/ (Ctrl-C stops it)", err=True)
    if not has_users:
        click.echo(
            "No account yet: run `causerie users create NAME`, or open "
            f"http://{'localhost' if host in ANY_ADDRESS else shown}:{port}/setup in a browser"
            f" on this machine with the one-time setup code {web.state.setup_code}",
            err=True,
        )
    click.echo(f"Allowed hosts: {', '.join(settings.allowed_hosts)} (CAUSERIE_ALLOWED_HOSTS)",
               err=True)  # fmt: skip
    if host not in LOOPBACK:
        click.echo(
            "warning: listening beyond this machine; put it behind HTTPS (a reverse proxy) "
            "so that passwords and session cookies are not sent in clear.",
            err=True,
        )
    try:
        uvicorn.run(web, host=host, port=port, log_level="info")
    finally:
        close_app(web)
