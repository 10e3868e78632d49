"""Vectors: float32 blobs in the `vectors` table, searched as one in-memory matrix.

A notebook's vectors for one model are loaded into a matrix of unit rows, kept in a small LRU
cache keyed by the notebook's revision (which grows with every change to its chunks or
vectors), and searched by one matrix-vector product.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from causerie.store.base import ScoredId

VECTOR_DTYPE = np.dtype("<f4")  # float32, little-endian, as stored

CacheKey = tuple[str, str, str]  # owner id, notebook id, model


@dataclass(frozen=True, slots=True)
class Matrix:
    """A notebook's vectors for one model, as loaded at one revision (rows unit-length)."""

    revision: int
    chunk_ids: tuple[str, ...]
    matrix: np.ndarray


def unit_rows(vectors: np.ndarray, count: int) -> np.ndarray:
    """`count` vectors as float32 rows scaled to unit length (zero rows stay zero).

    ValueError unless there is one row per id and every value is finite.
    """
    matrix = np.asarray(vectors, dtype=VECTOR_DTYPE)
    if matrix.ndim != 2 or matrix.shape[0] != count:
        raise ValueError(f"need one row per chunk id: {count} ids, vectors of shape {matrix.shape}")
    if not np.isfinite(matrix).all():
        raise ValueError("vectors hold NaN or infinite values")
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.where(norms == 0.0, 1.0, norms)).astype(VECTOR_DTYPE)


def as_query(query: np.ndarray) -> np.ndarray:
    """The query as one float32 vector (a 1 x dim matrix is accepted); ValueError otherwise."""
    q = np.asarray(query, dtype=np.float32)
    if q.ndim == 2 and q.shape[0] == 1:
        q = q[0]
    if q.ndim != 1:
        raise ValueError(f"the query must be one vector, not shape {q.shape}")
    return q


def rank(loaded: Matrix, q: np.ndarray, limit: int, model: str) -> list[ScoredId]:
    """The `limit` rows most similar to the query (cosine), best first."""
    if q.shape[0] != loaded.matrix.shape[1]:
        raise ValueError(
            f"the query has {q.shape[0]} dimensions, model {model!r} stored "
            f"{loaded.matrix.shape[1]}"
        )
    norm = float(np.linalg.norm(q))
    if not np.isfinite(norm):
        raise ValueError("the query vector holds NaN or infinite values")
    if norm == 0.0:
        return []
    # numpy's own loop, not BLAS: a matrix-vector product is bound by memory bandwidth,
    # and BLAS threads contend with a threaded server's (measured 1.5-6x slower).
    scores = np.einsum("ij,j->i", loaded.matrix, q / norm)
    count = min(limit, scores.shape[0])
    if count < scores.shape[0]:
        top = np.argpartition(-scores, count - 1)[:count]
    else:
        top = np.arange(scores.shape[0])
    top = top[np.argsort(-scores[top], kind="stable")]
    return [ScoredId(loaded.chunk_ids[i], float(scores[i])) for i in top]


def load_matrix(
    conn: sqlite3.Connection, owner_id: str, notebook_id: str, model: str, revision: int
) -> Matrix:
    """A notebook's vectors for a model, streamed into one preallocated matrix."""
    where = "WHERE owner = ? AND notebook_id = ? AND model = ?"
    args = (owner_id, notebook_id, model)
    count, dim = conn.execute(f"SELECT count(*), max(dim) FROM vectors {where}", args).fetchone()
    if not count:
        return Matrix(revision, (), np.zeros((0, 0), dtype=VECTOR_DTYPE))
    matrix = np.empty((count, dim), dtype=VECTOR_DTYPE)
    flat = matrix.data.cast("B")
    width = dim * VECTOR_DTYPE.itemsize
    chunk_ids = []
    cursor = conn.execute(f"SELECT chunk_id, vector FROM vectors {where} ORDER BY rowid", args)
    for i, (chunk_id, blob) in enumerate(cursor):
        flat[i * width : (i + 1) * width] = blob
        chunk_ids.append(chunk_id)
    return Matrix(revision, tuple(chunk_ids), matrix)


class VectorCache:
    """The most recently used matrices, at most `size` of them.

    Not locked itself: the store calls it under its own lock.
    """

    def __init__(self, size: int) -> None:
        self._size = max(1, size)
        self._entries: OrderedDict[CacheKey, Matrix] = OrderedDict()

    def peek(self, key: CacheKey, revision: int) -> Matrix | None:
        """The matrix loaded at this revision, if cached (its place in the LRU unchanged)."""
        cached = self._entries.get(key)
        return cached if cached is not None and cached.revision == revision else None

    def get(self, key: CacheKey, revision: int) -> Matrix | None:
        """The matrix loaded at this revision, if cached (then marked most recently used)."""
        cached = self.peek(key, revision)
        if cached is not None:
            self._entries.move_to_end(key)
        return cached

    def put(self, key: CacheKey, loaded: Matrix) -> None:
        self._entries[key] = loaded
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def discard(self, key: CacheKey) -> None:
        self._entries.pop(key, None)

    def forget_notebook(self, owner_id: str, notebook_id: str) -> None:
        for key in [k for k in self._entries if k[:2] == (owner_id, notebook_id)]:
            del self._entries[key]

    def clear(self) -> None:
        self._entries.clear()
