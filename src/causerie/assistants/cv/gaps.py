"""The gaps: each requirement the CV does not show, how much it weighs, and honest advice —
what to learn, or how to present adjacent experience that the CV really holds (cited).

    for gap in gaps(report):
        gap.name, gap.importance, gap.advice, gap.evidence

Adjacent experience comes from the skills list (`related`: Airflow <-> Dagster, Prefect,
cron...); the advice never suggests claiming the missing skill. Written in the CV's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from causerie.assistants.cv import languages
from causerie.assistants.cv.reading import Line
from causerie.assistants.cv.score import Match, Report, skill_lines
from causerie.assistants.cv.taxonomy import taxonomy
from causerie.assistants.kit.language import Phrasebook

WORDS = Phrasebook({
    "adjacent": {
        "en": "Your CV shows {held}, close to {skill}: put that experience forward (line "
              "{line}) and say plainly that {skill} is new to you; do not write that you have "
              "used {skill}.",
        "fr": "Votre CV montre {held}, proche de {skill} : mettez cette expérience en avant "
              "(ligne {line}) et dites franchement que {skill} est nouveau pour vous ; n'écrivez "
              "pas que vous l'avez pratiqué.",
    },
    "learn": {
        "en": "Learn {skill}: the posting asks for it and your CV does not show it. A small "
              "project or a course gives you something true to write; until then, leave it out.",
        "fr": "Apprenez {skill} : l'offre le demande et votre CV ne le montre pas. Un petit "
              "projet ou une formation vous donnera quelque chose de vrai à écrire ; d'ici là, "
              "ne le mentionnez pas.",
    },
    "years": {
        "en": "The posting asks for {asked:g} years of experience; the dates in your CV add up "
              "to {held:g}. Do not round up: put forward what those years achieved.",
        "fr": "L'offre demande {asked:g} ans d'expérience ; les dates de votre CV en font "
              "{held:g}. N'arrondissez pas : mettez en avant ce que ces années ont produit.",
    },
    "language_low": {
        "en": "The posting asks for {tongue} at level {asked}; your CV states {held} (line "
              "{line}). Work on it and have it certified before you claim more.",
        "fr": "L'offre demande le niveau {asked} en {tongue} ; votre CV indique {held} (ligne "
              "{line}). Progressez et faites-le certifier avant d'annoncer plus.",
    },
    "language_missing": {
        "en": "The posting asks for {tongue}{asked}; your CV does not state it. If you speak "
              "it, add it to your languages with your real level (A1-C2); if not, it is a gap.",
        "fr": "L'offre demande {tongue}{asked} ; votre CV ne l'indique pas. Si vous le "
              "parlez, ajoutez-le à vos langues avec votre vrai niveau (A1-C2) ; sinon, c'est "
              "un manque.",
    },
})  # fmt: skip


@dataclass(frozen=True)
class Gap:
    name: str
    kind: str  # required / nice
    importance: str  # high (required) / low (nice to have)
    points: float  # what it costs in the score (points possible minus earned)
    advice: str
    evidence: tuple[Line, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "importance": self.importance,
                "points": self.points, "advice": self.advice,
                "evidence": [e.cite() for e in self.evidence]}  # fmt: skip


def gaps(report: Report) -> list[Gap]:
    """The missing requirements, required ones first, each with its advice."""
    found = [_gap(m, report) for m in report.missing]
    return sorted(found, key=lambda g: (g.kind != "required", -g.points))


def _gap(missing: Match, report: Report) -> Gap:
    need = missing.requirement
    language = report.cv.language
    lost = round(missing.possible - missing.points, 2)
    importance = "high" if need.kind == "required" else "low"

    def make(advice: str, evidence: tuple[Line, ...] = ()) -> Gap:
        return Gap(need.name, need.kind, importance, lost, advice, evidence)

    if need.category == "experience":
        return make(WORDS.say("years", language, asked=need.years or 0, held=report.cv_years),
                    missing.evidence)  # fmt: skip
    if need.category == "language":
        code = need.key.split(":", 1)[1]
        shown = languages.label(code, language)
        asked = languages.level_name(need.level, language)
        if missing.evidence:
            line = missing.evidence[0]
            return make(WORDS.say("language_low", language, tongue=shown, asked=asked,
                                  held=missing.note, line=line.number), (line,))  # fmt: skip
        return make(WORDS.say("language_missing", language, tongue=shown,
                              asked=f" ({asked})" if asked else ""))  # fmt: skip
    skills = taxonomy()
    skill = skills.get(need.key)
    for related in skill.related:
        lines = skill_lines(report.cv, related)
        if lines:
            held = skills.get(related).label(language)
            return make(WORDS.say("adjacent", language, held=held, skill=need.name,
                                  line=lines[0].number), (lines[0],))  # fmt: skip
    return make(WORDS.say("learn", language, skill=need.name))
