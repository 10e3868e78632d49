"""Language handling: the language to write in, its name in a prompt, an assistant's words."""

from __future__ import annotations

import pytest

from causerie.assistants.kit.language import (
    Phrasebook,
    check_language,
    prompt_name,
    spoken,
    text_language,
)
from causerie.errors import InputError

WORDS = Phrasebook({"hint": {"en": "Hint: {hint}", "fr": "Indice : {hint}"}})


def test_an_assistant_speaks_english_or_french_around_content_in_any_language() -> None:
    assert WORDS.say("hint", "fr", hint="trois lettres") == "Indice : trois lettres"
    assert WORDS.say("hint", "de", hint="drei Buchstaben") == "Hint: drei Buchstaben"
    assert (spoken("fr"), spoken("es")) == ("fr", "en")


def test_a_typed_text_in_a_clear_language_wins_else_the_sources_languages_decide() -> None:
    assert text_language("qu'est-ce que la photosynthèse", ["en"]) == "fr"
    assert text_language("what is the water cycle", ["fr"]) == "en"
    assert text_language("photosynthèse", ["fr", "en", "fr"]) == "fr"  # no stop word: sources
    assert text_language("osmosis", []) == "en"


def test_a_language_option_is_a_code_a_prompt_can_name() -> None:
    assert check_language(" FR ") == "fr" and check_language(None) is None
    assert prompt_name("fr") == "French"
    assert prompt_name("ja") == "the same language as the passage"
    with pytest.raises(InputError, match="'klingon' is not one of: de, en, es"):
        check_language("klingon")
