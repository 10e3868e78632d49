"""The skills list (data/skills.json): English and French labels, synonyms and spelling
variants, matched in code.

    skills = taxonomy()
    for found in skills.find("Built pipelines with Airflow and dbt"):
        found.skill.id, found.text          # "airflow", "Airflow"

Matching is on folded words (lower case, no accents, a plural 's' dropped), as whole words in
a row: "Apache Airflow", "airflow" and "AIRFLOW" are one skill; "modélisation dimensionnelle"
and "dimensional modelling" are another, whatever the language of the text. `exact` variants
(Excel, SAP, Epic, React...) are common words as well: they match only as written.

Why a curated file rather than ESCO: see the README's CV section. The file is versioned
(`version`); each result names the version it was computed with.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from causerie import textproc

DATA = Path(__file__).parent / "data" / "skills.json"

_TOKEN = re.compile(r"[a-z0-9]+[+#]*")


def tokens(text: str) -> list[str]:
    """Folded word tokens for matching: 'Node.js' -> node, js; 'pipelines' -> pipeline."""
    return [_singular(t) for t in _TOKEN.findall(textproc.fold(text))]


def _singular(token: str) -> str:
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


@dataclass(frozen=True, slots=True)
class Skill:
    id: str
    labels: dict[str, str]  # {"en": ..., "fr": ...}
    related: tuple[str, ...]

    def label(self, language: str) -> str:
        return self.labels.get(language) or self.labels["en"]


@dataclass(frozen=True, slots=True)
class Found:
    """One skill found in a text: the words as written there, and where (characters)."""

    skill: Skill
    text: str
    start: int
    end: int


class Taxonomy:
    def __init__(self, data: dict[str, object]) -> None:
        self.version = str(data["version"])
        self.skills: dict[str, Skill] = {}
        self._folded: dict[tuple[str, ...], str] = {}
        self._aliases: dict[str, list[str]] = {}
        self._exact: list[tuple[re.Pattern[str], str]] = []
        entries = data["skills"]
        assert isinstance(entries, list)
        for entry in entries:
            skill = Skill(
                entry["id"], {"en": entry["en"], "fr": entry["fr"]}, tuple(entry.get("related", ()))
            )
            if skill.id in self.skills:
                raise ValueError(f"{DATA}: skill {skill.id!r} is listed twice")
            self.skills[skill.id] = skill
            self._aliases[skill.id] = [*entry.get("aliases", ()), *entry.get("exact", ())]
            for alias in entry.get("aliases", ()):
                key = tuple(tokens(alias))
                if key:
                    self._folded.setdefault(key, skill.id)
            for variant in entry.get("exact", ()):
                pattern = re.compile(rf"(?<![\w.+#-]){re.escape(variant)}(?![\w+#])")
                self._exact.append((pattern, skill.id))
        for skill in self.skills.values():
            unknown = [r for r in skill.related if r not in self.skills]
            if unknown:
                raise ValueError(f"{DATA}: {skill.id!r} relates to unknown {unknown}")
        self._longest = max((len(k) for k in self._folded), default=1)

    def get(self, skill_id: str) -> Skill:
        return self.skills[skill_id]

    def aliases(self, skill_id: str) -> list[str]:
        """The synonyms and variants of a skill, as the list writes them."""
        return list(self._aliases.get(skill_id, ()))

    def find(self, text: str) -> list[Found]:
        """The skills a text names, in order of appearance, each once (its first mention)."""
        spans = list(_token_spans(text))
        found: dict[str, Found] = {}
        index = 0
        while index < len(spans):
            for size in range(min(self._longest, len(spans) - index), 0, -1):
                key = tuple(t for t, _, _ in spans[index : index + size])
                skill_id = self._folded.get(key)
                if skill_id is not None:
                    start, end = spans[index][1], spans[index + size - 1][2]
                    found.setdefault(skill_id, Found(self.skills[skill_id], text[start:end],
                                                     start, end))  # fmt: skip
                    index += size - 1
                    break
            index += 1
        for pattern, skill_id in self._exact:
            match = pattern.search(text)
            if match and skill_id not in found:
                found[skill_id] = Found(self.skills[skill_id], match.group(), *match.span())
        return sorted(found.values(), key=lambda f: f.start)

    def ids(self, text: str) -> set[str]:
        return {f.skill.id for f in self.find(text)}


def _token_spans(text: str) -> Iterator[tuple[str, int, int]]:
    """(folded token, start, end) over `text`. Folding keeps one character per character for
    the letters we meet (accents are combining marks, dropped one for one), so spans line up."""
    folded = "".join(_fold_char(c) for c in text)
    for match in _TOKEN.finditer(folded):
        yield _singular(match.group()), match.start(), match.end()


def _fold_char(char: str) -> str:
    folded = textproc.fold(char)
    return folded if len(folded) == 1 else char.lower()[:1] or " "


@cache
def taxonomy() -> Taxonomy:
    """The shipped skills list, read once."""
    return Taxonomy(json.loads(DATA.read_text(encoding="utf-8")))
