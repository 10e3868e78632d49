"""A study guide for a notebook or one source: key concepts, a glossary and likely exam
questions, each entry cited.

One model call per passage (spread over the sources, `max_passages` at most) asks for the
passage's key concept with a one-sentence summary, up to two glossary terms and one exam
question, as JSON. Code keeps only what the passage supports: a summary or definition whose
words are not in the passage is replaced by the passage's own sentence (summary) or dropped
(definition); a term must occur in the passage; an exam question must be about the passage
(the engine's relevance measure). A passage whose reply is unusable gets its heading and
first sentence, so every passage drawn still appears, cited.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from causerie import grounding
from causerie.assistants.kit import support
from causerie.assistants.kit.language import prompt_name
from causerie.assistants.kit.passages import Pool, fenced, plan_count
from causerie.assistants.kit.structured import Rejected, generate, text_field
from causerie.assistants.study.quiz import SYSTEM
from causerie.embedders.base import Embedder
from causerie.providers.base import Provider
from causerie.types import Citation, Hit, Message

DEFAULT_PASSAGES = 6
MAX_TERMS = 2


@dataclass(frozen=True, slots=True)
class Entry:
    title: str  # concept, term, or question
    text: str  # summary, definition, or ""
    marker: int  # [n] into the guide's sources

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "text": self.text, "marker": self.marker}


@dataclass
class Guide:
    scope: str
    concepts: list[Entry] = field(default_factory=list)
    glossary: list[Entry] = field(default_factory=list)
    questions: list[Entry] = field(default_factory=list)
    sources: list[Citation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "concepts": [e.to_json() for e in self.concepts],
            "glossary": [e.to_json() for e in self.glossary],
            "exam_questions": [e.to_json() for e in self.questions],
            "sources": [c.to_json() for c in self.sources],
        }

    def to_markdown(self) -> str:
        lines = [f"# Study guide: {self.scope}", "", "## Key concepts", ""]
        lines += [f"- **{e.title}**: {e.text} [{e.marker}]" for e in self.concepts]
        if self.glossary:
            lines += ["", "## Glossary", ""]
            lines += [f"- **{e.title}**: {e.text} [{e.marker}]" for e in sorted(
                self.glossary, key=lambda e: e.title.lower())]  # fmt: skip
        if self.questions:
            lines += ["", "## Likely exam questions", ""]
            lines += [f"{i}. {e.title} [{e.marker}]" for i, e in enumerate(self.questions, 1)]
        lines += ["", "## Sources", ""]
        for cited in self.sources:
            lines.append(f"[{cited.marker}] {cited.source} ({cited.locator.label()})")
        return "\n".join(lines) + "\n"


GUIDE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "concept": {"type": "string"},
        "summary": {"type": "string"},
        "terms": {
            "type": "array",
            "maxItems": MAX_TERMS,
            "items": {
                "type": "object",
                "properties": {
                    "term": {"type": "string"},
                    "definition": {"type": "string"},
                },
                "required": ["term", "definition"],
            },
        },
        "exam_question": {"type": "string"},
    },
    "required": ["concept", "summary", "terms", "exam_question"],
}


def guide_messages(hit: Hit, language: str) -> list[Message]:
    user = (
        f"{fenced(hit)}\n\n"
        "Help a student revise this passage.\n"
        '- "concept": its key concept, in a few words.\n'
        '- "summary": one sentence that states the concept, using the words of the passage.\n'
        '- "terms": up to two technical terms used in the passage, each with its definition '
        "taken from the passage.\n"
        '- "exam_question": a question an exam could ask about this passage.\n'
        f"Write in {prompt_name(language)}."
    )
    return [Message("system", SYSTEM), Message("user", user)]


class _Draft:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data


def make_guide(
    provider: Provider,
    pool: Pool,
    *,
    max_passages: int = DEFAULT_PASSAGES,
    language: str | None = None,
    embedder: Embedder | None = None,
    on_passage: Callable[[], None] | None = None,
) -> Guide:
    started = time.perf_counter()
    count, notes = plan_count(max_passages, pool, noun="passage")
    guide = Guide(scope=pool.scope, notes=notes)
    for hit in pool.passages[:count]:
        marker = len(guide.sources) + 1
        guide.sources.append(Citation.from_hit(hit, marker))
        lang = language or hit.source.language
        outcome = generate(provider, guide_messages(hit, lang), GUIDE_SCHEMA, _Draft, attempts=1,
                           max_tokens=400)  # fmt: skip
        data = outcome.value.data if outcome.value else {}
        _add_entries(guide, hit, marker, data, cross=lang != hit.source.language, embedder=embedder)
        if on_passage:
            on_passage()
    guide.seconds = time.perf_counter() - started
    return guide


def _supported(text: str, passage: str, cross: bool, embedder: Embedder | None) -> bool:
    return support.answer_support(text, passage, embedder=embedder, cross_language=cross).supported


def _field(data: dict[str, Any], name: str) -> str:
    try:
        return text_field(data, name, 400)
    except Rejected:  # missing or empty
        return ""


def _add_entries(
    guide: Guide,
    hit: Hit,
    marker: int,
    data: dict[str, Any],
    cross: bool,
    embedder: Embedder | None,
) -> None:
    passage = hit.chunk.text
    heading = hit.chunk.locator.heading_path[-1] if hit.chunk.locator.heading_path else ""
    concept, summary = _field(data, "concept"), _field(data, "summary")
    if not concept or not _supported(concept, passage, cross, embedder):
        concept = heading or concept or support.sentences(passage)[0][:60]
    if not summary or not _supported(summary, passage, cross, embedder):
        summary = support.best_sentence(passage, concept)
    guide.concepts.append(Entry(concept, summary, marker))
    known = {support.answer_key(e.title) for e in guide.glossary}
    terms = data.get("terms") if isinstance(data.get("terms"), list) else []
    for raw in (terms or [])[:MAX_TERMS]:
        if not isinstance(raw, dict):
            continue
        term, definition = _field(raw, "term"), _field(raw, "definition")
        key = support.answer_key(term)
        if not term or not definition or key in known:
            continue
        in_passage = support.answer_support(term, passage).share == 1.0
        if (in_passage or cross) and _supported(definition, passage, cross, embedder):
            known.add(key)
            guide.glossary.append(Entry(term, definition, marker))
    question = _field(data, "exam_question")
    about_passage = (
        grounding.term_coverage(question, passage) >= grounding.LEXICAL_COVERAGE_RELEVANT
    )
    if question and (about_passage or cross):
        guide.questions.append(Entry(question, "", marker))
