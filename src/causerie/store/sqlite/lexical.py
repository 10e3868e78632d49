"""Lexical search over the FTS5 index: quoting terms, planning the query, running it.

The FTS5 index is shared by every notebook of every owner, so bm25's statistics (and the term
counts LexicalPlan reads) cover all of them; the rows a search returns are always filtered by
owner and notebook, so only those numbers cross owners, never a row or an id.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from causerie.store.base import ScoredId


def fts_phrase(text: str) -> str:
    """Text as one FTS5 phrase: double-quoted, inner quotes doubled, so it is never syntax."""
    return '"' + text.replace("\x00", " ").replace('"', '""') + '"'


def query_phrases(terms: Sequence[str]) -> list[str]:
    """The distinct non-blank terms as quoted FTS5 phrases ('NEAR', 'a*', '-x' stay plain text)."""
    if isinstance(terms, str):
        raise TypeError("terms must be a sequence of strings, not one string")
    phrases: dict[str, None] = {}
    for term in terms:
        if not isinstance(term, str):
            raise TypeError(f"search terms must be strings, not {type(term).__name__}")
        if term.replace("\x00", " ").strip():
            phrases[fts_phrase(term.replace("\x00", " ").strip())] = None
    return list(phrases)


@dataclass(frozen=True, slots=True)
class LexicalPlan:
    """The FTS5 expressions a lexical search tries in turn, until one finds `limit` chunks.

    Every chunk found is ranked by FTS5's bm25 over *all* the query's terms, so scores are
    exact; what the plan chooses is which chunks are ranked. Ranking costs a few microseconds
    per chunk, so matching every chunk that holds a frequent term would make a search slow
    while adding little. As in Lucene's CommonTermsQuery, the rarest terms (up to `budget`
    matching chunks, counted over the whole index) must match, and the other, *common* terms
    only add to the score of those chunks. A query of common terms only asks for chunks
    holding all of them; if too few do, for chunks holding the rarest and another one; then
    for chunks holding the rarest.

    Expressions are not restricted to a notebook unless they need to be: the caller filters
    the rows by notebook and owner.
    """

    expressions: tuple[str, ...]

    @classmethod
    def build(cls, notebook_id: str, counts: dict[str, int], budget: int) -> LexicalPlan:
        """counts: the number of indexed chunks each quoted phrase matches (0: dropped)."""
        scope = f"notebook_id : {fts_phrase(notebook_id)}"
        ordered = sorted((p for p in counts if counts[p] > 0), key=counts.__getitem__)
        rare: list[str] = []
        spent = 0
        for phrase in ordered:
            if spent + counts[phrase] > budget:
                break
            rare.append(phrase)
            spent += counts[phrase]
        common = ordered[len(rare) :]
        if not common:
            return cls((_any_of(rare),) if rare else ())
        if rare:
            return cls((_with_optional(rare, common, scope),))
        if len(common) == 1:
            return cls((_any_of(common),))
        rarest, others = common[:1], common[1:]
        return cls(
            (
                " AND ".join(_any_of([p]) for p in common),
                f"{_any_of(rarest)} AND {_any_of(others)}",
                _with_optional(rarest, others, scope),
            )
        )


def _any_of(phrases: Sequence[str]) -> str:
    return f"index_text : ({' OR '.join(phrases)})"


def _with_optional(required: Sequence[str], optional: Sequence[str], scope: str) -> str:
    """Chunks holding a required phrase, scored with the optional ones too.

    The scope phrase matches every chunk of the notebook, so `(optional OR scope)` holds for
    all of them; it sits on the notebook_id column, whose bm25 weight is 0.
    """
    return f"{_any_of(required)} AND ({_any_of(optional)} OR {scope})"


def count_matches(conn: sqlite3.Connection, expression: str, up_to: int) -> int:
    """How many rows match an FTS5 expression, counting no further than `up_to` (cheap)."""
    row = conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?)",
        (expression, up_to),
    ).fetchone()
    return int(row[0])


def search(
    conn: sqlite3.Connection,
    owner_id: str,
    notebook_id: str,
    phrases: Sequence[str],
    limit: int,
    budget: int,
) -> list[ScoredId]:
    """The notebook's best chunks for the quoted phrases; score = -bm25 (higher is better).

    Runs the plan's expressions in turn until one finds `limit` chunks (or the last one has
    run). The caller checks the notebook is the owner's, in the same read transaction.
    """
    counts = {p: count_matches(conn, f"index_text : {p}", budget + 1) for p in phrases}
    rows: list[sqlite3.Row] = []
    for expression in LexicalPlan.build(notebook_id, counts, budget).expressions:
        rows = conn.execute(
            "SELECT c.id, bm25(chunks_fts, 0.0, 1.0) AS score"
            " FROM chunks_fts CROSS JOIN chunks AS c ON c.rowid = chunks_fts.rowid"
            " WHERE chunks_fts MATCH ? AND c.owner = ? AND c.notebook_id = ?"
            " ORDER BY score LIMIT ?",
            (expression, owner_id, notebook_id, limit),
        ).fetchall()
        if len(rows) >= limit:
            break
    return [ScoredId(row[0], -float(row[1])) for row in rows]
