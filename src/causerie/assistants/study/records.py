"""Stored study values: quizzes, attempts, flashcards and their reviews."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from fsrs import Card, State

from causerie.assistants.study.quiz import QuizItem
from causerie.types import Citation

Origin = Literal["generated", "imported"]


@dataclass(frozen=True, slots=True)
class Quiz:
    id: str
    notebook_id: str
    title: str
    created_at: float
    items: tuple[QuizItem, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "created_at": self.created_at,
            "items": [item.to_json() for item in self.items],
        }


@dataclass(frozen=True, slots=True)
class Attempt:
    id: str
    item_id: str
    given: str
    verdict: str
    score: float
    method: str
    feedback: str
    created_at: float


@dataclass(frozen=True, slots=True)
class Flashcard:
    id: str
    notebook_id: str
    front: str
    back: str
    citation: Citation | None  # None for imported cards
    origin: Origin
    schedule: str  # fsrs.Card as JSON
    created_at: float

    def fsrs_card(self) -> Card:
        return Card.from_json(self.schedule)

    @property
    def due(self) -> datetime:
        return self.fsrs_card().due

    @property
    def is_new(self) -> bool:
        return self.fsrs_card().last_review is None

    def state_name(self) -> str:
        card = self.fsrs_card()
        return "new" if card.last_review is None else State(card.state).name.lower()

    def to_json(self) -> dict[str, Any]:
        card = self.fsrs_card()
        return {
            "id": self.id,
            "front": self.front,
            "back": self.back,
            "origin": self.origin,
            "state": self.state_name(),
            "due": card.due.isoformat(),
            "stability": card.stability,
            "citation": self.citation.to_json() if self.citation else None,
        }


@dataclass(frozen=True, slots=True)
class Review:
    card_id: str
    rating: int  # fsrs.Rating: 1 Again, 2 Hard, 3 Good, 4 Easy
    reviewed_at: float  # epoch seconds
    interval_s: float  # until the next due date


def now_utc() -> datetime:
    return datetime.now(UTC)
