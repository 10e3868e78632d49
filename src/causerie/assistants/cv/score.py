"""The match score: each requirement of the posting, found in the CV or not, with the CV lines
that show it, and the points it is worth. Code only; no model, no randomness.

    report = match(cv, posting, as_of=(2026, 12))
    report.score            # 0-100: points earned / points possible
    report.to_json()        # {"score", "requirements": [...], "missing": [...], "experience"}

Points: a required skill 3, a nice-to-have 1; years of experience 3 (1 if nice), earned in
proportion (4 of 5 years asked: 2.4 of 3); a language 2 (1 if nice), earned when the CV states
that language at the level asked or above. A skill is found when a CV line names it or one of
its synonyms (the skills list, whatever the language); the evidence is those lines.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from causerie.assistants.cv import experience, languages
from causerie.assistants.cv.reading import Line, Text
from causerie.assistants.cv.requirements import Requirement, requirements
from causerie.assistants.cv.taxonomy import taxonomy
from causerie.errors import InputError

WEIGHTS = {("skill", "required"): 3.0, ("skill", "nice"): 1.0,
           ("experience", "required"): 3.0, ("experience", "nice"): 1.0,
           ("language", "required"): 2.0, ("language", "nice"): 1.0}  # fmt: skip
MAX_EVIDENCE = 3


def today() -> experience.Month:
    now = datetime.date.today()
    return (now.year, now.month)


@dataclass(frozen=True)
class Match:
    requirement: Requirement
    found: bool
    points: float
    possible: float
    evidence: tuple[Line, ...] = ()
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {**self.requirement.to_json(), "found": self.found, "points": self.points,
                "possible": self.possible, "evidence": [e.cite() for e in self.evidence],
                "note": self.note}  # fmt: skip


@dataclass(frozen=True)
class Report:
    cv: Text
    posting: Text
    matches: tuple[Match, ...]
    cv_years: float
    as_of: experience.Month
    periods: tuple[experience.Period, ...] = field(default=())

    @property
    def score(self) -> int:
        possible = sum(m.possible for m in self.matches)
        earned = sum(m.points for m in self.matches)
        return round(100 * earned / possible) if possible else 0

    @property
    def missing(self) -> list[Match]:
        return [m for m in self.matches if not m.found]

    def required_years(self) -> float | None:
        asked = [
            m.requirement.years for m in self.matches if m.requirement.category == "experience"
        ]
        return asked[0] if asked else None

    def to_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "requirements": [m.to_json() for m in self.matches],
            "missing": [m.requirement.name for m in self.missing],
            "experience": {
                "required_years": self.required_years(),
                "cv_years": self.cv_years,
                "as_of": f"{self.as_of[0]:04d}-{self.as_of[1]:02d}",
                "periods": [
                    {"text": p.text, "months": p.months, "line": p.line.number}
                    for p in self.periods
                ],
            },
            "cv": {"name": self.cv.name, "language": self.cv.language},
            "job": {"name": self.posting.name, "language": self.posting.language},
            "taxonomy": taxonomy().version,
        }


def match(cv: Text, posting: Text, *, as_of: experience.Month | None = None) -> Report:
    """Score `cv` against `posting`. InputError naming the posting when it asks for nothing
    the assistant can recognise."""
    when = as_of or today()
    needs = requirements(posting)
    if not needs:
        raise InputError(posting.name, "no requirement found in this job posting (no skill of "
                         "the skills list, years of experience or language): is it a job "
                         "posting?")  # fmt: skip
    dated = experience.periods(cv.in_section("experience"), when)
    cv_years = experience.years(dated)
    found = [_match(need, cv, cv_years, dated) for need in needs]
    return Report(cv, posting, tuple(found), cv_years, when, tuple(dated))


def skill_lines(cv: Text, skill_id: str) -> list[Line]:
    skills = taxonomy()
    return [line for line in cv.body() if skill_id in skills.ids(line.text)]


def _match(need: Requirement, cv: Text, cv_years: float,
           dated: list[experience.Period]) -> Match:  # fmt: skip
    possible = WEIGHTS[(need.category, need.kind)]
    if need.category == "skill":
        lines = skill_lines(cv, need.key)
        return Match(need, bool(lines), possible if lines else 0.0, possible,
                     tuple(lines[:MAX_EVIDENCE]))  # fmt: skip
    if need.category == "experience":
        asked = need.years or 0.0
        share = 1.0 if asked <= 0 else min(1.0, cv_years / asked)
        opening = tuple(dict.fromkeys(p.line for p in dated))
        return Match(need, cv_years >= asked, round(possible * share, 2), possible,
                     opening[:MAX_EVIDENCE], f"{cv_years:g} / {asked:g}")  # fmt: skip
    code = need.key.split(":", 1)[1]
    held: list[tuple[Line, int | None]] = []
    for line in cv.body():
        for spoken, level in languages.spoken_in(line.text):
            if spoken == code:
                held.append((line, level))
    held.sort(key=lambda item: (item[0].section != "languages", -(item[1] or 0)))
    if not held:
        return Match(need, False, 0.0, possible)
    line, level = held[0]
    shown = languages.level_name(level, cv.language) or "?"
    if need.level is None or (level is not None and level >= need.level):
        return Match(need, True, possible, possible, (line,), shown)
    return Match(need, False, 0.0, possible, (line,), shown)
