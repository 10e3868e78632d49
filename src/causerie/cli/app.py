"""What every command needs: the shared wiring (causerie.wiring.Services) plus the owner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from causerie.types import LOCAL_OWNER, Notebook, Owner
from causerie.wiring import Services


def _echo_warning(message: str) -> None:
    click.echo(message, err=True)


class App(Services):
    def __init__(self, user: str | None = None, debug: bool = False) -> None:
        super().__init__(warn=_echo_warning)
        self.owner = Owner(user) if user else LOCAL_OWNER
        self.user_given = user is not None
        self.debug = debug

    def notebook(self, name: str, create: bool = False) -> Notebook:
        from causerie.errors import NotFound

        if create:
            return self.store.ensure_notebook(self.owner, name)
        found = self.store.get_notebook(self.owner, name)
        if found is None:
            raise NotFound(f"notebook '{name}' does not exist (`causerie notebooks` lists them)")
        return found


Command = TypeVar("Command", bound=Callable[..., Any])


def notebook_option(function: Command) -> Command:
    """The `--notebook / -n NAME` option (default: 'default')."""
    return click.option(
        "--notebook", "-n", default="default", show_default=True, help="Notebook name."
    )(function)
