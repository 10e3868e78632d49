"""The study assistant's own words (feedback, hints, the tutor's turns), in English and French."""

from __future__ import annotations

from causerie.assistants.kit.language import Phrasebook

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

PHRASES = Phrasebook(TEXTS)
say = PHRASES.say
