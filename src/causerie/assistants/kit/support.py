"""Support checks, in code, not by the model: is a generated claim written in its passage, are
two answers the same, does a text give an answer away.

    found = answer_support("ATP stores the energy", passage)  # a summary: most of its words
    found = copied_from(answer, hit, language)              # a short answer: every word
    if not found.supported:
        raise Rejected(f"the answer is not in the passage: it {found.reason}")

A claim is supported by its passage when every number it states is in the passage, every name
(`names_in`: Bastille, ATP, McGill) and every quoted span are too, and most of its content words
(stemmed in English and French, accents folded) are. A claim in another language than its
passage shares no stems and may spell names otherwise; then numbers are still checked, and,
only when an embedder is there, a high similarity of the question-and-claim to the passage
stands in for the words.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from causerie import grounding, textproc
from causerie.assistants.kit.dates import MONTHS, WEEKDAYS
from causerie.claims import (
    _ALL_STOP_WORDS,
    _QUOTED,
    _WORD_TOKEN,
    Verdict,
    missing_names_and_quotes,
    names_in,
    quotes_in,
    sentences,
    stated_numbers,
    verify_claims,
)
from causerie.embedders.base import Embedder
from causerie.types import Hit

__all__ = [
    "ALIGNED",
    "ANSWER_SHARE",
    "SUPPORT_SHARE",
    "Support",
    "Verdict",
    "aligned",
    "answer_key",
    "answer_support",
    "answers_question",
    "best_sentence",
    "copied_from",
    "dates_in",
    "gives_away",
    "is_question_or_term",
    "missing_dates",
    "missing_names_and_quotes",
    "names_in",
    "overlap",
    "quotes_in",
    "same_answer",
    "sentences",
    "unattributed_quotes",
    "verify_claims",
]

SUPPORT_SHARE = 0.6  # share of a text's content words that its passage must hold (summaries)
ANSWER_SHARE = 1.0  # a generated answer must be copied: every content word in the passage
SAME_LANGUAGE_DENSE = grounding.DENSE_RELEVANT


@dataclass(frozen=True, slots=True)
class Support:
    """The verdict of a support check, with what the passage lacks and why, in words."""

    supported: bool
    share: float  # content words found in the passage / content words of the answer
    method: str  # "terms", "dense", or "none"
    missing: tuple[str, ...] = field(default=())  # words or numbers the passage lacks
    reason: str = ""


def _content(text: str) -> list[str]:
    return [w for w in textproc.content_words(text) if not w[0].isdigit()]


def _stems(word: str) -> set[str]:
    return set(textproc.query_terms(word)) | {textproc.fold(word)}


def answer_support(
    answer: str,
    passage: str,
    *,
    embedder: Embedder | None = None,
    question: str = "",
    cross_language: bool = False,
    share_needed: float = SUPPORT_SHARE,
) -> Support:
    """Whether `passage` states `answer`. `question` helps the similarity check of an answer
    in another language than the passage (`cross_language`), the only case it is used in."""
    numbers = grounding.numbers_in(answer)
    missing_numbers = sorted(numbers - grounding.numbers_in(passage, with_parts=True))
    if missing_numbers:
        reason = f"states {', '.join(missing_numbers)}, which the passage does not"
        return Support(False, 0.0, "none", tuple(missing_numbers), reason)
    words = _content(answer)
    if not words:
        if numbers:
            return Support(True, 1.0, "terms")
        return Support(False, 0.0, "none", reason="has no content words to check")
    passage_stems = set(textproc.query_terms(passage))
    missing = tuple(w for w in words if not _stems(w) & passage_stems)
    share = 1 - len(missing) / len(words)
    if share >= share_needed - 1e-9:
        absent = missing_names_and_quotes(answer, passage)
        if absent:
            reason = f"names {', '.join(absent)}, which the passage does not"
            return Support(False, share, "none", tuple(absent), reason)
        return Support(True, share, "terms", missing)
    if cross_language and embedder is not None:
        vectors = embedder.embed([f"{question} {answer}".strip(), passage], kind="passage")
        if float(np.dot(vectors[0], vectors[1])) >= SAME_LANGUAGE_DENSE:
            return Support(True, share, "dense", missing)
    needed = math.ceil(share_needed * len(words))
    return Support(False, share, "none", missing,
                   f"only {len(words) - len(missing)} of its {len(words)} content words are in "
                   f"the passage (needs {needed}); missing: {', '.join(missing)}")  # fmt: skip


def copied_from(
    answer: str,
    hit: Hit,
    language: str,
    *,
    question: str = "",
    embedder: Embedder | None = None,
) -> Support:
    """Whether a short generated answer written in `language` is copied from its passage:
    every content word there (the bar for quiz answers, card backs, tutor answers). In another
    language than the passage's, the question-and-answer's similarity stands in (embedder)."""
    return answer_support(
        answer,
        hit.chunk.text,
        embedder=embedder,
        question=question,
        cross_language=language != hit.source.language,
        share_needed=ANSWER_SHARE,
    )


def answer_key(text: str) -> frozenset[str]:
    """What an answer says, for comparing two answers: stems of its content words and its
    numbers ('3 weeks' and 'three weeks' differ; 'Weeks!' and 'week' do not)."""
    stems = {min(_stems(w)) for w in _content(text)}
    return frozenset(stems | grounding.numbers_in(text))


def same_answer(a: str, b: str) -> bool:
    """Whether two answers say the same ('Chloroplasts!' and 'the chloroplast' do; '3 weeks'
    and 'three weeks' do not): their answer keys, else their folded texts."""
    key_a, key_b = answer_key(a), answer_key(b)
    if key_a and key_b:
        return key_a == key_b
    return textproc.fold(a).strip(" .!?") == textproc.fold(b).strip(" .!?")


def gives_away(text: str, answer: str) -> bool:
    """True when every content word and number of `answer` is already in `text`."""
    key = answer_key(answer)
    if not key:
        return False
    held = {min(_stems(w)) for w in _content(text)} | grounding.numbers_in(text)
    return key <= held


def overlap(reference: str, given: str, question: str = "") -> float:
    """Share of the reference's content words (and numbers) found in the given answer.

    Words of the reference that the question already holds need not be repeated ('2000' for
    '2000 mitochondria' when asked how many mitochondria), unless nothing else is left."""
    words = _content(reference)
    numbers = grounding.numbers_in(reference)
    if question:
        asked = set(textproc.query_terms(question))
        new_words = [w for w in words if not _stems(w) & asked]
        if new_words or numbers:
            words = new_words
    if not words and not numbers:
        return 0.0
    given_stems = set(textproc.query_terms(given)) | {textproc.fold(w) for w in _content(given)}
    given_numbers = grounding.numbers_in(given, with_parts=True)
    found = sum(bool(_stems(w) & given_stems) for w in words)
    found += len(numbers & given_numbers)
    return found / (len(words) + len(numbers))


def best_sentence(passage: str, answer: str) -> str:
    """The passage's sentence that states the answer best (the first among equals)."""
    found = sentences(passage)
    if not found:
        return passage.strip()
    return max(found, key=lambda s: overlap(answer, s))


ALIGNED = 0.8  # the answer's sentence must match the question nearly as well as the best one


def aligned(question: str, answer: str, passage: str) -> bool:
    """Whether the answer comes from the sentence the question is about.

    A small model may copy a true fact from the wrong sentence ('how many droplets in a
    raindrop?' -> 'about nine days'). The sentence holding the answer must share nearly as many
    of the question's words as the passage's best sentence for the question. When no sentence
    shares any (a question in another language than the passage), this cannot tell: True.
    """
    found = sentences(passage)
    if len(found) < 2:
        return True
    scores = [overlap(question, sentence) for sentence in found]
    best = max(scores)
    if best == 0:
        return True
    holding = [
        s
        for s, sentence in zip(scores, found, strict=True)
        if overlap(answer, sentence) >= SUPPORT_SHARE
    ]
    return bool(holding) and max(holding) >= ALIGNED * best


# Month and weekday names (English and French, accents folded; kit.dates' tables) -> one key per
# date word, so that "July" and "juillet" are the same date word and "June" for "July" is a
# changed one. kit.dates.invented_facts resolves whole dates (a day and a month, "next Friday")
# against the day a text was written; this also catches a month or a weekday named alone.
_DATE_WORDS = {
    **{textproc.fold(w): f"month-{m}" for w, m in MONTHS.items()},
    **{textproc.fold(w): f"day-{d + 1}" for w, d in WEEKDAYS.items()},
}
# also a verb, a planet, a number or a short word: only beside a number
_AMBIGUOUS_DATE_WORDS = {"may", "mars", "march", "sept", "jan", "feb", "apr", "jun", "jul", "aug",
                         "sep", "oct", "nov", "dec"}  # fmt: skip


def dates_in(text: str) -> set[str]:
    """The month and weekday names a text states, as language-free keys ('July' and 'juillet'
    give 'month-7'). 'may', 'march' and 'mars' count only next to a number ('in May 2024',
    '3 mars'), since they are also verbs or a planet; years and days are numbers_in's."""
    tokens = [textproc.fold(w) for w in textproc.words(text)]
    found: set[str] = set()
    for i, token in enumerate(tokens):
        key = _DATE_WORDS.get(token)
        if key is None:
            continue
        if token in _AMBIGUOUS_DATE_WORDS:
            beside = tokens[max(0, i - 1) : i] + tokens[i + 1 : i + 2]
            if not any(t[0].isdigit() for t in beside):
                continue
        found.add(key)
    return found


def missing_dates(claim: str, passage: str) -> list[str]:
    """The month and weekday names of `claim` that `passage` does not state (in either
    language), e.g. ['June'] for a claim saying June where the passage says July."""
    held = dates_in(passage) | {_DATE_WORDS[w] for w in map(textproc.fold,
                                textproc.words(passage)) if w in _DATE_WORDS}  # fmt: skip
    missing: dict[str, None] = {}
    for word in textproc.words(claim):
        key = _DATE_WORDS.get(textproc.fold(word))
        if key is not None and key in dates_in(claim) and key not in held:
            missing[word] = None
    return list(missing)


def _capitalised(text: str) -> set[str]:
    """Folded capitalised words of a text that are not stop words (candidate speakers)."""
    return {
        textproc.fold(m.group())
        for m in _WORD_TOKEN.finditer(text)
        if m.group()[0].isupper() and textproc.fold(m.group()) not in _ALL_STOP_WORDS
    }


def unattributed_quotes(claim: str, passage: str) -> list[str]:
    """The quoted spans of `claim` whose speaker it does not name as the passage does.

    A quote needs its attribution: a capitalised word of the claim, outside the quote itself
    ("Ada Martin said ..."), that the passage writes in the sentence holding the quote or in
    the sentence just before or after it ("... », explique Ada Martin."). A quote the passage
    does not hold at all is `missing_names_and_quotes`'s to report, not this one's."""
    speakers = _capitalised(_QUOTED.sub(" ", claim))
    passage_sentences = sentences(passage)
    flagged: list[str] = []
    for quote in quotes_in(claim):
        key = f" {textproc.fold(' '.join(textproc.words(quote)))} "
        holding = [i for i, s in enumerate(passage_sentences)
                   if key in f" {textproc.fold(' '.join(textproc.words(s)))} "]  # fmt: skip
        if not holding:
            continue
        window = " ".join(
            _QUOTED.sub(" ", passage_sentences[j])
            for i in holding
            for j in range(max(0, i - 1), min(len(passage_sentences), i + 2))
        )
        if not speakers & _capitalised(window):
            flagged.append(f"“{quote}”")
    return flagged


# What a question asks for, by its question words (folded), and how an answer shows it has it.
_ASKS_NUMBER = re.compile(
    r"\b(?:how (?:many|much|long|old|far|often)|what (?:percentage|share|proportion)|combien|"
    r"quel(?:le)? (?:pourcentage|age|part|proportion)|a quel point)\b"
)
_ASKS_DATE = re.compile(
    r"\b(?:when|what (?:date|year|day|month|time)|which (?:date|year|day|month)|"
    r"(?:key|due) date|quand|quel(?:le)? (?:date|annee|jour|mois|heure)|a quelle heure|"
    r"en quelle annee|date (?:cle|limite))\b"
)
_ASKS_PERSON = re.compile(r"^\W*(?:who|whom|qui)\b|\b(?:who|par qui|a qui)\b")
_QUESTION_START = re.compile(
    r"^\W*(?:who|whom|whose|what|which|when|where|why|how|is|are|was|were|do|does|did|can|"
    r"could|should|would|will|has|have|qui|que|quoi|quel|quelle|quels|quelles|quand|ou|"
    r"pourquoi|comment|combien|est[ -]ce|lequel|laquelle|lesquels|lesquelles)\b"
)
TERM_WORDS = 5  # a card front without a question mark must be a term this short


def is_question_or_term(text: str) -> bool:
    """Whether a card front asks something: a question ('When ...?', 'Quand ... ?') or a short
    term to define ('Orvane newt'); a statement ('The quiz counts for 5 percent.') is not."""
    stripped = text.strip()
    if stripped.endswith("?") or _QUESTION_START.match(textproc.fold(stripped)):
        return True
    return len(textproc.words(stripped)) <= TERM_WORDS and not stripped.endswith(".")


def answers_question(question: str, answer: str, passage: str) -> Support:
    """Whether `answer` answers `question` (not only whether the passage states it):

    - the kind agrees with the question's focus: a number for 'how many / combien', a date,
      a number, a month or a weekday for 'when / key date / quand', a name for 'who / qui';
    - the answer comes from the sentence the question is about (`aligned`), not from a
      neighbouring one ('What is the key date for the quiz?' -> 'It counts for 5 percent').
    """
    asked = " ".join(textproc.fold(question).replace("’", "'").split())
    facts = stated_numbers(answer)
    if _ASKS_NUMBER.search(asked) and not facts:
        return Support(False, 0.0, "none", reason="gives no number, and the question asks for one")
    if _ASKS_DATE.search(asked) and not facts:
        return Support(False, 0.0, "none",
                       reason="gives no date or time, and the question asks when")  # fmt: skip
    if _ASKS_PERSON.search(asked) and not any(w[:1].isupper() for w in answer.split()):
        return Support(False, 0.0, "none", reason="names no one, and the question asks who")
    if not aligned(question, answer, passage):
        return Support(False, 0.0, "none",
                       reason="comes from another sentence than the one the question asks "
                       "about")  # fmt: skip
    return Support(True, 1.0, "terms")
