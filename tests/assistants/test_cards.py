"""Flashcards: made from passages, reviewed with FSRS, counted, charted."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Rating, Scheduler

from causerie.assistants.kit.passages import Pool
from causerie.assistants.study.cards import Deck, format_interval, make_cards, parse_rating
from causerie.assistants.study.db import StudyStore
from causerie.assistants.study.stats import compute, svg_chart, text_chart
from causerie.errors import InputError
from causerie.providers.fake import FakeProvider
from causerie.types import Notebook, Owner

from .conftest import reply

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def deck(study: StudyStore, owner: Owner) -> Deck:
    return Deck(study, owner, "nb-1", Scheduler(enable_fuzzing=False))


def test_cards_are_made_from_passages_and_checked(pool: Pool, fake: FakeProvider) -> None:
    fake.enqueue(
        reply(front="What absorbs sunlight in plant cells?", back="chlorophyll"),
        reply(front="Quand la Bastille est-elle prise ?", back="le 15 juillet 1789"),  # wrong date
        reply(front="Quand la Bastille est-elle prise ?", back="le 14 juillet 1789"),
    )
    result = make_cards(fake, pool, 2)
    first, second = result.drafts
    assert (first.front, first.back) == ("What absorbs sunlight in plant cells?", "chlorophyll")
    assert first.citation is not None and "Chlorophyll absorbs" in first.citation.text
    assert second.back == "le 14 juillet 1789" and second.citation is not None
    assert second.citation.source.endswith("revolution.md")
    assert "states 15, which the passage does not" in fake.calls[2][0][-1].content


def test_a_card_the_notebook_already_has_is_not_made_again(pool: Pool, fake: FakeProvider) -> None:
    fake.enqueue(reply(front="What absorbs sunlight?", back="chlorophyll"))
    one = Pool(pool.passages[:1], 1, pool.scope)
    result = make_cards(fake, one, 1, skip_fronts=["what absorbs sunlight"], attempts=1)
    assert result.drafts == []
    assert "already has this card" in result.skipped[0].reasons[-1]


def test_intervals_grow_with_good_and_again_brings_the_card_back(deck: Deck) -> None:
    card = deck.add("What is osmosis?", "water moving across a membrane", None, now=T0)
    assert card is not None and card.is_new
    assert [c.id for c in deck.due(T0)] == [card.id]
    now, intervals = T0, []
    for _ in range(5):
        card, interval = deck.review(card, Rating.Good, now)
        intervals.append(interval)
        now = card.due
    assert intervals == sorted(intervals) and intervals[-1] > intervals[0] * 10
    assert intervals[-1] >= timedelta(days=5)
    assert card.state_name() == "review"
    assert deck.due(now - timedelta(seconds=1)) == []
    lapsed, short = deck.review(card, Rating.Again, now)
    assert short < timedelta(hours=1) and lapsed.state_name() == "relearning"
    reviews = deck.study.list_reviews(deck.owner, "nb-1")
    assert [r.rating for r in reviews] == [3, 3, 3, 3, 3, 1]


def test_preview_shows_each_rating_interval_in_order(deck: Deck) -> None:
    card = deck.add("front", "back", None, now=T0)
    assert card is not None
    previews = deck.preview(card, T0)
    assert list(previews) == [Rating.Again, Rating.Hard, Rating.Good, Rating.Easy]
    values = list(previews.values())
    assert values == sorted(values) and values[-1] >= timedelta(days=1)
    assert deck.due(T0)[0].is_new  # a preview changes nothing


def test_a_card_with_the_same_front_is_not_added_twice(deck: Deck) -> None:
    assert deck.add("front", "back", None, now=T0) is not None
    assert deck.add("front", "another back", None, now=T0) is None
    assert len(deck.cards()) == 1


@pytest.mark.parametrize(
    ("text", "rating"),
    [("1", Rating.Again), ("Hard", Rating.Hard), (" good ", Rating.Good), ("facile", Rating.Easy)],
)
def test_ratings_are_read_in_several_forms(text: str, rating: Rating) -> None:
    assert parse_rating(text) is rating


def test_an_unknown_rating_is_refused() -> None:
    with pytest.raises(InputError, match="'5' is not a rating: 1 again, 2 hard, 3 good, 4 easy"):
        parse_rating("5")


def test_intervals_read_like_anki() -> None:
    assert format_interval(timedelta(seconds=20)) == "<1 min"
    assert format_interval(timedelta(minutes=10)) == "10 min"
    assert format_interval(timedelta(hours=5)) == "5 h"
    assert format_interval(timedelta(days=3)) == "3 d"
    assert format_interval(timedelta(days=45)) == "1.5 mo"


def test_stats_count_states_due_cards_reviews_per_day_and_recall(deck: Deck) -> None:
    a = deck.add("a", "1", None, now=T0)
    b = deck.add("b", "2", None, now=T0)
    deck.add("c", "3", None, now=T0)
    assert a is not None and b is not None
    deck.review(a, Rating.Good, T0)
    deck.review(b, Rating.Again, T0)
    b = deck.study.get_card(deck.owner, b.id)
    deck.review(b, Rating.Good, T0 + timedelta(days=1))
    stats = compute(deck, T0 + timedelta(days=1, minutes=1), days=3)
    assert stats.cards == 3 and stats.by_state["new"] == 1
    assert stats.reviews == 3 and stats.recall_rate == pytest.approx(2 / 3)
    assert [d.reviews for d in stats.days][-2:] == [2, 1]
    assert stats.due_now >= 1  # the new card
    assert stats.predicted_retention is not None and 0 < stats.predicted_retention <= 1
    chart = text_chart(stats)
    assert "recall rate: 67%" in chart and "█" in chart and "░" in chart
    ET.fromstring(svg_chart(stats))  # well-formed SVG
    assert stats.to_json()["days"][-1]["reviews"] == 1


def test_stats_of_an_empty_deck(deck: Deck) -> None:
    stats = compute(deck, T0, days=2)
    assert stats.cards == 0 and stats.recall_rate is None
    assert "recall rate: n/a" in text_chart(stats)


def test_cards_of_a_notebook_only(study: StudyStore, owner: Owner, book: Notebook) -> None:
    mine = Deck(study, owner, book.id)
    other = Deck(study, owner, "another-notebook")
    mine.add("front", "back", None)
    assert other.cards() == [] and other.due() == []


def test_a_statement_front_or_a_back_that_does_not_answer_is_asked_again(
    pool: Pool, fake: FakeProvider
) -> None:
    one = Pool([h for h in pool.passages if "Mitochondria" in h.chunk.text][:1], 1, pool.scope)
    fake.enqueue(
        reply(front="Mitochondria break down glucose.", back="cellular respiration"),
        reply(front="How many mitochondria can a liver cell hold?", back="molecules of ATP"),
        reply(front="How many mitochondria can a liver cell hold?", back="2000"),
    )
    result = make_cards(fake, one, 1)
    assert [(d.front, d.back) for d in result.drafts] == [
        ("How many mitochondria can a liver cell hold?", "2000")
    ]
    assert "is a statement, not a question or a term" in fake.calls[1][0][-1].content
    assert "does not answer the front: it gives no number" in fake.calls[2][0][-1].content
