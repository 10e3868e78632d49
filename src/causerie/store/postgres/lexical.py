"""Lexical search on PostgreSQL: BM25 as SQLite's FTS5 computes it, over a GIN full-text index.

FTS5's formula and constants (sqlite/ext/fts5/fts5_aux.c): k1 = 1.2, b = 0.75, per phrase
idf = ln((N - n + 0.5) / (n + 0.5)), at least 1e-6; a row's length counts its index terms plus
the one token of its notebook id column (FTS5 counts every column). N, n and the average length
cover every notebook, as the shared FTS5 index does: N and the lengths from the notebooks'
counts (kept by the store), n by the GIN index. The same plan as SQLite's (LexicalPlan) chooses
which chunks are ranked: the rarest phrases within `budget` matches must match, the commoner
ones only add to the score; a query of common phrases only asks for chunks holding all of them,
then the rarest and another, then the rarest. Scores stay exact BM25 over all the phrases.

A phrase's frequency in a chunk comes from ts_rank, computed in C: for one lexeme with every
weight 1, ts_rank = H(tf) / zeta(2) where H(tf) = sum of 1/k^2 for k <= tf, which inverts
exactly (tf = round(1 / (zeta(2) - H) - 1/2)), up to the 255 positions a tsvector keeps per
lexeme. A phrase of several words counts 1 where it matches. Phrases go through
phraseto_tsquery as parameters: words only, never query syntax.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from causerie.store.base import ScoredId

ZETA2 = 1.64493406685  # pi^2 / 6, the limit ts_rank divides by
K1, B = 1.2, 0.75


def plan(counts: Sequence[int], budget: int, name: str = "q") -> list[str]:
    """The tsquery expressions (over the phrases' queries, named q0, q1, ...) tried in turn, as
    LexicalPlan's: `counts` are each phrase's matches over the whole index."""

    def _any_of(indexes: Sequence[int]) -> str:
        return "(" + " || ".join(f"{name}{i}" for i in indexes) + ")"

    capped = [min(count, budget + 1) for count in counts]
    ordered = sorted((i for i, c in enumerate(capped) if c > 0), key=capped.__getitem__)
    rare: list[int] = []
    spent = 0
    for index in ordered:
        if spent + capped[index] > budget:
            break
        rare.append(index)
        spent += capped[index]
    common = ordered[len(rare) :]
    if rare:
        return [_any_of(rare)]
    if len(common) <= 1:
        return [_any_of(common)] if common else []
    rarest, others = common[0], common[1:]
    return [
        "(" + " && ".join(f"{name}{i}" for i in common) + ")",
        f"({name}{rarest} && {_any_of(others)})",
        f"{name}{rarest}",
    ]


def search(
    conn: Any, owner_id: str, notebook_id: str, phrases: Sequence[str], limit: int, budget: int
) -> list[ScoredId]:
    """The notebook's best chunks for the phrases (BM25, higher is better). The caller checks
    the notebook is the owner's, in the same transaction."""
    queries = ", ".join(f"phraseto_tsquery('simple', %s) AS q{i}" for i in range(len(phrases)))
    found = conn.execute(
        f"SELECT * FROM (SELECT {queries}) q CROSS JOIN LATERAL (SELECT "
        + ", ".join(
            f"(SELECT count(*) FROM chunks WHERE tsv @@ q{i}) AS n{i}, numnode(q{i}) AS w{i}"
            for i in range(len(phrases))
        )
        + ") counts",
        phrases,
    ).fetchone()
    stats = conn.execute(
        "SELECT coalesce(sum(chunk_total), 0)::float8 AS n,"
        " coalesce(sum(chunk_total + token_total), 0)::float8 AS tokens FROM notebooks"
    ).fetchone()
    total = max(stats["n"], 1.0)
    avgdl = max(stats["tokens"] / total, 1.0)
    counts = [int(found[f"n{i}"]) for i in range(len(phrases))]
    # one ts_rank (or one match test) per phrase and chunk: each reads the chunk's tsvector
    freqs, terms = [], []
    for i, count in enumerate(counts):
        if count == 0:
            continue
        idf = max(math.log((total - count + 0.5) / (count + 0.5)), 1e-6)
        if found[f"w{i}"] == 1:  # one lexeme: its frequency from ts_rank (0 where absent)
            freqs.append(
                f"round(1 / ({ZETA2} - ts_rank('{{1,1,1,1}}', c.tsv, q.q{i}, 0) * {ZETA2}) - 0.5)"
                f" AS f{i}"
            )
        else:
            freqs.append(f"(c.tsv @@ q.q{i})::int AS f{i}")
        terms.append(f"{idf!r} * f.f{i} * {K1 + 1} / (f.f{i} + {K1} * f.norm)")
    norm = f"({1 - B} + {B} * (c.token_len + 1) / {avgdl!r}) AS norm"
    rows: list[Any] = []
    for expression in plan(counts, budget, "q.q"):
        rows = conn.execute(
            f"SELECT c.id, ({' + '.join(terms)}) AS score"
            f" FROM chunks c, (SELECT {queries}) q,"
            f" LATERAL (SELECT {', '.join(freqs)}, {norm} OFFSET 0) f"  # computed once
            f" WHERE c.owner = %s AND c.notebook_id = %s"
            f" AND c.tsv @@ {expression}"
            " ORDER BY score DESC, c.pk LIMIT %s",
            (*phrases, owner_id, notebook_id, limit),
        ).fetchall()
        if len(rows) >= limit:
            break
    return [ScoredId(row["id"], float(row["score"])) for row in rows]
