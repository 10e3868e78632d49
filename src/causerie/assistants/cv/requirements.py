"""What a job posting asks for, found in code: skills of the skills list, years of experience
and spoken languages, each required or nice-to-have, each with the posting line it comes from.

    for need in requirements(posting):
        need.key, need.kind, need.category, need.name     # "airflow", "required", "skill", ...

A line's kind comes from its section ('Requirements' / 'Profil recherché' -> required, 'Nice
to have' / 'Un plus' -> nice) unless the line says otherwise ('... is a plus', '... un atout',
'must', 'indispensable'). Lines under 'About us' or 'Benefits' ask for nothing. A skill asked
for twice keeps its strongest kind. The model is never asked: the same posting gives the same
requirements every time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from causerie import textproc
from causerie.assistants.cv import languages
from causerie.assistants.cv.reading import Line, Text
from causerie.assistants.cv.taxonomy import taxonomy

Kind = Literal["required", "nice"]
Category = Literal["skill", "experience", "language"]

NICE_MARKS = ("a plus", "is a plus", "nice to have", "nice-to-have", "bonus", "ideally",
              "preferably", "preferred", "would be an asset", "is an asset", "an advantage",
              "un plus", "un atout", "atout", "apprecie", "appreciee", "souhaite", "souhaitee",
              "idealement", "serait un", "de preference", "optional", "optionnel")  # fmt: skip
REQUIRED_MARKS = ("required", "must", "mandatory", "essential", "obligatoire", "exige",
                  "exigee", "indispensable", "requis", "requise", "imperatif",
                  "imperative")  # fmt: skip
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "un": 1, "une": 1, "deux": 2, "trois": 3,
                "quatre": 4, "cinq": 5, "sept": 7, "huit": 8, "neuf": 9, "dix": 10}  # fmt: skip
_NUMBER = r"(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")"
_YEARS = re.compile(
    rf"\b{_NUMBER}\s*(?:\+|plus)?\s*(?:-\s*\d{{1,2}}\s*)?(?:years?|yrs?|ans?|annees?)\b"
)
_EXPERIENCE_WORDS = ("experience", "years", "ans", "annees")


@dataclass(frozen=True, slots=True)
class Requirement:
    key: str  # skill id, "experience", or "language:en"
    name: str  # shown in the posting's language
    kind: Kind
    category: Category
    line: Line  # the posting line that asks for it
    years: float | None = None
    level: int | None = None  # a language level (languages.CEFR), None when not stated

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"key": self.key, "name": self.name, "kind": self.kind,
                                "category": self.category, "posting": self.line.cite()}  # fmt: skip
        if self.years is not None:
            data["years"] = self.years
        if self.category == "language":
            data["level"] = self.level
        return data


def line_kind(line: Line, *, sectioned: bool = True) -> Kind | None:
    """required / nice for a line that may ask for something; None for lines that do not. In
    a posting with sections, the lines before the first one (title, company) ask nothing."""
    if line.section == "ignored" or (sectioned and line.section == "intro"):
        return None
    folded = f" {textproc.fold(line.text)} "
    if any(f" {mark} " in folded or f" {mark}." in folded or f"({mark}" in folded
           for mark in NICE_MARKS):  # fmt: skip
        return "nice"
    if any(re.search(rf"\b{mark}\b", folded) for mark in REQUIRED_MARKS):
        return "required"
    return "nice" if line.section == "nice" else "required"


def years_asked(line: Line) -> float | None:
    folded = textproc.fold(line.text)
    if not any(word in folded for word in _EXPERIENCE_WORDS):
        return None
    match = _YEARS.search(folded)
    if match is None:
        return None
    value = match.group(1)
    return float(NUMBER_WORDS.get(value) or int(value))


def requirements(posting: Text) -> list[Requirement]:
    """The posting's requirements, in the order the posting states them."""
    skills = taxonomy()
    found: dict[str, Requirement] = {}
    language = posting.language

    def keep(need: Requirement) -> None:
        held = found.get(need.key)
        if held is None or (held.kind == "nice" and need.kind == "required"):
            found[need.key] = need if held is None else _stronger(held, need)

    sectioned = any(s in ("required", "nice", "duties") for s in posting.sections())
    for line in posting.body():
        kind = line_kind(line, sectioned=sectioned)
        if kind is None:
            continue
        asked = years_asked(line)
        held = found.get("experience")
        if asked is not None and (held is None or asked > (held.years or 0)):
            name = (f"{asked:g} ans d'expérience" if language == "fr"
                    else f"{asked:g} years of experience")  # fmt: skip
            strongest: Kind = "required" if held and held.kind == "required" else kind
            found["experience"] = Requirement("experience", name, strongest, "experience", line,
                                              years=asked)  # fmt: skip
        for code, level in languages.spoken_in(line.text):
            shown = languages.label(code, language)
            if level is not None:
                shown = f"{shown} ({languages.level_name(level, language)})"
            keep(Requirement(f"language:{code}", shown, kind, "language", line, level=level))
        for hit in skills.find(line.text):
            keep(Requirement(hit.skill.id, hit.skill.label(language), kind, "skill", line))
    return list(found.values())


def _stronger(held: Requirement, new: Requirement) -> Requirement:
    """A requirement asked for as nice, then as required: required, first wording kept."""
    return Requirement(held.key, held.name, "required", held.category, new.line, held.years,
                       held.level if held.level is not None else new.level)  # fmt: skip
