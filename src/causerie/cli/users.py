"""Accounts for the web app and API: `causerie users ...` and `causerie tokens ...`.

A user's notebooks are those of `--user NAME` on the command line, so the CLI and the browser
see the same ones. Secrets go to stdout only when asked for (a new token); notes to stderr.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

import click

from causerie.cli.app import App

if TYPE_CHECKING:
    from causerie.accounts import AccountStore


def _accounts(app: App) -> AccountStore:
    from causerie.backends import open_accounts

    return open_accounts(app.settings)


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
    """Create, list, disable, delete the accounts of the web app and API; set passwords."""


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
        click.echo(f"{user.name}\t{created}" + ("\tdisabled" if user.disabled else ""))


@users.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_obj
def set_password(app: App, name: str, password_stdin: bool) -> None:
    """Set a new password for NAME; its sessions end and its API tokens are revoked."""
    from causerie.accounts import check_password

    accounts = _accounts(app)
    try:
        if accounts.get_user(name) is None:
            from causerie.errors import NotFound

            raise NotFound(f"user {name!r} not found (`causerie users list`)")
        password = _read_password(password_stdin)
        check_password(password)
        accounts.set_password(name, password)
    finally:
        accounts.close()
    click.echo(f"Password of '{name}' changed; its sessions and API tokens have ended.", err=True)


@users.command("disable")
@click.argument("name")
@click.pass_obj
def disable_user(app: App, name: str) -> None:
    """Disable NAME: no sign-in; its sessions end and its API tokens are revoked (its
    notebooks are kept; `users enable` undoes it)."""
    accounts = _accounts(app)
    try:
        user = accounts.disable_user(name)
    finally:
        accounts.close()
    click.echo(f"Disabled '{user.name}'; its sessions and API tokens have ended.", err=True)


@users.command("enable")
@click.argument("name")
@click.pass_obj
def enable_user(app: App, name: str) -> None:
    """Let a disabled account sign in again (with new sessions and tokens)."""
    accounts = _accounts(app)
    try:
        user = accounts.enable_user(name)
    finally:
        accounts.close()
    click.echo(f"Enabled '{user.name}'.", err=True)


@users.command("delete")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def delete_user(app: App, name: str, yes: bool) -> None:
    """Delete NAME with its sessions, API tokens, notebooks and assistants' records (a name
    made again later starts empty, and no old token opens it)."""
    from causerie.types import Owner

    accounts = _accounts(app)
    try:
        user = accounts.get_user(name)
        if user is None:
            from causerie.errors import NotFound

            raise NotFound(f"user {name!r} not found (`causerie users list`)")
        if not yes:
            click.confirm(f"Delete '{user.name}' and all of its notebooks?", abort=True, err=True)
        accounts.delete_user(user.name)
    finally:
        accounts.close()
    owner = Owner(user.name)
    books = app.store.list_notebooks(owner)
    for book in books:
        app.store.delete_notebook(owner, book.id)
    from causerie.backends import open_records

    records = open_records(app.settings)
    try:
        records.delete_owner(owner)  # what the assistants kept for the account
    finally:
        records.close()
    click.echo(f"Deleted '{user.name}' and {len(books)} notebook(s).", err=True)


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
@click.argument("token", required=False)
@user_option
@click.option("--all", "revoke_all", is_flag=True, help="Revoke every token of the account.")
@click.pass_obj
def revoke_token(app: App, token: str | None, user: str | None, revoke_all: bool) -> None:
    """Revoke TOKEN (its id from `tokens list`, or the token itself), or --all of them."""
    if bool(token) == revoke_all:
        raise click.UsageError("name one TOKEN, or give --all")
    accounts = _accounts(app)
    try:
        if revoke_all:
            count = accounts.revoke_all_tokens(_user_name(app, user))
        else:
            accounts.revoke_token(_user_name(app, user), token or "")
            count = 1
    finally:
        accounts.close()
    click.echo(f"{count} token(s) revoked.", err=True)
