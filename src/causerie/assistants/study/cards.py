"""Flashcards: made from passages (the back checked against its passage, the front a question
or a term that the back answers), scheduled by FSRS.

FSRS (the `fsrs` package, as in Anki): each card keeps its stability, difficulty, state and due
date; a rating (Again, Hard, Good, Easy) moves them. The schedule is stored as fsrs's own JSON.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from fsrs import Card, Rating, Scheduler

from causerie.assistants.kit import support
from causerie.assistants.kit.language import prompt_name
from causerie.assistants.kit.passages import Pool, Skipped, fenced, plan_count
from causerie.assistants.kit.structured import DEFAULT_ATTEMPTS, Rejected, generate, text_field
from causerie.assistants.study.db import StudyStore
from causerie.assistants.study.quiz import SYSTEM
from causerie.assistants.study.records import Flashcard, Origin, Review, now_utc
from causerie.embedders.base import Embedder
from causerie.errors import InputError
from causerie.providers.base import Provider
from causerie.types import Citation, Hit, Message, Owner, content_hash

# ----------------------------------------------------------------------------- making


@dataclass(frozen=True, slots=True)
class CardDraft:
    front: str
    back: str
    language: str
    citation: Citation | None


@dataclass
class CardResult:
    drafts: list[CardDraft] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


CARD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "front": {"type": "string"},
        "back": {"type": "string"},
    },
    "required": ["front", "back"],
}


def card_messages(hit: Hit, language: str) -> list[Message]:
    user = (
        f"{fenced(hit)}\n\n"
        "Write one flashcard about a key fact or term of this passage.\n"
        '- "front": a question, or a term to define; it must not contain the answer.\n'
        '- "back": the answer: a few words copied from the passage.\n'
        f"Write both sides in {prompt_name(language)}."
    )
    return [Message("system", SYSTEM), Message("user", user)]


class CardChecker:
    def __init__(self, hit: Hit, language: str, embedder: Embedder | None) -> None:
        self.hit, self.language, self.embedder = hit, language, embedder

    def __call__(self, data: dict[str, Any]) -> CardDraft:
        front = text_field(data, "front", 300)
        back = text_field(data, "back", 200)
        found = support.copied_from(
            back, self.hit, self.language, question=front, embedder=self.embedder
        )
        if not found.supported:
            raise Rejected(f'the back "{back}" is not in the passage: it {found.reason}')
        if support.gives_away(front, back):
            raise Rejected("the front already contains the back")
        if not support.is_question_or_term(front):
            raise Rejected(f'the front "{front}" is a statement, not a question or a term')
        fits = support.answers_question(front, back, self.hit.chunk.text)
        if not fits.supported:
            raise Rejected(f'the back "{back}" does not answer the front: it {fits.reason}')
        return CardDraft(front, back, self.language, Citation.from_hit(self.hit))


def make_cards(
    provider: Provider,
    pool: Pool,
    count: int,
    *,
    language: str | None = None,
    embedder: Embedder | None = None,
    skip_fronts: Sequence[str] = (),
    attempts: int = DEFAULT_ATTEMPTS,
    on_card: Callable[[CardDraft | None], None] | None = None,
) -> CardResult:
    """Up to `count` cards, one per passage; passages that already have a card are left for
    last (`skip_fronts` are fronts the notebook already has: a repeat is not kept)."""
    started = time.perf_counter()
    count, notes = plan_count(count, pool, noun="card")
    result = CardResult(notes=notes)
    known = {support.answer_key(f) for f in skip_fronts}
    for hit in pool.passages:
        if len(result.drafts) >= count:
            break
        lang = language or hit.source.language
        outcome = generate(provider, card_messages(hit, lang), CARD_SCHEMA,
                           CardChecker(hit, lang, embedder), attempts=attempts)  # fmt: skip
        draft = outcome.value
        if draft is not None and support.answer_key(draft.front) in known:
            outcome.rejections.append("the notebook already has this card")
            draft = None
        if draft is None:
            result.skipped.append(Skipped.of(hit, outcome.rejections))
        else:
            known.add(support.answer_key(draft.front))
            result.drafts.append(draft)
        if on_card:
            on_card(draft)
    if len(result.drafts) < count:
        result.notes.append(f"made {len(result.drafts)} of {count} cards")
    result.seconds = time.perf_counter() - started
    return result


# ----------------------------------------------------------------------------- reviewing

RATING_WORDS: dict[str, Rating] = {
    "1": Rating.Again, "again": Rating.Again, "a": Rating.Again, "encore": Rating.Again,
    "2": Rating.Hard, "hard": Rating.Hard, "h": Rating.Hard, "difficile": Rating.Hard,
    "3": Rating.Good, "good": Rating.Good, "g": Rating.Good, "bien": Rating.Good,
    "4": Rating.Easy, "easy": Rating.Easy, "e": Rating.Easy, "facile": Rating.Easy,
}  # fmt: skip


def parse_rating(text: str) -> Rating:
    rating = RATING_WORDS.get(text.strip().lower())
    if rating is None:
        raise InputError("rating", f"{text!r} is not a rating: 1 again, 2 hard, 3 good, 4 easy")
    return rating


def format_interval(delta: timedelta) -> str:
    seconds = max(0.0, delta.total_seconds())
    if seconds < 60:
        return "<1 min"
    for unit, size in (("y", 365 * 86400), ("mo", 30 * 86400), ("d", 86400), ("h", 3600)):
        if seconds >= size:
            value = seconds / size
            return (
                f"{value:.1f} {unit}"
                if value < 10 and unit in ("y", "mo")
                else f"{value:.0f} {unit}"
            )
    return f"{seconds / 60:.0f} min"


class Deck:
    """A notebook's cards for one owner, with the FSRS scheduler that moves them."""

    def __init__(
        self,
        study: StudyStore,
        owner: Owner,
        notebook_id: str,
        scheduler: Scheduler | None = None,
    ) -> None:
        self.study = study
        self.owner = owner
        self.notebook_id = notebook_id
        self.scheduler = scheduler or Scheduler()

    def add(
        self,
        front: str,
        back: str,
        citation: Citation | None,
        origin: Origin = "generated",
        now: datetime | None = None,
    ) -> Flashcard | None:
        """A new card due now; None when the notebook already has one with this front."""
        now = now or now_utc()
        card_id = int(content_hash(f"{self.notebook_id}:{front}")[:12], 16)
        schedule = Card(card_id=card_id, due=now)
        return self.study.add_card(self.owner, self.notebook_id, front, back, citation,
                                   origin, schedule.to_json(), now)  # fmt: skip

    def cards(self) -> list[Flashcard]:
        return self.study.list_cards(self.owner, self.notebook_id)

    def due(self, now: datetime | None = None, limit: int = 1000) -> list[Flashcard]:
        return self.study.due_cards(self.owner, self.notebook_id, now or now_utc(), limit)

    def preview(self, card: Flashcard, now: datetime | None = None) -> dict[Rating, timedelta]:
        """The interval each rating would give, as Anki shows on its buttons."""
        now = now or now_utc()
        previews = {}
        for rating in Rating:
            moved, _ = self.scheduler.review_card(card.fsrs_card(), rating, now)
            previews[rating] = moved.due - now
        return previews

    def review(
        self, card: Flashcard, rating: Rating, now: datetime | None = None
    ) -> tuple[Flashcard, timedelta]:
        """Apply a rating; returns the updated card and the interval to its next review."""
        now = now or now_utc()
        moved, _ = self.scheduler.review_card(card.fsrs_card(), rating, now)
        interval = moved.due - now
        review = Review(card.id, int(rating), now.timestamp(), interval.total_seconds())
        updated = self.study.record_review(self.owner, card, moved.to_json(), moved.due, review)
        return updated, interval
