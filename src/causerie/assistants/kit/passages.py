"""Passage pools: the passages an assistant draws from, and how it hands one to a model.

    pool = notebook_passages(store, owner, notebook, source="notes.md")  # or the whole notebook
    count, notes = plan_count(10, pool, noun="card")   # capped to what the pool holds, with why
    for hit in pool.passages[:count]:                  # spread over sources and their length
        prompt = f"{fenced(hit)}\n\nWrite one flashcard about this passage."
        cited = Citation.from_hit(hit)                 # what the item keeps

A pool holds the usable passages (enough content words to say something about) of a notebook
or of one of its sources, read through the Store protocol, so with any backend and always for
one owner. `hit_from_citation` turns a stored passage copy back into a Hit, so the engine's
`answer_over` can answer from it after its source is gone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from causerie import textproc
from causerie.errors import InputError
from causerie.grounding import ContextSource, render_sources
from causerie.store.base import Store
from causerie.types import Chunk, Citation, Hit, Notebook, Owner, Source

MIN_CONTENT_WORDS = 4  # fewer than this: nothing to ask about (a title, a date line)
MAX_DRAWN = 50  # items drawn at a time: each is one model call or more


@dataclass(frozen=True, slots=True)
class Pool:
    """What a task can draw from: the usable passages in draw order, and what was left out."""

    passages: list[Hit]
    total: int  # passages in scope (notebook or source), usable or not
    scope: str  # "notebook 'x'" or "source 'y'", for messages


@dataclass(frozen=True, slots=True)
class Skipped:
    """A passage nothing acceptable came from, and why (the rejections, last one last)."""

    source: str
    where: str
    reasons: tuple[str, ...]

    @classmethod
    def of(cls, hit: Hit, reasons: Sequence[str]) -> Skipped:
        return cls(hit.source.uri, hit.chunk.locator.label(), tuple(reasons))


def notebook_passages(
    store: Store, owner: Owner, notebook: Notebook, source: str | None = None
) -> Pool:
    """The notebook's passages (only `source`'s when given: its uri, file name or title)."""
    chunks = store.list_chunks(owner, notebook.id)
    hits = store.get_hits(owner, notebook.id, [c.id for c in chunks])
    scope = f"notebook '{notebook.name}'"
    if source is not None:
        wanted = _match_source(store, owner, notebook, source)
        hits = [h for h in hits if h.source.id == wanted]
        scope = f"source '{source}'"
    usable = [h for h in hits if is_usable(h)]
    return Pool(passages=spread(usable), total=len(hits), scope=scope)


def _match_source(store: Store, owner: Owner, notebook: Notebook, name: str) -> str:
    return source_named(store, owner, notebook, name).id


def source_named(
    store: Store, owner: Owner, notebook: Notebook, name: str, option: str = "--source"
) -> Source:
    """The notebook's source whose uri, file name or title is `name`; InputError naming
    `option` and listing the sources otherwise."""
    sources = store.list_sources(owner, notebook.id)
    for source in sources:
        if name in (source.uri, source.title, source.uri.rsplit("/", 1)[-1]):
            return source
    listed = ", ".join(s.uri.rsplit("/", 1)[-1] for s in sources) or "none"
    raise InputError(option, f"no source '{name}' in notebook '{notebook.name}' ({listed})")


def is_usable(hit: Hit) -> bool:
    """Whether a passage has enough content words to draw something from."""
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


def plan_count(
    requested: int, pool: Pool, noun: str, most: int = MAX_DRAWN
) -> tuple[int, list[str]]:
    """How many items (one per passage) to draw from the pool, and what to tell the user
    about the cap. InputError for a count below 1 or a pool nothing can be drawn from."""
    if requested < 1:
        raise InputError("--count", f"must be at least 1 (got {requested})")
    if pool.total == 0:
        raise InputError(pool.scope, "has no passages yet: add sources with `causerie add`")
    usable = len(pool.passages)
    if usable == 0:
        raise InputError(
            pool.scope,
            f"has {_count(pool.total, 'passage')}, too short to draw a {noun} from "
            f"(a passage needs at least {MIN_CONTENT_WORDS} content words)",
        )
    notes: list[str] = []
    count = requested
    if count > most:
        notes.append(f"at most {most} {noun}s at a time: making {most}")
        count = most
    if count > usable:
        notes.append(
            f"the {pool.scope} has {_count(usable, 'usable passage')}: at most "
            f"{_count(usable, noun)} can be drawn from it (one per passage); making {usable}"
        )
        count = usable
    return count, notes


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def fenced(hit: Hit) -> str:
    """One passage as the model sees a source: fenced data, numbered 1, with its file and
    place; an instruction written inside it stays data."""
    return render_sources([ContextSource(1, hit)])


def hit_from_citation(cited: Citation, language: str) -> Hit:
    """A Hit standing for a stored passage copy (a quiz item's, a card's), so that the
    engine's checks can run on it even after its source was re-added or removed."""
    chunk = Chunk(cited.chunk_id, 0, cited.text, cited.locator, len(cited.text.split()))
    source = Source("", "", cited.source, cited.source, "", language, "", 1, 0.0)
    return Hit(chunk=chunk, source=source)
