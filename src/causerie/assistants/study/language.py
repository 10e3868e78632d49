"""Languages of study material: which one to write in, and the few words the assistant says.

Questions are written in their passage's language (Source.language) unless one is asked for.
The assistant's own words (feedback, hints) exist in English and French; other languages get
English words around content written in the passage's language.
"""

from __future__ import annotations

from collections.abc import Iterable

from causerie import grounding, textproc

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
    from causerie.errors import InputError

    if language is None:
        return None
    code = language.strip().lower()
    if code not in PROMPT_NAMES:
        known = ", ".join(sorted(PROMPT_NAMES))
        raise InputError("--language", f"{language!r} is not one of: {known}")
    return code


def text_language(text: str, fallback: Iterable[str]) -> str:
    """The language of a short text typed by the student, when its stop words tell clearly;
    else the most common of `fallback` (e.g. the notebook's source languages), else English."""
    votes = {lang: sum(w in textproc.STOP_WORDS[lang] for w in textproc.words(text))
             for lang in SPOKEN}  # fmt: skip
    ranked = sorted(votes.items(), key=lambda item: item[1], reverse=True)
    if ranked[0][1] > ranked[1][1]:
        return ranked[0][0]
    counted: dict[str, int] = {}
    for language in fallback:
        if language in grounding.LANGUAGE_NAMES:
            counted[language] = counted.get(language, 0) + 1
    return max(counted, key=counted.__getitem__) if counted else "en"


TEXTS: dict[str, dict[str, str]] = {
    "correct": {"en": "Correct.", "fr": "Correct."},
    "partly": {"en": "Partly right.", "fr": "En partie juste."},
    "wrong": {"en": "Not quite.", "fr": "Pas tout à fait."},
    "expected": {
        "en": 'The expected answer is "{answer}".',
        "fr": "La réponse attendue : « {answer} ».",
    },
    "why": {"en": "Why: {explanation}", "fr": "Pourquoi : {explanation}"},
    "source": {"en": "Source", "fr": "Source"},
    "hint": {"en": "Hint: {hint}", "fr": "Indice : {hint}"},
    "ask_again": {
        "en": "Try once more. If you still want the answer, ask again and I will give it.",
        "fr": "Essayez encore une fois. Si vous voulez toujours la réponse, redemandez-la.",
    },
    "reveal": {"en": 'The answer is "{answer}".', "fr": "La réponse est « {answer} »."},
    "try_again": {
        "en": "Look at the passage again and try once more.",
        "fr": "Relisez le passage et réessayez.",
    },
    "close": {
        "en": "You are close. What is missing?",
        "fr": "Vous y êtes presque. Que manque-t-il ?",
    },
    "next": {"en": "Next question:", "fr": "Question suivante :"},
    "not_covered": {
        "en": "The sources in this notebook do not cover \u201c{topic}\u201d.",
        "fr": "Les sources de ce carnet ne couvrent pas « {topic} ».",
    },
    "tutor_done": {
        "en": "That is all I can ask about \u201c{topic}\u201d from these sources: "
        "{right} of {asked} answered on your own.",
        "fr": "C'est tout ce que ces sources permettent de demander sur « {topic} » : "
        "{right} sur {asked} trouvées seul.",
    },
    "tutor_none": {
        "en": "I could not write a question on \u201c{topic}\u201d that the sources support.",
        "fr": "Je n'ai pas pu écrire de question sur « {topic} » que les sources appuient.",
    },
}


def say(key: str, language: str, **values: object) -> str:
    return TEXTS[key][spoken(language)].format(**values)
