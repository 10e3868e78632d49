"""Hybrid retrieval: lexical (BM25 over stemmed terms) + dense (cosine), fused by reciprocal
rank fusion. Lexical alone still works when no embedder is installed, or while a notebook's
vectors are still being computed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Literal

from causerie import textproc
from causerie.embedders.base import Embedder
from causerie.store.base import ScoredId, Store
from causerie.types import Hit, Owner

RetrievalMode = Literal["hybrid", "lexical"]

RRF_K = 60  # the constant from Cormack et al. (2009); robust across collections


@dataclass(frozen=True, slots=True)
class Retrieval:
    query: str
    hits: list[Hit]
    mode: RetrievalMode
    vectors_ready: float = 1.0  # share of the notebook's chunks that have a vector
    timings_ms: dict[str, float] = field(default_factory=dict)


def reciprocal_rank_fusion(rankings: Sequence[Sequence[ScoredId]], k: int = RRF_K) -> list[str]:
    """Chunk ids ordered by the sum over rankings of 1 / (k + rank)."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            fused[item.chunk_id] = fused.get(item.chunk_id, 0.0) + 1.0 / (k + rank)
    return sorted(fused, key=fused.__getitem__, reverse=True)


class Retriever:
    def __init__(self, store: Store, embedder: Embedder | None, candidates: int = 30) -> None:
        self.store = store
        self.embedder = embedder
        self.candidates = candidates

    def search(self, owner: Owner, notebook_id: str, query: str, limit: int) -> Retrieval:
        timings: dict[str, float] = {}
        started = time.perf_counter()
        lexical = self.store.lexical_search(
            owner, notebook_id, textproc.query_terms(query), self.candidates
        )
        timings["lexical_ms"] = (time.perf_counter() - started) * 1000

        dense: list[ScoredId] = []
        vectors_ready = 0.0
        if self.embedder is not None:
            total = self.store.count_chunks(owner, notebook_id)
            with_vectors = self.store.count_vectors(owner, notebook_id, self.embedder.name)
            vectors_ready = with_vectors / total if total else 1.0
            if with_vectors:
                started = time.perf_counter()
                vector = self.embedder.embed([query], kind="query")[0]
                timings["embed_ms"] = (time.perf_counter() - started) * 1000
                started = time.perf_counter()
                dense = self.store.vector_search(
                    owner, notebook_id, self.embedder.name, vector, self.candidates
                )
                timings["dense_ms"] = (time.perf_counter() - started) * 1000

        order = reciprocal_rank_fusion([lexical, dense] if dense else [lexical])[:limit]
        lexical_scores = {s.chunk_id: s.score for s in lexical}
        dense_scores = {s.chunk_id: s.score for s in dense}
        fused_rank = {chunk_id: rank for rank, chunk_id in enumerate(order)}
        hits = [
            replace(
                hit,
                score=1.0 / (1 + fused_rank[hit.chunk.id]),
                lexical_score=lexical_scores.get(hit.chunk.id),
                dense_score=dense_scores.get(hit.chunk.id),
            )
            for hit in self.store.get_hits(owner, notebook_id, order)
        ]
        return Retrieval(
            query=query,
            hits=hits,
            mode="hybrid" if dense else "lexical",
            vectors_ready=vectors_ready,
            timings_ms=timings,
        )


# ----------------------------------------------------------------------- follow-up questions

_FOLLOW_UP_OPENERS = (
    ("and",), ("also",), ("what", "about"), ("how", "about"), ("same",), ("then",), ("but",),
    ("et",), ("aussi",), ("mais",), ("alors",), ("pareil",), ("quid",),
)  # fmt: skip
# Pronouns that point back to something named earlier. Not "il", "y", "en" (impersonal and
# adverbial in most French questions: "Y a-t-il un parking ?", "Faut-il ...", "en hiver"),
# nor "there" ("Is there a ..."): see bench/answerset/followups.toml.
_ANAPHORA = frozenset(
    "it its they them their this that these those he she him her "
    "elle elles ils lui leur leurs ça cela ceci celui celle ceux celles son sa ses".split()
)
# A French object pronoun right after a subject pronoun refers back: "peut-on les garder ?",
# "on y mange ?", "je l'emprunte".
_FRENCH_SUBJECTS = frozenset("on je j tu nous vous".split())
_FRENCH_OBJECTS = frozenset("les la le l lui leur y en".split())
# A question naming this many content words of its own carries its subject, pronoun or not.
_OWN_SUBJECT_WORDS = 4


def is_follow_up(question: str) -> bool:
    """A question that leans on the previous turn: short, opens with a connective, or refers
    back with a pronoun while naming little itself ('and on Sundays?', 'et le dimanche ?',
    'how long does it take?', 'peut-on les garder ?')."""
    tokens = textproc.words(question)
    if any(tuple(tokens[: len(opener)]) == opener for opener in _FOLLOW_UP_OPENERS):
        return True
    own_words = len(textproc.content_words(question))
    if own_words <= 2:
        return True
    if any(a in _FRENCH_SUBJECTS and b in _FRENCH_OBJECTS for a, b in pairwise(tokens)):
        return True
    return own_words < _OWN_SUBJECT_WORDS and bool(_ANAPHORA & set(tokens))


def contextualise(question: str, previous_questions: Sequence[str]) -> str:
    """The retrieval query for a chat turn: a follow-up is rewritten to carry the previous
    question's subject ('opening hours' + 'and on Sundays?'); a standalone question is kept."""
    if not previous_questions or not is_follow_up(question):
        return question
    return f"{previous_questions[-1]} {question}"
