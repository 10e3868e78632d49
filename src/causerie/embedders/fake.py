"""A deterministic embedder for tests: hashed bag of stemmed terms (no model, no semantics
beyond shared words). It exercises the dense path; it is not a language model stand-in."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

from causerie import textproc
from causerie.embedders.base import EmbedKind, normalise


class HashingEmbedder:
    name = "hashing-256"
    dim = 256

    def embed(self, texts: Sequence[str], kind: EmbedKind) -> np.ndarray:
        matrix = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for term in textproc.query_terms(text):
                matrix[row, zlib.crc32(term.encode()) % self.dim] += 1.0
        return normalise(matrix) if len(texts) else matrix
