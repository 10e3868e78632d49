"""Detect a text's language (ISO 639-1 code) with py3langid, on a bounded sample."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

UNDETERMINED = "und"
SAMPLE_CHARS = 5000
MIN_LETTERS = 12  # fewer letters than this is too little to tell a language
MIN_CONFIDENCE = 0.5
MIN_SHARE = 0.8  # with `among`: the winner's share of the candidates' probability

_LETTERS = re.compile(r"[^\W\d_]")


@cache
def _identifier() -> Any:
    """py3langid's model, loaded once (about 0.2 s), with probabilities normalised to 0..1."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str, among: tuple[str, ...] | None = None) -> str:
    """The ISO 639-1 code of text's main language ('en', 'fr', ...), or 'und' when unsure.

    Only the first SAMPLE_CHARS characters are read: enough for a stable guess, bounded cost.
    Empty or very short text, or a guess below MIN_CONFIDENCE, gives 'und'.

    `among` restricts the answer to those languages (e.g. ('en', 'fr') for the languages an
    answer can be written in): the most likely of them is returned, which is steadier on a
    short question than a guess over a hundred languages. 'und' for too little text, or when
    no candidate clearly wins (under MIN_SHARE of the candidates' probability, as for a
    question in a language that is not among them).
    """
    sample = text[:SAMPLE_CHARS]
    if len(_LETTERS.findall(sample)) < MIN_LETTERS:
        return UNDETERMINED
    if among:
        return _best_among(sample, among)
    language, confidence = _identifier().classify(sample)
    if confidence < MIN_CONFIDENCE or not isinstance(language, str) or len(language) != 2:
        return UNDETERMINED
    return language


def _best_among(sample: str, among: tuple[str, ...]) -> str:
    scores = dict(_identifier().rank(sample))
    candidates = [(scores.get(language, 0.0), language) for language in among]
    total = sum(score for score, _ in candidates)
    best_score, best = max(candidates)
    if total <= 0.0 or best_score / total < MIN_SHARE:
        return UNDETERMINED
    return best
