"""Language handling: which language to write in, how a prompt names it, and an assistant's
own words in the languages it speaks.

    language = check_language(option) or text_language(typed_text, source_languages)
    prompt = f"Write the question in {prompt_name(language)}."
    WORDS = Phrasebook({"hint": {"en": "Hint: {hint}", "fr": "Indice : {hint}"}})
    WORDS.say("hint", language, hint="...")       # French words for "fr", English otherwise

Generated content is written in its passage's language (Source.language) unless one is asked
for. An assistant's own words (feedback, hints) exist in English and French; other languages
get English words around content written in the passage's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from causerie import grounding
from causerie.errors import InputError

SPOKEN = ("en", "fr")  # languages of the assistant's own words

# Names the prompts use for the language to write in (the model reads English instructions).
PROMPT_NAMES = {
    "en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian",
    "nl": "Dutch", "pt": "Portuguese",
}  # fmt: skip


def spoken(language: str) -> str:
    """The language of the assistant's own words for content in `language`."""
    return language if language in SPOKEN else "en"


def prompt_name(language: str) -> str:
    """How a prompt names the language to write in."""
    return PROMPT_NAMES.get(language, "the same language as the passage")


def check_language(language: str | None) -> str | None:
    """A `--language` value as a code, or None; InputError for a language we cannot name."""
    if language is None:
        return None
    code = language.strip().lower()
    if code not in PROMPT_NAMES:
        known = ", ".join(sorted(PROMPT_NAMES))
        raise InputError("--language", f"{language!r} is not one of: {known}")
    return code


def text_language(text: str, fallback: Iterable[str]) -> str:
    """The language of a short text typed by the user, when its stop words tell clearly;
    else the most common of `fallback` (e.g. the notebook's source languages), else English."""
    voted = grounding.stop_word_vote(text)
    if voted is not None:
        return voted
    counted: dict[str, int] = {}
    for language in fallback:
        if language in grounding.LANGUAGE_NAMES:
            counted[language] = counted.get(language, 0) + 1
    return max(counted, key=counted.__getitem__) if counted else "en"


@dataclass(frozen=True, slots=True)
class Phrasebook:
    """An assistant's own words: key -> {language: template}, English always among them."""

    texts: Mapping[str, Mapping[str, str]]

    def say(self, key: str, language: str, **values: object) -> str:
        """The words for `key` in the language spoken for `language`, filled with `values`."""
        return self.texts[key][spoken(language)].format(**values)
