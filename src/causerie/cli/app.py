"""What every command needs, built lazily: settings, store, embedder, provider, engines."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import click

from causerie.types import LOCAL_OWNER, Notebook, Owner

if TYPE_CHECKING:
    from causerie.config import Settings
    from causerie.embedders import Embedder
    from causerie.ingest.pipeline import Ingestor
    from causerie.providers.base import Provider
    from causerie.session import Engine
    from causerie.store.sqlite import SQLiteStore


class App:
    def __init__(self, user: str | None = None, debug: bool = False) -> None:
        self.owner = Owner(user) if user else LOCAL_OWNER
        self.debug = debug

    @cached_property
    def settings(self) -> Settings:
        from causerie.config import load_settings

        return load_settings()

    @cached_property
    def store(self) -> SQLiteStore:
        from causerie.store.sqlite import SQLiteStore

        return SQLiteStore(self.settings.database_path)

    @cached_property
    def embedder(self) -> Embedder | None:
        from causerie.embedders import make_embedder
        from causerie.errors import EmbedderError

        try:
            return make_embedder(self.settings)
        except EmbedderError as exc:  # search still works, lexically
            click.echo(f"warning: {exc}; search is lexical only", err=True)
            return None

    @cached_property
    def ingestor(self) -> Ingestor:
        from causerie.ingest.limits import MIB, Limits
        from causerie.ingest.pipeline import Ingestor

        limits = Limits(max_bytes=self.settings.max_source_mb * MIB)
        return Ingestor(self.store, self.embedder, self.settings.chunk_tokens, limits)

    def make_provider(self) -> Provider:
        from causerie.providers import make_provider

        return make_provider(self.settings)

    @cached_property
    def engine(self) -> Engine:
        from causerie.session import Engine

        return Engine(self.store, self.make_provider, self.embedder, self.settings)

    def notebook(self, name: str, create: bool = False) -> Notebook:
        from causerie.errors import NotFound

        if create:
            return self.store.ensure_notebook(self.owner, name)
        found = self.store.get_notebook(self.owner, name)
        if found is None:
            raise NotFound(f"notebook '{name}' does not exist (`causerie notebooks` lists them)")
        return found

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()


def notebook_option(function):  # type: ignore[no-untyped-def]
    return click.option(
        "--notebook", "-n", default="default", show_default=True, help="Notebook name."
    )(function)
