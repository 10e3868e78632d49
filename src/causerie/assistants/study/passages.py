"""The passages a study task draws from: all of a notebook's (or one source's), the ones long
enough to ask about, in an order that spreads over sources and over each source's length."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from causerie import textproc
from causerie.errors import InputError
from causerie.store.base import Store
from causerie.types import Citation, Hit, Notebook, Owner

# The Store protocol lists chunks through `chunks_without_vectors`; no vector is ever stored
# under this model name, so it lists every chunk of the notebook, in stored order, through
# the protocol (and so with any backend).
ALL_PASSAGES = "causerie.study/all-passages"

MIN_CONTENT_WORDS = 4  # fewer than this: nothing to ask about (a title, a date line)


@dataclass(frozen=True, slots=True)
class Pool:
    """What a task can draw from: the usable passages in draw order, and what was left out."""

    passages: list[Hit]
    total: int  # passages in scope (notebook or source), usable or not
    scope: str  # "notebook 'x'" or "source 'y'", for messages


def notebook_passages(
    store: Store, owner: Owner, notebook: Notebook, source: str | None = None
) -> Pool:
    """The notebook's passages (only `source`'s when given: its uri, file name or title)."""
    total = store.count_chunks(owner, notebook.id)
    chunks = store.chunks_without_vectors(owner, notebook.id, ALL_PASSAGES, total) if total else []
    hits = store.get_hits(owner, notebook.id, [c.id for c in chunks])
    scope = f"notebook '{notebook.name}'"
    if source is not None:
        wanted = _match_source(store, owner, notebook, source)
        hits = [h for h in hits if h.source.id == wanted]
        scope = f"source '{source}'"
    usable = [h for h in hits if is_usable(h)]
    return Pool(passages=spread(usable), total=len(hits), scope=scope)


def _match_source(store: Store, owner: Owner, notebook: Notebook, name: str) -> str:
    sources = store.list_sources(owner, notebook.id)
    for source in sources:
        if name in (source.uri, source.title, source.uri.rsplit("/", 1)[-1]):
            return source.id
    listed = ", ".join(s.uri.rsplit("/", 1)[-1] for s in sources) or "none"
    raise InputError("--source", f"no source '{name}' in notebook '{notebook.name}' ({listed})")


def is_usable(hit: Hit) -> bool:
    return len(textproc.content_words(hit.chunk.text)) >= MIN_CONTENT_WORDS


def spread_order(n: int) -> list[int]:
    """0..n-1 ordered so that every prefix is spread over the range (van der Corput):
    for 8 items, 0 4 2 6 1 5 3 7."""
    order: list[int] = []
    seen: set[int] = set()
    j = 0
    while len(order) < n:
        value, denominator, k = 0.0, 1.0, j
        while k:
            denominator *= 2
            k, bit = divmod(k, 2)
            value += bit / denominator
        index = int(value * n)
        if index not in seen:
            seen.add(index)
            order.append(index)
        j += 1
    return order


def spread(hits: Sequence[Hit]) -> list[Hit]:
    """Round-robin over sources (in stored order), each source's passages in spread order."""
    by_source: dict[str, list[Hit]] = {}
    for hit in hits:
        by_source.setdefault(hit.source.id, []).append(hit)
    queues = [[group[i] for i in spread_order(len(group))] for group in by_source.values()]
    ordered: list[Hit] = []
    for rank in range(max((len(q) for q in queues), default=0)):
        ordered.extend(q[rank] for q in queues if rank < len(q))
    return ordered


def citation(hit: Hit, marker: int = 1) -> Citation:
    return Citation(
        marker=marker,
        source=hit.source.uri,
        locator=hit.chunk.locator,
        chunk_id=hit.chunk.id,
        text=hit.chunk.text,
    )
