"""Causerie as the benchmark drives it: passages written as .txt files, added with the
Ingestor (load -> chunk -> language -> lexical index -> SQLiteStore), vectors by
`embed_pending`; searched with Retriever.search (lexical / hybrid) or store.vector_search
(dense only)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from causerie.ingest.pipeline import Ingestor
from causerie.retrieval import Retriever
from causerie.store.sqlite import SQLiteStore
from causerie.types import Notebook, Owner

OWNER = Owner("bench")
CHUNK_TOKENS = 220  # Settings.chunk_tokens


def write_passages(folder: Path, passages: dict[str, str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for pid, text in passages.items():
        path = folder / f"{pid}.txt"
        path.write_text(text + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def pid_of(uri: str) -> str:
    return Path(uri).stem


class CauserieIndex:
    """One SQLiteStore notebook holding the passages (one source per passage)."""

    def __init__(self, folder: Path, embedder: Any | None) -> None:
        self.folder = folder
        self.embedder = embedder
        self.store = SQLiteStore(folder / "bench.sqlite3")
        self.notebook: Notebook = self.store.ensure_notebook(OWNER, "bench")
        self.ingestor = Ingestor(self.store, embedder, chunk_tokens=CHUNK_TOKENS)

    def ingest(self, paths: Sequence[Path], batch_size: int | None = None) -> tuple[int, int]:
        """Add the files and embed their chunks (in embed_pending's default batch size unless
        given); returns (documents, chunks)."""
        outcomes = self.ingestor.add_many(OWNER, self.notebook, [str(p) for p in paths])
        failed = [o for o in outcomes if o.status == "error"]
        if failed:
            raise RuntimeError(f"{len(failed)} passages failed to ingest: {failed[0].error}")
        if batch_size is None:
            self.ingestor.embed_pending(OWNER, self.notebook)
        else:
            self.ingestor.embed_pending(OWNER, self.notebook, batch_size=batch_size)
        return len(outcomes), self.store.count_chunks(OWNER, self.notebook.id)

    def close(self) -> None:
        self.store.close()


class CauserieSystem:
    """A retrieval view over a CauserieIndex: lexical, dense or hybrid."""

    def __init__(self, index: CauserieIndex, side: str) -> None:
        self.index = index
        self.side = side
        self.name = f"causerie-{side}"
        embedder = index.embedder if side == "hybrid" else None
        self.retriever = Retriever(index.store, embedder)

    def build(self, passages: dict[str, str]) -> None:  # built once, shared by the views
        pass

    def search(self, query: str, k: int) -> list[str]:
        store, notebook_id = self.index.store, self.index.notebook.id
        if self.side == "dense":
            vector = self.index.embedder.embed([query], kind="query")[0]
            scored = store.vector_search(OWNER, notebook_id, self.index.embedder.name, vector, k)
            hits = store.get_hits(OWNER, notebook_id, [s.chunk_id for s in scored])
        else:
            hits = self.retriever.search(OWNER, notebook_id, query, k).hits
        return list(dict.fromkeys(pid_of(h.source.uri) for h in hits))[:k]
