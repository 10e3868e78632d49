"""The invention check for the CV assistant: a generated line against the CV lines it cites,
with the skills list as the concepts it may not add (`causerie.assistants.kit.novelty`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from causerie import grounding
from causerie.assistants.cv.taxonomy import taxonomy
from causerie.assistants.kit.language import Phrasebook
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


KINDS = {
    "en": {"number": "the number", "date": "the date", "name": "the name", "quote": "the quote",
           "skill": "the skill", "degree": "the degree", "title": "the title",
           "responsibility": "the responsibility", "level": "the level",
           "certification": "the certification"},
    "fr": {"number": "le nombre", "date": "la date", "name": "le nom", "quote": "la citation",
           "skill": "la compétence", "degree": "le diplôme", "title": "le titre",
           "responsibility": "la responsabilité", "level": "le niveau",
           "certification": "la certification"},
}  # fmt: skip
WORDS = Phrasebook({
    "adds": {"en": "adds {items}, which the CV line does not state",
             "fr": "ajoute {items}, absent de la ligne du CV"},
    "drops": {"en": "drops {figures}", "fr": "omet {figures}"},
    "and": {"en": "and", "fr": "et"},
    "off_point": {"en": "it does not say what the CV line shows ({names})",
                  "fr": "il ne dit pas ce que montre la ligne du CV ({names})"},
})  # fmt: skip


def reason(added: Sequence[Addition], dropped: Sequence[str], language: str) -> str:
    """Why a generated line is refused, in `language` (English or French): what it adds,
    what figures it drops. Empty when neither."""
    words = KINDS.get(language, KINDS["en"])
    parts = [f"{words.get(a.kind, a.kind)} {a.text if a.kind == 'number' else repr_(a.text)}"
             for a in added]  # fmt: skip
    said = []
    if parts:
        joined = parts[0] if len(parts) == 1 else (
            f"{', '.join(parts[:-1])} {WORDS.say('and', language)} {parts[-1]}")  # fmt: skip
        said.append(WORDS.say("adds", language, items=joined))
    if dropped:
        said.append(WORDS.say("drops", language, figures=", ".join(dropped)))
    return "; ".join(said)


def repr_(text: str) -> str:
    return text if text.startswith("“") else f"“{text}”"
