"""The real embedded model (Qwen2.5-0.5B through llama.cpp) writes two quiz items.

Small-model wording varies: the test asserts what the generator guarantees by construction
(two items, each citing a stored passage that states its answer, distinct choices) and that
the grammar-constrained JSON parsed, not the wording.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from causerie.assistants.kit.passages import notebook_passages
from causerie.assistants.kit.support import answer_support
from causerie.assistants.study.quiz import QuizMaker
from causerie.ingest.pipeline import Ingestor
from causerie.providers.llamacpp import LlamaCppProvider
from causerie.store.sqlite import SQLiteStore
from causerie.types import Notebook, Owner

pytestmark = pytest.mark.model


def test_the_embedded_model_writes_two_supported_quiz_items(
    db: SQLiteStore, owner: Owner, sources: list[Path], default_model: Path
) -> None:
    book: Notebook = db.ensure_notebook(owner, "model-quiz")
    Ingestor(db, None).add_many(owner, book, [str(sources[0])])  # English cell biology notes
    pool = notebook_passages(db, owner, book)
    provider = LlamaCppProvider(default_model, n_ctx=2048)
    result = QuizMaker(provider).make(pool, 2, kind="mixed")
    assert len(result.items) == 2, result.skipped
    mcq, short = result.items
    assert mcq.kind == "mcq" and short.kind == "short"
    assert len(set(mcq.choices)) == 4 and mcq.choices[mcq.answer_index] == mcq.answer
    for item in result.items:
        assert item.question.strip() and item.language == "en"
        [hit] = db.get_hits(owner, book.id, [item.citation.chunk_id])
        assert hit.chunk.text == item.citation.text
        assert answer_support(item.answer, item.citation.text).supported
