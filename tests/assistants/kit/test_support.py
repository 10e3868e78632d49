"""Support checks: numbers, names, quoted spans and content words of a claim in its passage;
same answers; answers given away."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from causerie.assistants.kit import support
from causerie.assistants.kit.passages import Pool

from ..conftest import passage_about

PASSAGE = (
    "Photosynthesis takes place in the chloroplasts of plant cells. Chlorophyll absorbs "
    "sunlight, and the plant uses that energy to turn carbon dioxide and water into glucose."
)
BASTILLE = (
    "Le 14 juillet 1789, les Parisiens prennent la Bastille, une forteresse royale qui servait "
    "de prison. Mitochondria store the energy in ATP, as shown at McGill."
)


def test_support_needs_the_answer_words_and_numbers_in_the_passage() -> None:
    assert support.answer_support("the chloroplasts", PASSAGE).supported
    assert support.answer_support("Chloroplast", PASSAGE).supported  # stemmed
    found = support.answer_support("the nucleus of the cell", PASSAGE)
    assert not found.supported and found.missing == ("nucleus",)
    assert not support.answer_support("in 1789", PASSAGE).supported
    assert not support.answer_support("yes", PASSAGE).supported  # nothing to check: refused
    assert support.answer_support("Le 14 juillet", "Le 14 juillet 1789, la Bastille.").supported


def test_cross_language_support_falls_back_on_the_embedder() -> None:
    class Similar:
        name, dim = "same", 2

        def embed(self, texts: Sequence[str], kind: str) -> np.ndarray:
            return np.array([[1.0, 0.0]] * len(texts), dtype=np.float32)

    french = "le pigment vert capte la lumière"
    assert not support.answer_support(french, PASSAGE).supported
    assert not support.answer_support(french, PASSAGE, cross_language=True).supported
    found = support.answer_support(french, PASSAGE, embedder=Similar(), cross_language=True)
    assert found.supported and found.method == "dense"


def test_same_answer_and_give_away() -> None:
    assert support.same_answer("Chloroplasts!", "the chloroplast")
    assert not support.same_answer("3 weeks", "three weeks")
    assert support.gives_away("Where is chlorophyll, in chloroplasts?", "chloroplasts")
    assert not support.gives_away("Where does photosynthesis take place?", "chloroplasts")


def test_names_are_capitalised_words_inside_a_sentence_and_words_in_capitals() -> None:
    text = "Napoleon took the Bastille in 1815. It made ATP at McGill, said Dr Smith."
    assert support.names_in(text) == ["Bastille", "ATP", "McGill", "Dr", "Smith"]
    assert support.names_in("The cell. Le pigment. I think so.") == []  # openers, stop words
    assert support.quotes_in('He said "a royal fortress", then \u00ab la Bastille \u00bb.') == [
        "a royal fortress",
        "la Bastille",
    ]


def test_a_claim_naming_someone_the_passage_does_not_is_not_supported() -> None:
    # six of its seven content words are in the passage: enough for a summary, but a name is
    # a fact, like a number
    claim = "La Bastille, une forteresse royale, servait de prison selon Robespierre."
    found = support.answer_support(claim, BASTILLE)
    assert not found.supported and found.missing == ("Robespierre",)
    assert found.reason == "names Robespierre, which the passage does not"
    assert support.answer_support("Les Parisiens prennent la Bastille.", BASTILLE).supported
    assert support.answer_support("Mitochondria store energy in ATP.", BASTILLE).supported


def test_a_quoted_span_must_be_in_the_passage_word_for_word() -> None:
    kept = 'La Bastille était "une forteresse royale".'
    assert support.answer_support(kept, BASTILLE).supported
    changed = 'La Bastille était "une prison royale".'
    found = support.answer_support(changed, BASTILLE)
    assert not found.supported and found.missing == ("\u201cune prison royale\u201d",)


def test_names_in_another_language_are_left_to_the_similarity_check() -> None:
    class Similar:
        name, dim = "same", 2

        def embed(self, texts: Sequence[str], kind: str) -> np.ndarray:
            return np.array([[1.0, 0.0]] * len(texts), dtype=np.float32)

    english = "Parisians stormed the Bastille"  # 'Parisians' is no stem of 'Parisiens'
    assert not support.answer_support(english, BASTILLE).supported
    found = support.answer_support(english, BASTILLE, embedder=Similar(), cross_language=True)
    assert found.supported and found.method == "dense"
    assert not support.answer_support("in 1815", BASTILLE, cross_language=True).supported


def test_a_short_answer_must_be_copied_from_its_passage_in_its_language(pool: Pool) -> None:
    hit = passage_about(pool, "Mitochondria")
    assert support.copied_from("molecules of ATP", hit, "en").supported
    partly = support.copied_from("molecules of sugar", hit, "en")  # a summary would pass
    assert not partly.supported and partly.missing == ("sugar",)
    assert support.copied_from("des molécules d'ATP", hit, "fr").supported  # shared stems
    french = support.copied_from("l'énergie chimique", hit, "fr", question="Que stockent-elles ?")
    assert not french.supported  # no shared stem, and no embedder to compare meanings


def test_dates_are_month_and_weekday_names_in_either_language() -> None:
    assert support.dates_in("Le 14 juillet 1789, un mardi") == {"month-7", "day-2"}
    assert support.dates_in("We may go in May 2024; on 3 mars.") == {"month-5", "month-3"}
    assert support.dates_in("Mars is red and we march.") == set()  # not beside a number
    passage = "The survey ran from March 2024 to July 2024."
    assert support.missing_dates("It ended in June 2024.", passage) == ["june"]
    assert support.missing_dates("Elle a fini en juillet 2024.", passage) == []


def test_a_quote_needs_the_speaker_its_passage_names() -> None:
    passage = (
        'The demand grew fast. "We were surprised by the demand," said Ada Martin, who led '
        "the survey. Costs fell by 12%."
    )
    assert (
        support.unattributed_quotes('Ada Martin: "We were surprised by the demand."', passage) == []
    )
    assert support.unattributed_quotes(
        '"We were surprised by the demand," they said.', passage
    ) == ["“We were surprised by the demand,”"]
    wrong = '"We were surprised by the demand," said Bob Stone.'
    assert support.unattributed_quotes(wrong, passage) == ["“We were surprised by the demand,”"]
    # a quote the passage does not hold is missing_names_and_quotes's to report
    assert support.unattributed_quotes('"Nothing changed," said Ada Martin.', passage) == []
    french = "« Nous avons enfin de la place », explique Inès Garnier, présidente."
    assert (
        support.unattributed_quotes("Inès Garnier : « Nous avons enfin de la place ».", french)
        == []
    )


def test_an_answer_must_fit_the_question_focus_and_sentence() -> None:
    notes = (
        "The chapter quiz counts for 5 percent of the final grade. The key date for the "
        "chapter quiz is 14 November. The field report is led by Dr. Helena Sorvik."
    )
    asks_date = "What is the key date for the chapter quiz?"
    wrong = support.answers_question(
        asks_date, "The chapter quiz counts for 5 percent of the final grade.", notes
    )
    assert not wrong.supported and "another sentence" in wrong.reason
    assert support.answers_question(asks_date, "14 November", notes).supported
    no_number = support.answers_question("How many percent does the quiz count?", "grade", notes)
    assert not no_number.supported and "no number" in no_number.reason
    no_one = support.answers_question("Who leads the field report?", "the field report", notes)
    assert not no_one.supported and "no one" in no_one.reason
    assert support.answers_question("Qui dirige le rapport ?", "Dr. Helena Sorvik", notes).supported


def test_a_card_front_is_a_question_or_a_term() -> None:
    assert support.is_question_or_term("When is the chapter quiz?")
    assert support.is_question_or_term("Quand a lieu le contrôle")
    assert support.is_question_or_term("Orvane newt")
    assert not support.is_question_or_term("The chapter quiz counts for 5 percent of the grade.")
