"""Spoken languages and their levels, as CVs and postings write them (FR and EN).

    spoken_in("Anglais courant (C1)")  # [("en", 5)]
    level_name(5, "fr")                # "C1"

Levels follow the CEFR (A1 = 1 ... C2 = 6); 'native' / 'langue maternelle' / 'bilingual' is 7.
A level written in words maps to the CEFR level it usually means: fluent / courant = C1,
professional / professionnel = B2, intermediate / intermédiaire = B1, basic / notions = A2.
"""

from __future__ import annotations

import re

from causerie import textproc

NAMES = {
    "en": ("english", "anglais"), "fr": ("french", "francais"), "de": ("german", "allemand"),
    "es": ("spanish", "espagnol"), "it": ("italian", "italien"),
    "nl": ("dutch", "neerlandais"), "pt": ("portuguese", "portugais"),
    "ar": ("arabic", "arabe"), "zh": ("chinese", "mandarin", "chinois"),
}  # fmt: skip
LABELS = {
    "en": {"en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian",
           "nl": "Dutch", "pt": "Portuguese", "ar": "Arabic", "zh": "Chinese"},
    "fr": {"en": "anglais", "fr": "français", "de": "allemand", "es": "espagnol",
           "it": "italien", "nl": "néerlandais", "pt": "portugais", "ar": "arabe",
           "zh": "chinois"},
}  # fmt: skip
CEFR = {"a1": 1, "a2": 2, "b1": 3, "b2": 4, "c1": 5, "c2": 6}
WORDS = (
    (7, ("native", "mother tongue", "bilingual", "langue maternelle", "maternelle", "bilingue")),
    (5, ("fluent", "fluently", "fluency", "courant", "couramment", "full professional",
         "excellent", "parfaite maitrise", "maitrise parfaite")),
    (4, ("professional", "professionnel", "working proficiency", "good", "bon", "bonne",
         "operationnel", "operationnelle", "maitrise", "proficient", "proficiency")),
    (3, ("intermediate", "intermediaire", "conversational")),
    (2, ("basic", "notions", "scolaire", "elementary", "beginner", "debutant")),
)  # fmt: skip
_CEFR = re.compile(r"\b([abc][12])\b")
_LEVEL_NAMES = {1: "A1", 2: "A2", 3: "B1", 4: "B2", 5: "C1", 6: "C2"}


def label(code: str, language: str) -> str:
    return LABELS.get(language, LABELS["en"]).get(code, code)


def level_name(level: int | None, language: str) -> str:
    if level is None:
        return ""
    if level >= 7:
        return "langue maternelle" if language == "fr" else "native"
    return _LEVEL_NAMES[level]


def level_in(text: str) -> int | None:
    """The level a text states (the highest CEFR code it names, else its level words)."""
    folded = textproc.fold(text)
    codes = [CEFR[c] for c in _CEFR.findall(folded)]
    if codes:
        return min(codes)  # "B2 minimum" / "B2-C1": the lower bound is what is asked or held
    for level, words in WORDS:
        if any(re.search(rf"\b{re.escape(w)}\b", folded) for w in words):
            return level
    return None


def spoken_in(text: str) -> list[tuple[str, int | None]]:
    """The languages a line names, each with the level the line states (None if none). One
    level for the line: 'English (C1), Spanish (B1)' is read clause by clause."""
    found: list[tuple[str, int | None]] = []
    for clause in re.split(r"[,;|•/]| - | – ", text):
        folded = textproc.fold(clause)
        for code, names in NAMES.items():
            named = any(re.search(rf"\b{name}\b", folded) for name in names)
            if named and code not in [c for c, _ in found]:
                found.append((code, level_in(clause)))
    return found
