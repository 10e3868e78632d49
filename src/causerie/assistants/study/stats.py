"""Progress: card counts by state, due counts, reviews per day, recall rate and FSRS's
predicted retention; drawn as a text bar chart (terminal) or a small SVG (no plotting library).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from html import escape
from typing import Any

from fsrs import Rating

from causerie.assistants.study.cards import Deck
from causerie.assistants.study.records import now_utc


@dataclass(frozen=True, slots=True)
class Day:
    day: str  # ISO date, local time
    reviews: int
    recalled: int  # reviews not rated Again


@dataclass(frozen=True, slots=True)
class Stats:
    cards: int
    by_state: dict[str, int]  # new, learning, review, relearning
    due_now: int
    due_next_24h: int
    reviews: int  # in the window
    recall_rate: float | None  # share of the window's reviews not rated Again
    predicted_retention: float | None  # FSRS mean retrievability of reviewed cards, now
    days: list[Day] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def compute(deck: Deck, now: datetime | None = None, days: int = 14) -> Stats:
    now = now or now_utc()
    cards = deck.cards()
    by_state = {"new": 0, "learning": 0, "review": 0, "relearning": 0}
    retrievability = []
    for card in cards:
        by_state[card.state_name()] += 1
        if not card.is_new:
            retrievability.append(deck.scheduler.get_card_retrievability(card.fsrs_card(), now))
    first_day = now.astimezone().date() - timedelta(days=days - 1)
    since = datetime.combine(first_day, datetime.min.time()).astimezone().timestamp()
    reviews = deck.study.list_reviews(deck.owner, deck.notebook_id, since)
    counts: dict[date, list[int]] = {first_day + timedelta(d): [0, 0] for d in range(days)}
    for review in reviews:
        day = datetime.fromtimestamp(review.reviewed_at).date()
        if day in counts:
            counts[day][0] += 1
            counts[day][1] += review.rating != Rating.Again
    recalled = sum(c[1] for c in counts.values())
    total = sum(c[0] for c in counts.values())
    due_at = [card.due for card in cards]
    return Stats(
        cards=len(cards),
        by_state=by_state,
        due_now=sum(d <= now for d in due_at),
        due_next_24h=sum(d <= now + timedelta(hours=24) for d in due_at),
        reviews=total,
        recall_rate=recalled / total if total else None,
        predicted_retention=(sum(retrievability) / len(retrievability) if retrievability else None),
        days=[Day(d.isoformat(), c[0], c[1]) for d, c in counts.items()],
    )


def text_chart(stats: Stats, width: int = 30) -> str:
    """Reviews per day as bars ('█' recalled, '░' forgotten), with the summary above."""
    lines = [
        f"cards: {stats.cards} ("
        + ", ".join(f"{n} {state}" for state, n in stats.by_state.items())
        + ")",
        f"due now: {stats.due_now}; due within 24 h: {stats.due_next_24h}",
        f"reviews ({len(stats.days)} days): {stats.reviews}; recall rate: "
        + _percent(stats.recall_rate)
        + "; predicted retention now: "
        + _percent(stats.predicted_retention),
        "",
    ]
    peak = max((d.reviews for d in stats.days), default=0) or 1
    for day in stats.days:
        recalled = round(width * day.recalled / peak)
        forgotten = round(width * day.reviews / peak) - recalled
        bar = "█" * recalled + "░" * forgotten
        detail = f"{day.reviews}" + (f" ({day.recalled / day.reviews:.0%})" if day.reviews else "")
        lines.append(f"{day.day} {bar:<{width}} {detail}")
    return "\n".join(lines)


def svg_chart(stats: Stats, bar_width: int = 24, height: int = 160) -> str:
    """The same chart as a standalone SVG document."""
    peak = max((d.reviews for d in stats.days), default=0) or 1
    gap, top, bottom = 6, 24, 36
    width = len(stats.days) * (bar_width + gap) + gap
    shapes = []
    for i, day in enumerate(stats.days):
        x = gap + i * (bar_width + gap)
        total_h = (height - top - bottom) * day.reviews / peak
        recalled_h = (height - top - bottom) * day.recalled / peak
        base = height - bottom
        shapes.append(f'<rect x="{x}" y="{base - total_h:.1f}" width="{bar_width}" '
                      f'height="{total_h - recalled_h:.1f}" fill="#e4a1a1"/>')  # fmt: skip
        shapes.append(f'<rect x="{x}" y="{base - recalled_h:.1f}" width="{bar_width}" '
                      f'height="{recalled_h:.1f}" fill="#4c8c6a"/>')  # fmt: skip
        shapes.append(f'<text x="{x + bar_width / 2}" y="{base + 14}" font-size="9" '
                      f'text-anchor="middle">{escape(day.day[5:])}</text>')  # fmt: skip
        if day.reviews:
            shapes.append(f'<text x="{x + bar_width / 2}" y="{base - total_h - 3:.1f}" '
                          f'font-size="9" text-anchor="middle">{day.reviews}</text>')  # fmt: skip
    title = escape(f"Reviews per day (recall rate {_percent(stats.recall_rate)})")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif"><text x="{gap}" y="14" font-size="11">{title}</text>'
        + "".join(shapes)
        + "</svg>\n"
    )


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"
