"""The invention check for the CV assistant: a generated line against the CV lines it cites,
with the skills list as the concepts it may not add (`causerie.assistants.kit.novelty`)."""

from __future__ import annotations

from collections.abc import Iterable

from causerie import grounding
from causerie.assistants.cv.taxonomy import taxonomy
from causerie.assistants.kit.novelty import Addition, added_facts


def synonyms_of(text: str) -> str:
    """Every label and synonym of the skills `text` names: a rewrite may use any of them."""
    skills = taxonomy()
    words: list[str] = []
    for skill_id in sorted(skills.ids(text)):
        skill = skills.get(skill_id)
        words.extend(skill.labels.values())
        words.extend(skills.aliases(skill_id))
    return "\n".join(words)


def inventions(
    text: str, sources: Iterable[str], *, allowed: str = "", names_allowed: str = ""
) -> list[Addition]:
    """What `text` adds to the CV lines `sources`: numbers, dates, skills, titles, degrees,
    responsibilities, language levels, certifications, names."""
    source = "\n".join(sources)
    return added_facts(text, source, allowed=f"{synonyms_of(source)}\n{allowed}",
                       names_allowed=names_allowed, concepts=taxonomy().ids)  # fmt: skip


def dropped_figures(text: str, source: str) -> list[str]:
    """The numbers of `source` that `text` leaves out (a rewrite keeps every figure)."""
    return sorted(grounding.numbers_in(source) - grounding.numbers_in(text))
