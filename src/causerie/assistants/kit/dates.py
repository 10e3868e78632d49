"""Dates a text states, resolved against the date it was written (a message's Date header), in
English and French, and the check that a generated text states no date or number its sources
do not hold.

    find_dates("Je livre vendredi prochain, ou le 13 mars.", base=date(2026, 3, 2))
    # [FoundDate("vendredi prochain", ..., date(2026, 3, 6)), FoundDate("13 mars", ...)]
    invented_facts("See you on March 20 with the 500 cards.", [("... 20 mars ...", sent_on)])
    # [] when every number and date is held; else ["500", "2026-03-20 ('March 20')"]

What it resolves: today / tomorrow (aujourd'hui, demain, après-demain); a weekday, alone or
with next / this / prochain / ce (the first such day after the base date: said on Monday 2 March,
"next Friday" and "vendredi prochain" are 6 March); "in 10 days", "within 2 weeks", "dans 10
jours", "sous 8 jours", "d'ici 2 semaines"; end of the month / fin du mois; "March 13", "13th of
March", "le 13 mars 2026", "mercredi 18 mars", "2026-03-13", "13/03/2026"; "the 13th" (this
month, or the next one when the 13th is past). A day and month without a year take the base's
year, or the next one when that date would lie more than six months before the base.

Why not dateparser (installed with trafilatura): with a base date it resolves "next Friday" but
not "vendredi prochain", and its search_dates reads the French pronoun "Je" as a date.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from causerie import grounding

WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6, "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5,
    "dimanche": 6,
}  # fmt: skip
MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12,
}  # fmt: skip
COUNTS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "fifteen": 15, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4,
    "cinq": 5, "sept": 7, "huit": 8, "dix": 10, "quinze": 15,
}  # fmt: skip
_DAY_WORDS = {"today": 0, "tonight": 0, "aujourd'hui": 0, "aujourd’hui": 0, "tomorrow": 1,
              "demain": 1, "après-demain": 2, "apres-demain": 2}  # fmt: skip

_WEEKDAY = "|".join(WEEKDAYS)
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_COUNT = r"\d{1,3}|" + "|".join(COUNTS)
_YEAR = r"(?:,?\s+(?P<year>\d{4}))?"
_PATTERNS = (
    ("iso", r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"),
    ("numeric", r"(?P<d>\d{1,2})/(?P<m>\d{1,2})(?:/(?P<y>\d{4}))?"),
    ("day_month", rf"(?:(?:{_WEEKDAY}),?\s+)?(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th|er)?"
                  rf"(?:\s+of)?\s+(?P<month>{_MONTH})\.?{_YEAR}"),
    ("month_day", rf"(?:(?:{_WEEKDAY}),?\s+)?(?P<month>{_MONTH})\.?\s+(?P<d>\d{{1,2}})"
                  rf"(?:st|nd|rd|th)?{_YEAR}"),
    ("in_count", rf"(?:in|within|dans|sous|d'ici|d’ici)\s+(?P<n>{_COUNT})\s+"
                 r"(?P<unit>days?|weeks?|jours?|semaines?)"),
    ("month_end", r"(?:the\s+)?end\s+of\s+(?:the\s+)?month|(?:la\s+)?fin\s+du\s+mois"),
    ("week_end", r"(?:the\s+)?end\s+of\s+(?:the\s+)?week|(?:la\s+)?fin\s+de\s+(?:la\s+)?semaine"),
    ("weekday", rf"(?:(?P<mod>next|this|ce|cette)\s+)?(?P<wd>{_WEEKDAY})"
                r"(?:\s+(?P<after>prochain|qui vient))?"),
    ("day_word", r"après-demain|apres-demain|aujourd['’]hui|today|tonight|tomorrow|demain"),
    ("ordinal", r"the\s+(?P<d>\d{1,2})(?:st|nd|rd|th)"),
)  # fmt: skip
_FINDER = re.compile(
    "|".join(f"(?P<{name}>\\b(?:{pattern.replace('(?P<', f'(?P<{name}_')})\\b)"
             for name, pattern in _PATTERNS),
    re.IGNORECASE,
)  # fmt: skip
_HALF_YEAR = timedelta(days=183)


@dataclass(frozen=True, slots=True)
class FoundDate:
    text: str  # the words as written
    start: int
    end: int
    date: date


def _day(base: date | datetime) -> date:
    return base.date() if isinstance(base, datetime) else base


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _with_year(month: int, day: int, year: str | None, base: date) -> date | None:
    if year:
        return _safe(int(year), month, day)
    found = _safe(base.year, month, day)
    if found is not None and found < base - _HALF_YEAR:
        found = _safe(base.year + 1, month, day)
    return found


def _next_weekday(base: date, weekday: int) -> date:
    return base + timedelta(days=(weekday - base.weekday() - 1) % 7 + 1)


def _resolve(kind: str, groups: dict[str, str | None], base: date) -> date | None:
    def get(name: str) -> str | None:
        return groups.get(f"{kind}_{name}")

    if kind == "iso":
        return _safe(int(get("y") or 0), int(get("m") or 0), int(get("d") or 0))
    if kind == "numeric":
        return _with_year(int(get("m") or 0), int(get("d") or 0), get("y"), base)
    if kind in ("day_month", "month_day"):
        month = MONTHS[(get("month") or "").lower()]
        return _with_year(month, int(get("d") or 0), get("year"), base)
    if kind == "in_count":
        raw = (get("n") or "").lower()
        count = int(raw) if raw.isdigit() else COUNTS[raw]
        unit = (get("unit") or "").lower()
        return base + timedelta(days=count * (7 if unit.startswith(("week", "semaine")) else 1))
    if kind == "month_end":
        return date(base.year, base.month, calendar.monthrange(base.year, base.month)[1])
    if kind == "week_end":
        return base + timedelta(days=(4 - base.weekday()) % 7)
    if kind == "weekday":
        return _next_weekday(base, WEEKDAYS[(get("wd") or "").lower()])
    if kind == "day_word":
        words = (groups.get(kind) or "").lower().replace("’", "'")
        return base + timedelta(days=_DAY_WORDS[words])
    if kind == "ordinal":
        day = int(get("d") or 0)
        found = _safe(base.year, base.month, day)
        if found is None or found < base:
            month = base.month % 12 + 1
            found = _safe(base.year + (base.month == 12), month, day)
        return found
    return None


def find_dates(text: str, base: date | datetime) -> list[FoundDate]:
    """The dates `text` states, in order, resolved against `base` (see the module docstring)."""
    day = _day(base)
    found: list[FoundDate] = []
    for match in _FINDER.finditer(text):
        kind = match.lastgroup
        if kind is None:
            continue
        resolved = _resolve(kind, match.groupdict(), day)
        if resolved is not None:
            found.append(FoundDate(match.group(), match.start(), match.end(), resolved))
    return found


def invented_facts(
    text: str, sources: Iterable[tuple[str, date | datetime]], written: date | datetime
) -> list[str]:
    """What `text` (written on `written`) states that none of `sources` ((text, date written)
    pairs) holds: numbers, then dates (as 'YYYY-MM-DD ('the words')'). [] when all are held."""
    held_numbers: set[str] = set()
    held_dates: set[date] = set()
    for source, when in sources:
        held_numbers |= grounding.numbers_in(source, with_parts=True)
        held_dates |= {d.date for d in find_dates(source, when)}
    dates = find_dates(text, written)
    date_spans = "".join(" " if any(d.start <= i < d.end for d in dates) else ch
                         for i, ch in enumerate(text))  # fmt: skip
    invented = sorted(grounding.numbers_in(date_spans) - held_numbers)
    invented += [f"{d.date.isoformat()} ('{d.text}')" for d in dates if d.date not in held_dates]
    return invented
