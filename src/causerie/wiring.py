"""What every surface needs, built lazily and once: settings, store, job queue, embedder,
ingestor, engine.

The CLI (`causerie.cli.app.App`) and the web server (`causerie.web.app.create_app`) both sit on
one `Services` object, so they wire the same components the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from causerie.config import Settings
    from causerie.embedders import Embedder
    from causerie.ingest.pipeline import Ingestor
    from causerie.jobs.base import JobQueue
    from causerie.jobs.spool import Spool
    from causerie.providers.base import Provider
    from causerie.session import Engine
    from causerie.store.base import Store
    from causerie.types import Document, Notebook, Owner, Source

log = logging.getLogger("causerie")


def _log_warning(message: str) -> None:
    log.warning(message)


class Services:
    """Lazy wiring. `settings=None` reads the settings file and environment on first use;
    `provider_factory` replaces the configured model (tests pass a FakeProvider); `warn`
    receives notes such as a missing embedder (the CLI prints them on stderr)."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        provider_factory: Callable[[], Provider] | None = None,
        warn: Callable[[str], None] = _log_warning,
    ) -> None:
        if settings is not None:
            self.__dict__["settings"] = settings  # fills the cached_property
        self._provider_factory = provider_factory
        self._warn = warn

    @cached_property
    def settings(self) -> Settings:
        from causerie.config import load_settings

        return load_settings()

    @cached_property
    def store(self) -> Store:
        from causerie.backends import open_store

        return open_store(self.settings)

    @cached_property
    def job_queue(self) -> JobQueue:
        """The durable job queue (causerie.jobs), in the database the settings name."""
        from causerie.backends import open_job_queue

        return open_job_queue(self.settings)

    @cached_property
    def spool(self) -> Spool:
        from causerie.backends import open_spool

        return open_spool(self.settings)

    @cached_property
    def embedder(self) -> Embedder | None:
        from causerie.embedders import make_embedder
        from causerie.errors import EmbedderError

        try:
            return make_embedder(self.settings)
        except EmbedderError as exc:  # search still works, lexically
            self._warn(f"warning: {exc}; search is lexical only")
            return None

    @cached_property
    def ingestor(self) -> Ingestor:
        from causerie.ingest.limits import MIB, Limits
        from causerie.ingest.pipeline import Ingestor

        settings = self.settings
        limits = Limits(
            max_bytes=settings.max_source_mb * MIB,
            max_media_bytes=settings.max_media_mb * MIB,
            max_media_s=settings.max_media_minutes * 60.0,
            speech_model=settings.speech_model,
            speech_home=str(settings.home),
            speech_languages=tuple(settings.languages),
        )
        return Ingestor(
            self.store, self.embedder, settings.chunk_tokens, limits, on_stored=self._source_stored
        )

    def _source_stored(
        self, owner: Owner, notebook: Notebook, source: Source, document: Document
    ) -> None:
        """Hand a stored source to the assistants' `on_source` hooks; one that fails is
        logged and reported as a warning, the source stays stored."""
        from causerie.assistants.registry import default_registry

        for hook in default_registry().source_hooks():
            try:
                hook(self, owner, notebook, source, document)
            except Exception as exc:
                log.exception("on_source hook %r failed for %s", hook, source.uri)
                self._warn(f"warning: {source.uri}: {type(exc).__name__}: {exc}")

    def make_provider(self) -> Provider:
        if self._provider_factory is not None:
            return self._provider_factory()
        from causerie.providers import make_provider

        return make_provider(self.settings)

    @cached_property
    def engine(self) -> Engine:
        from causerie.session import Engine

        return Engine(self.store, self.make_provider, self.embedder, self.settings)

    def warm(self) -> None:
        """Build everything but the model now (a server does, before threads share it)."""
        _ = self.settings, self.store, self.embedder, self.ingestor, self.engine

    def close(self) -> None:
        if "job_queue" in self.__dict__:
            self.job_queue.close()
        if "store" in self.__dict__:
            self.store.close()
