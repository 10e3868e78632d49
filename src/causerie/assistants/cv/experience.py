"""Dates in a CV: the periods of its experience lines, and the years they add up to.

    periods(cv.in_section("experience"), as_of=(2026, 12))   # [Period(...), ...]
    years(found)                                             # 6.5: overlaps counted once

A period is a range of months, both ends included: '03/2019 – 06/2023', 'Jan 2019 - Present',
'janvier 2019 – aujourd'hui', 'depuis 2021', '2018 - 2020' (a year alone starts in January
and ends in December). 'Present' is `as_of`, which every result reports, so a score computed
on one day is the same every time it is computed with that day.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from causerie import textproc
from causerie.assistants.cv.reading import Line

Month = tuple[int, int]  # (year, month)

MONTHS = {
    "january": 1, "jan": 1, "janvier": 1, "janv": 1, "february": 2, "feb": 2, "fevrier": 2,
    "fevr": 2, "fev": 2, "march": 3, "mar": 3, "mars": 3, "april": 4, "apr": 4, "avril": 4,
    "avr": 4, "may": 5, "mai": 5, "june": 6, "jun": 6, "juin": 6, "july": 7, "jul": 7,
    "juillet": 7, "juil": 7, "august": 8, "aug": 8, "aout": 8, "september": 9, "sep": 9,
    "sept": 9, "septembre": 9, "october": 10, "oct": 10, "octobre": 10, "november": 11,
    "nov": 11, "novembre": 11, "december": 12, "dec": 12, "decembre": 12,
}  # fmt: skip
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DATE = (
    rf"(?:(?:{_MONTH})\.?\s+(?:19|20)\d\d|\d{{1,2}}/(?:19|20)\d\d|(?:19|20)\d\d-\d\d|(?:19|20)\d\d)"
)
_NOW = (r"present|current|now|today|ongoing|aujourd'hui|aujourd’hui|present|actuel|actuellement"
        r"|en cours|ce jour|maintenant")  # fmt: skip
_RANGE = re.compile(
    rf"(?<![\w/])(?P<start>{_DATE})\s*(?:-|–|—|to|a|au|until|jusqu'a|jusqu’a)\s*"
    rf"(?P<end>{_DATE}|{_NOW})(?![\w/])"
)
_SINCE = re.compile(
    rf"\b(?:since|depuis|from|des)\s+(?P<start>{_DATE})(?![\w/])(?!\s*(?:-|–|—|to|a|au)\s)"
)


@dataclass(frozen=True, slots=True)
class Period:
    start: Month
    end: Month
    line: Line
    text: str

    @property
    def months(self) -> int:
        return max(0, (self.end[0] - self.start[0]) * 12 + self.end[1] - self.start[1] + 1)


def parse_date(text: str, *, end: bool) -> Month | None:
    value = text.strip().rstrip(".")
    if "/" in value:
        month, year = value.split("/")
        return _checked(int(year), int(month))
    if re.fullmatch(r"\d{4}-\d\d", value):
        year, month = value.split("-")
        return _checked(int(year), int(month))
    if value.isdigit():
        return (int(value), 12 if end else 1)
    name, _, year = value.rpartition(" ")
    number = MONTHS.get(name.strip(" ."))
    return _checked(int(year), number) if number else None


def _checked(year: int, month: int) -> Month | None:
    return (year, month) if 1 <= month <= 12 else None


def periods(lines: Iterable[Line], as_of: Month) -> list[Period]:
    """Every date range written in `lines` (a 'since' date runs to `as_of`)."""
    found: list[Period] = []
    for line in lines:
        folded = textproc.fold(line.text)
        for match in _RANGE.finditer(folded):
            start = parse_date(match["start"], end=False)
            raw_end = match["end"]
            stop = as_of if re.fullmatch(_NOW, raw_end) else parse_date(raw_end, end=True)
            if start and stop and start <= stop:
                found.append(
                    Period(start, min(stop, as_of), line, line.text[match.start() : match.end()])
                )
        for match in _SINCE.finditer(folded):
            start = parse_date(match["start"], end=False)
            if start and start <= as_of:
                found.append(Period(start, as_of, line, line.text[match.start() : match.end()]))
    return found


def years(found: Iterable[Period]) -> float:
    """Years covered by the periods, overlaps counted once, to one decimal."""
    months: set[int] = set()
    for period in found:
        first = period.start[0] * 12 + period.start[1]
        last = period.end[0] * 12 + period.end[1]
        months.update(range(first, last + 1))
    return round(len(months) / 12, 1)
