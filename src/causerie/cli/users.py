"""Accounts for the web app and API: `causerie users ...` and `causerie tokens ...`.

A user's notebooks are those of `--user NAME` on the command line, so the CLI and the browser
see the same ones. Secrets go to stdout only when asked for (a new token); notes to stderr.
"""

from __future__ import annotations

import sys
import time

import click

from causerie.cli.app import App


def _accounts(app: App):  # type: ignore[no-untyped-def]
    from causerie.accounts import AccountStore

    return AccountStore.in_folder(app.settings.home)


def _read_password(password_stdin: bool) -> str:
    from causerie.accounts import MIN_PASSWORD_CHARS

    if password_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    return str(
        click.prompt(
            f"Password (at least {MIN_PASSWORD_CHARS} characters)",
            hide_input=True,
            confirmation_prompt=True,
            err=True,
        )
    )


@click.group()
def users() -> None:
    """Create and list the accounts of the web app and API."""


@users.command("create")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_obj
def create_user(app: App, name: str, password_stdin: bool) -> None:
    """Create the account NAME (asks for its password)."""
    from causerie.accounts import check_password, check_username

    check_username(name)  # before asking for a password
    password = _read_password(password_stdin)
    check_password(password)
    accounts = _accounts(app)
    try:
        user = accounts.create_user(name, password)
    finally:
        accounts.close()
    click.echo(f"Created user '{user.name}'. Sign in with `causerie serve`, then /login.", err=True)


@users.command("list")
@click.pass_obj
def list_users(app: App) -> None:
    """List the accounts."""
    accounts = _accounts(app)
    try:
        rows = accounts.list_users()
    finally:
        accounts.close()
    if not rows:
        click.echo("No accounts yet: `causerie users create NAME`.", err=True)
    for user in rows:
        created = time.strftime("%Y-%m-%d %H:%M", time.localtime(user.created_at))
        click.echo(f"{user.name}\t{created}")


def _user_name(app: App, user: str | None) -> str:
    if user:
        return user
    if app.user_given:
        return app.owner.id
    raise click.UsageError("name the account: --user NAME")


user_option = click.option("--user", "user", default=None, help="The account (user name).")


@click.group()
def tokens() -> None:
    """API tokens (Authorization: Bearer ...) for the REST and OpenAI-compatible API."""


@tokens.command("create")
@user_option
@click.option("--label", default="", help="A note to recognise the token by.")
@click.pass_obj
def create_token(app: App, user: str | None, label: str) -> None:
    """Create an API token; it is printed once, on stdout."""
    accounts = _accounts(app)
    try:
        new = accounts.create_token(_user_name(app, user), label)
    finally:
        accounts.close()
    click.echo(new.secret)
    click.echo(f"Token {new.token.id} for '{new.token.user_name}': shown only this once.", err=True)


@tokens.command("list")
@user_option
@click.pass_obj
def list_tokens(app: App, user: str | None) -> None:
    """List an account's tokens (never their secrets)."""
    accounts = _accounts(app)
    try:
        rows = accounts.list_tokens(_user_name(app, user))
    finally:
        accounts.close()
    for token in rows:
        created = time.strftime("%Y-%m-%d %H:%M", time.localtime(token.created_at))
        click.echo(f"{token.id}\t{token.hint}...\t{created}\t{token.label}")


@tokens.command("revoke")
@click.argument("token")
@user_option
@click.pass_obj
def revoke_token(app: App, token: str, user: str | None) -> None:
    """Revoke TOKEN (its id from `tokens list`, or the token itself)."""
    accounts = _accounts(app)
    try:
        accounts.revoke_token(_user_name(app, user), token)
    finally:
        accounts.close()
    click.echo("Token revoked.", err=True)
