"""The Embedder seam: `embed(texts, kind) -> float32 matrix`, rows L2-normalised."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol, runtime_checkable

import numpy as np

EmbedKind = Literal["query", "passage"]


@runtime_checkable
class Embedder(Protocol):
    name: str  # stored with each vector; changing model means re-embedding
    dim: int

    def embed(self, texts: Sequence[str], kind: EmbedKind) -> np.ndarray: ...


def normalise(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    unit: np.ndarray = matrix / norms
    return unit
