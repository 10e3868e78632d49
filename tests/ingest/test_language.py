"""Language detection on a bounded sample."""

from __future__ import annotations

import pytest

from causerie.ingest.language import SAMPLE_CHARS, detect_language


def test_english() -> None:
    text = "The library opens at ten on Sundays and closes at two in the afternoon."
    assert detect_language(text) == "en"


def test_french() -> None:
    text = "La bibliothèque ouvre à dix heures le dimanche et ferme à quatorze heures."
    assert detect_language(text) == "fr"


@pytest.mark.parametrize("text", ["", "   \n", "Hi", "OK!", "12:00-14:00 / 42", "Wi-Fi"])
def test_short_or_empty_text_is_undetermined(text: str) -> None:
    assert detect_language(text) == "und"


def test_only_the_first_sample_is_read() -> None:
    french = "Le compost met six à neuf mois pour mûrir dans le jardin. " * 200
    english = "This part is in English and comes after the sample ends. " * 5000
    assert len(french) > SAMPLE_CHARS
    assert detect_language(french + english) == "fr"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("When is the library open on Sundays?", "en"),
        ("Combien de temps dure la garantie du moulin Lumen ?", "fr"),
        ("Et le composteur gratuit ?", "fr"),
        ("Wie lange dauert die Garantie?", "und"),  # German: neither candidate wins clearly
        ("ok", "und"),
    ],
)
def test_among_restricts_to_the_candidates(question: str, expected: str) -> None:
    assert detect_language(question, among=("en", "fr")) == expected
