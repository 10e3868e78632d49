"""Claim verification: does a passage state what an answer adds beyond its question?

A clause that says what the sources lack ('the price is not given') claims nothing about the
passage and is left aside. An answer restates part of its question ('the workshop opens on
Wednesdays ...') and adds the rest: numbers, names, and the words that carry the claim. Only
what it adds is checked, and checked strictly, because that is where a small model invents:

    verdict = verify_claims("When is the workshop open on Wednesdays?",
                            "On Wednesdays from 17:30 to 21:00.", passage)
    if not verdict.supported:
        print(verdict.reason)          # "states 18:00, which the passage does not"

A claim is supported when
- every number, month and weekday it states is in the passage ('10 h' matches '10:00'; 'huit'
  and 'eight' are 8; 'mars' is 'March');
- every name and quoted span it adds is in the passage;
- nearly all the content words it adds (`ADDED_SHARE`) are in the passage, stemmed in English
  and French, accents folded, filler words aside ('you can', 'vous pouvez');
- relation: the names and numbers it adds are found together in one sentence of the passage,
  or two neighbouring ones, not scattered over it (a true number from the wrong sentence);
- in another language than the passage, words cannot be compared: numbers and names are
  still checked, and, with an embedder, the claim must be close in meaning to the passage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from causerie import textproc

if TYPE_CHECKING:
    from causerie.embedders.base import Embedder

ADDED_SHARE = 0.75  # share of the added content words the passage must hold
CROSS_LANGUAGE_DENSE = 0.815  # grounding.DENSE_RELEVANT: on-topic passages score above it
SENTENCE_WINDOW = 3  # the added names and numbers sit within this many neighbouring sentences

# Number words read as digits, so that 'huit documents' matches '8 documents'. 'one', 'un',
# 'une' are left out: they are mostly articles and pronouns.
NUMBER_WORDS = {
    word: str(value)
    for value, words in {
        2: "two deux", 3: "three trois", 4: "four quatre", 5: "five cinq", 6: "six",
        7: "seven sept", 8: "eight huit", 9: "nine neuf", 10: "ten dix", 11: "eleven onze",
        12: "twelve douze", 13: "thirteen treize", 14: "fourteen quatorze", 15: "fifteen quinze",
        16: "sixteen seize", 17: "seventeen", 18: "eighteen", 19: "nineteen", 20: "twenty vingt",
        30: "thirty trente", 40: "forty quarante", 50: "fifty cinquante", 60: "sixty soixante",
        100: "hundred cent", 1000: "thousand mille",
    }.items()
    for word in words.split()
}  # fmt: skip

# Months and weekdays, in English and French, read as one token each ('March' and 'mars' are
# 'month-3'): checked like numbers, in either language.
DATE_WORDS = {
    word: f"{kind}-{value}"
    for kind, names in {
        "month": "january february march april may june july august september october "
        "november december|janvier fevrier mars avril mai juin juillet aout septembre octobre "
        "novembre decembre",
        "day": "monday tuesday wednesday thursday friday saturday sunday|lundi mardi mercredi "
        "jeudi vendredi samedi dimanche",
    }.items()
    for language in names.split("|")
    for value, word in enumerate(language.split(), start=1)
}
for _plural in [w for w in DATE_WORDS if w.endswith("day")]:
    DATE_WORDS[_plural + "s"] = DATE_WORDS[_plural]
DATE_WORDS.pop("may")  # the modal verb far more often than the month

# Words an answer uses to phrase a claim without adding to it.
FILLER = frozenset(
    """yes no neither nor none nothing can may might must need needs get gets got only just
    each every per up whole answer source sources passage text according states stated
    mentioned given provided
    oui non aucun aucune rien pouvez pouvons peux peut peuvent doit doivent devez dois faut
    chaque jusqu environ seulement seul seule réponse source sources passage texte indique
    indiqué donc ainsi également""".split()
)

# A clause that says what the sources do not hold ("the price is not given", "le code n'est
# pas indiqué"): not a claim about the passage, so not checked against it.
_LACKS = re.compile(
    r"\b(?:do(?:es)?n'?t|do(?:es)? not|not|never)\s+(?:say|state|mention|give|specify|indicate|"
    r"list|include|provide|cover|name|tell|contain|answer)"
    r"|\bno (?:information|mention|details?)\b"
    r"|\b(?:is|are) not (?:given|stated|mentioned|specified|listed|provided|available|known|"
    r"named|indicated|included)"
    r"|\bunknown\b|\bnot (?:in|covered by) the sources\b"
    r"|\bne (?:le |la |les |l')?(?:precise|precisent|dit|disent|mentionne|mentionnent|indique|"
    r"indiquent|donne|donnent|couvre|couvrent|contient|contiennent|fournit|fournissent|nomme|"
    r"nomment|communique|communiquent|parle|parlent|repond|repondent)"
    r"|\bn'(?:indique|indiquent|est pas|apparait|y a pas|existe)"
    r"|\bpas (?:indique|precise|mentionne|donne|communique|fourni|nomme|connu)"
    r"|\baucune? (?:information|mention|precision|indication)\b|\binconnu"
)
_CLAUSE = re.compile(r"(?<=[.!?…;])\s+|\s+[—–-]\s+|\s*\(|\)\s*")


def says_lacking(text: str) -> bool:
    """Whether a text says that something is not given ('the password is not given', 'les
    sources ne précisent pas ...'): how a partial answer names what its sources lack."""
    folded = " ".join(textproc.fold(text).replace("’", "'").split())
    return bool(_LACKS.search(folded))


def claimed_part(answer: str) -> str:
    """The answer less its clauses that say what the sources lack."""
    return " ".join(c for c in _CLAUSE.split(answer) if c.strip() and not says_lacking(c))


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a passage supports what an answer adds, and, if not, what it lacks and why."""

    supported: bool
    added: tuple[str, ...] = ()  # the content words the answer adds to its question
    missing: tuple[str, ...] = ()  # numbers, names, quotes or words the passage lacks
    method: str = "terms"  # "terms", "dense" (cross-language), or "none"
    reason: str = ""
    details: dict[str, float] = field(default_factory=dict)


def numbers_in(text: str, with_parts: bool = False) -> set[str]:
    """The numbers a text states in digits ('0,25' and '0.25' alike). With parts, '10:00'
    also gives '10', so that '10 h' in an answer matches '10:00' in its source."""
    found: set[str] = set()
    for word in textproc.words(text):
        if word[0].isdigit():
            number = word.replace(",", ".")
            found.add(number)
            if with_parts:
                found.update(re.split(r"[:.]", number))
    return found


def stated_numbers(text: str, with_parts: bool = False) -> set[str]:
    """Numbers in digits and in words ('huit', 'eight' -> '8'), months and weekdays as
    tokens ('mars', 'March' -> 'month-3')."""
    words = {NUMBER_WORDS.get(w) or DATE_WORDS.get(textproc.fold(w))
             for w in textproc.words(text)}  # fmt: skip
    return numbers_in(text, with_parts) | {w for w in words if w}


def stems(word: str) -> set[str]:
    """A word's forms for matching: its stems in the query languages and its folded self."""
    return set(textproc.query_terms(word)) | {textproc.fold(word)}


def _held(text: str) -> set[str]:
    return set(textproc.query_terms(text)) | {textproc.fold(w) for w in textproc.words(text)}


def claim_words(text: str) -> list[str]:
    """Content words that carry a claim: stop words, filler, numbers and number words aside."""
    return [
        w
        for w in textproc.content_words(text)
        if not w[0].isdigit()
        and w not in NUMBER_WORDS
        and textproc.fold(w) not in _FOLDED_FILLER
        and textproc.fold(w) not in DATE_WORDS
    ]


_FOLDED_FILLER = frozenset(textproc.fold(w) for w in FILLER)

# ----------------------------------------------------------------------------- names, quotes

_WORD_TOKEN = re.compile(r"[^\W\d_][^\W_]*")
_QUOTED = re.compile(r'"([^"\n]+)"|“([^”\n]+)”|«([^»\n]+)»')
_ALL_STOP_WORDS = frozenset().union(*textproc.STOP_WORDS.values())
_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n\s*\n")
_HEADING_LINE = re.compile(r"^(#.*)$", re.MULTILINE)


def sentences(text: str) -> list[str]:
    """The text's sentences; Markdown heading lines are left out while others remain."""
    paragraphs = _HEADING_LINE.sub(r"\n\1\n", text)  # a heading is never part of a sentence
    found = [" ".join(s.split()) for s in _SENTENCE.split(paragraphs) if re.search(r"\w", s)]
    prose = [s for s in found if not s.startswith("#")]
    return prose or found


def names_in(text: str) -> list[str]:
    """The words of a text that name something: a capitalised word that does not open its
    sentence (Bastille, Paris), and a word in capitals or with an inner capital wherever it
    stands (ATP, DNA, McGill). Stop words ('The', 'Le') never count; numbers are apart."""
    found: dict[str, None] = {}
    for sentence in sentences(text):
        for position, match in enumerate(_WORD_TOKEN.finditer(sentence)):
            word = match.group()
            if textproc.fold(word) in _ALL_STOP_WORDS:
                continue
            capitals = len(word) > 1 and any(c.isupper() for c in word[1:])
            if capitals or (position > 0 and word[0].isupper()):
                found[word] = None
    return list(found)


def quotes_in(text: str) -> list[str]:
    """The spans a text quotes ("...", “...”, « ... »)."""
    spans = (next(g for g in match.groups() if g) for match in _QUOTED.finditer(text))
    return [" ".join(span.split()) for span in spans if span.strip()]


def missing_names_and_quotes(claim: str, passage: str, ignore: Iterable[str] = ()) -> list[str]:
    """The names and quoted spans of `claim` that `passage` lacks (a name may be inflected:
    'Parisiens' for 'Parisien'; a quote must be there word for word, case and accents aside).
    Names whose forms are in `ignore` (e.g. the question's words) are not checked."""
    passage_words = textproc.words(passage)
    held = {textproc.fold(w) for w in passage_words} | set(textproc.query_terms(passage))
    skip = set(ignore)
    missing = [
        n
        for n in names_in(claim)
        if textproc.fold(n) not in DATE_WORDS and not stems(n) & (held | skip)
    ]
    running = f" {textproc.fold(' '.join(passage_words))} "
    for quote in quotes_in(claim):
        if f" {textproc.fold(' '.join(textproc.words(quote)))} " not in running:
            missing.append(f"“{quote}”")
    return missing


# ----------------------------------------------------------------------------- the verdict


def _vote(text: str) -> str | None:
    votes = {lang: sum(w in textproc.STOP_WORDS[lang] for w in textproc.words(text))
             for lang in textproc.QUERY_LANGUAGES}  # fmt: skip
    ranked = sorted(votes.items(), key=lambda item: item[1], reverse=True)
    return ranked[0][0] if ranked[0][1] > ranked[1][1] else None


def _together(names: list[str], numbers: set[str], passage: str) -> bool:
    """Whether every name and number has a form in one window of neighbouring sentences."""
    found = sentences(passage)
    for start in range(len(found)):
        text = " ".join(found[start : start + SENTENCE_WINDOW])
        window = _held(text)
        if all(stems(n) & window for n in names) and numbers <= stated_numbers(text, True):
            return True
    return False


def verify_claims(
    question: str,
    answer: str,
    passage: str,
    *,
    embedder: Embedder | None = None,
    answer_language: str | None = None,
    passage_language: str | None = None,
) -> Verdict:
    """Whether `passage` supports what `answer` adds to `question` (see the module's rules).

    The languages default to a stop-word vote on each text; they differ for an answer in
    another language than its passage, which is then checked by numbers, names and (with an
    embedder) meaning."""
    asked = _held(question)
    answer = claimed_part(answer)
    passage_numbers = stated_numbers(passage, with_parts=True)
    numbers = stated_numbers(answer) - stated_numbers(question, with_parts=True)
    missing_numbers = sorted(numbers - passage_numbers)
    if missing_numbers:
        reason = f"states {', '.join(missing_numbers)}, which the passage does not"
        return Verdict(False, (), tuple(missing_numbers), "none", reason)
    absent = missing_names_and_quotes(answer, passage, ignore=asked)
    if absent:
        return Verdict(False, (), tuple(absent), "none",
                       f"names {', '.join(absent)}, which the passage does not")  # fmt: skip
    added = [w for w in claim_words(answer) if not stems(w) & asked]
    answer_language = answer_language or _vote(answer) or _vote(question)
    passage_language = passage_language or _vote(passage)
    held = _held(passage)
    found = [w for w in added if stems(w) & held]
    share = len(found) / len(added) if added else 1.0
    cross = (
        answer_language is not None
        and passage_language is not None
        and answer_language != passage_language
    )
    if cross and share < ADDED_SHARE:  # other words in another language: compare meanings
        if embedder is None:
            return Verdict(True, tuple(added), (), "none", "", {"share": share})
        import numpy as np

        vectors = embedder.embed([f"{question} {answer}".strip(), passage], kind="passage")
        similarity = float(np.dot(vectors[0], vectors[1]))
        details = {"share": share, "similarity": similarity}
        if similarity >= CROSS_LANGUAGE_DENSE:
            return Verdict(True, tuple(added), (), "dense", "", details)
        return Verdict(False, tuple(added), (), "dense",
                       f"is not close enough in meaning to the passage ({similarity:.2f})",
                       details)  # fmt: skip
    missing = tuple(w for w in added if w not in found)
    if share < ADDED_SHARE:
        return Verdict(False, tuple(added), missing, "terms",
                       f"adds words the passage lacks: {', '.join(missing)}",
                       {"share": share})  # fmt: skip
    names = [
        n for n in names_in(answer) if not stems(n) & asked and textproc.fold(n) not in DATE_WORDS
    ]
    if len(names) + len(numbers) > 1 and not _together(names, numbers, passage):
        return Verdict(False, tuple(added), (), "terms",
                       "joins names and numbers that the passage does not state together",
                       {"share": share})  # fmt: skip
    return Verdict(True, tuple(added), missing, "terms", "", {"share": share})
