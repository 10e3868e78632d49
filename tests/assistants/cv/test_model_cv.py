"""The real embedded model (Qwen2.5-0.5B through llama.cpp) tailors a CV and writes a letter.

Small-model wording varies: the test asserts what code guarantees by construction, whatever
the model writes: nothing the CV lacks reaches the output (the tempting skills of the posting,
a team, a title), every figure and date of the CV is still there, every accepted rewording and
every letter paragraph cites its CV line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from causerie.assistants.cv.letter import letter
from causerie.assistants.cv.reading import read_cv, read_posting
from causerie.assistants.cv.score import match
from causerie.assistants.cv.tailor import tailor
from causerie.grounding import numbers_in
from causerie.providers.llamacpp import LlamaCppProvider

pytestmark = pytest.mark.model


def test_the_embedded_model_tailors_and_writes_without_inventing(
    cv_file: str, job_file: str, default_model: Path
) -> None:
    report = match(read_cv(cv_file), read_posting(job_file), as_of=(2026, 12))
    provider = LlamaCppProvider(default_model, n_ctx=2048)
    tailored = tailor(report, provider, max_rewrites=3)
    written = letter(report, provider)
    cited = {c["paragraph"] for c in written.citations}
    body = "\n\n".join(p for i, p in enumerate(written.text.split("\n\n"), 1) if i in cited)
    for output in (tailored.markdown, body):
        for invented in ("Kubernetes", "Spark", "team of", "Senior", "PhD"):
            assert invented.lower() not in output.lower(), (invented, output)
    assert numbers_in(report.cv.text) <= numbers_in(tailored.markdown)
    assert all(change.citations for change in tailored.changes)
    assert len(cited) == 3 and all(c["text"] for c in written.citations)
