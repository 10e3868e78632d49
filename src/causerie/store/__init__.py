"""Storage backends behind one Protocol."""

from causerie.store.base import NewSource, ScoredId, Store

__all__ = ["NewSource", "ScoredId", "Store"]
