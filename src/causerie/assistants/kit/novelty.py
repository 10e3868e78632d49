"""Does a rewritten line add a fact its source does not hold? For rewrites that must never
invent (a tailored CV, a cover letter, a reply draft, a repurposed post).

    added = added_facts("Led a team of 12 on Airflow", "Built pipelines with Airflow")
    [a.describe() for a in added]   # ['the number 12', 'the responsibility "led"']

A rewrite may reword and reorder; it may not add, compared with its source:
- a number, a figure or a date written in digits ('12', '2019', '03/2019' must be copied
  exactly: '3/2019' for '03/2019' is an addition), a number written in words ('twelve',
  'douze'), a month name;
- a name or a quoted span (`support.missing_names_and_quotes`);
- a term of the kinds in `terms` (by default: degrees, job titles, responsibilities such as
  'led' or 'encadré', language levels, certifications), English and French, accents aside;
- a concept the caller recognises (`concepts`, e.g. the skills of a skills list: 'Kubernetes'
  in the rewrite, not in the source, is an addition; 'Apache Airflow' for 'Airflow' is not).

`allowed` is more text whose names and terms the rewrite may use (e.g. the other labels of a
skill the source names); `names_allowed`, text whose names only it may use (the company a
letter is written to). The check is in code and errs on the side of refusing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from causerie import grounding, textproc
from causerie.assistants.kit.support import missing_names_and_quotes

NUMBER_WORDS = frozenset(
    """two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty
    fifty hundred hundreds thousand thousands million millions dozen dozens deux trois quatre
    cinq six sept huit neuf dix onze douze quinze vingt trente quarante cinquante cent cents
    centaine centaines mille millier milliers million millions dizaine dizaines douzaine""".split()
)
MONTH_WORDS = frozenset(
    """january february march april june july august september october november december
    janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre""".split()
)
TERMS: dict[str, tuple[str, ...]] = {
    "degree": ("bachelor", "bachelors", "bachelor's", "master", "masters", "master's", "msc",
               "mba", "phd", "doctorate", "doctorat", "licence", "bts", "dut", "degree",
               "diplome", "diplomee", "diplome d'ingenieur", "engineering degree", "mastere"),
    "title": ("senior", "lead", "principal", "head", "chief", "director", "directeur",
              "directrice", "manager", "responsable", "chef", "vp", "vice president", "cto",
              "cfo", "ceo", "architect", "architecte", "expert", "experte", "supervisor",
              "superviseur", "superviseure", "cadre", "team leader"),
    "responsibility": ("led", "lead", "leading", "managed", "managing", "supervised",
                       "mentored", "headed", "directed", "oversaw", "encadre", "encadree",
                       "encadrement", "dirige", "dirigee", "manage", "managee", "supervise",
                       "supervisee", "pilote", "pilotee", "team of", "equipe de"),
    "level": ("native", "fluent", "bilingual", "courant", "bilingue", "maternelle", "a1", "a2",
              "b1", "b2", "c1", "c2", "advanced", "avance", "expert"),
    "certification": ("certified", "certifie", "certifiee", "certification", "certificate",
                      "certificat", "accredited", "habilitation"),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Addition:
    """One fact a rewrite adds: its kind ('number', 'date', 'name', 'degree', 'skill', ...)
    and the words as the rewrite writes them."""

    kind: str
    text: str

    def describe(self) -> str:
        shown = self.text if self.kind == "number" else f'"{self.text}"'
        return f"the {self.kind} {shown}"


def _folded_words(text: str) -> list[str]:
    return [textproc.fold(w) for w in textproc.words(text)]


def _phrases(words: list[str], phrases: Iterable[str]) -> list[str]:
    running = f" {' '.join(words)} "
    found = []
    for phrase in phrases:
        folded = " ".join(_folded_words(phrase))
        if folded and f" {folded} " in running:
            found.append(phrase)
    return found


def added_facts(
    text: str,
    source: str,
    *,
    allowed: str = "",
    names_allowed: str = "",
    terms: Mapping[str, Iterable[str]] = TERMS,
    concepts: Callable[[str], Iterable[str]] | None = None,
    concept_kind: str = "skill",
) -> list[Addition]:
    """The facts `text` states that `source` (with `allowed`) does not: numbers and dates,
    concepts, terms, then names (a word is reported once, under its first kind)."""
    added: list[Addition] = []
    held_numbers = grounding.numbers_in(source)
    for number in sorted(grounding.numbers_in(text) - held_numbers):
        added.append(Addition("number", number))
    words = _folded_words(text)
    held_words = set(_folded_words(f"{source}\n{allowed}"))
    for word in dict.fromkeys(words):
        if word in NUMBER_WORDS and word not in held_words:
            added.append(Addition("number", word))
        elif word in MONTH_WORDS and word not in held_words:
            added.append(Addition("date", word))
    held = _folded_words(f"{source}\n{allowed}")
    for kind, phrases in terms.items():
        in_source = set(_phrases(held, phrases))
        for phrase in _phrases(words, phrases):
            if phrase not in in_source:
                added.append(Addition(kind, phrase))
    if concepts is not None:
        known = set(concepts(f"{source}\n{allowed}"))
        for concept in dict.fromkeys(concepts(text)):
            if concept not in known:
                added.append(Addition(concept_kind, concept))
    for name in missing_names_and_quotes(text, f"{source}\n{allowed}\n{names_allowed}"):
        added.append(Addition("quote" if name.startswith("“") else "name", name))
    return _without_repeats(added)


def _without_repeats(added: list[Addition]) -> list[Addition]:
    seen: set[str] = set()
    kept = []
    for addition in added:
        key = textproc.fold(addition.text)
        if key not in seen:
            seen.add(key)
            kept.append(addition)
    return kept


def why(added: Iterable[Addition]) -> str:
    """One sentence: 'adds the number 12 and the title "senior", which the source does not
    state'."""
    parts = [a.describe() for a in added]
    if not parts:
        return ""
    listed = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    return f"adds {listed}, which the source does not state"
