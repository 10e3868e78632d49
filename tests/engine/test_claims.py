"""Claim verification: what an answer adds to its question, checked against the passage."""

from __future__ import annotations

from causerie.claims import claimed_part, says_lacking, stated_numbers, verify_claims
from causerie.embedders.fake import HashingEmbedder

WORKSHOP = (
    "The workshop is open on Wednesday evenings from 17:30 to 21:00 and on Saturdays from "
    "10:00 to 16:00. It is closed during the last two weeks of December."
)
LOANS = (
    "Chaque lecteur peut emprunter 8 documents à la fois, dont 2 DVD au maximum. Le prêt dure "
    "trois semaines et peut être prolongé une fois."
)
HUTS = (
    "The first stage ends at Merrow Hut. Stream water must be boiled. Dogs are welcome on the "
    "trail. A bunk costs 18 pounds a night."
)


def test_a_right_answer_is_supported() -> None:
    verdict = verify_claims("When is the workshop open on Wednesdays?", "From 17:30 to 21:00.",
                            WORKSHOP)  # fmt: skip
    assert verdict.supported, verdict.reason


def test_a_number_the_passage_lacks_is_named() -> None:
    verdict = verify_claims("When is the workshop open?", "From 18:00 to 21:00.", WORKSHOP)
    assert not verdict.supported
    assert verdict.missing == ("18:00",) and "18:00" in verdict.reason


def test_a_name_the_passage_lacks_is_refused_unless_the_question_brings_it() -> None:
    verdict = verify_claims("Who opens the workshop?", "Tomasz Wren opens it.", WORKSHOP)
    assert not verdict.supported and "Wren" in verdict.reason
    # a name the question gives is not what the answer adds (a section need not repeat it)
    asked = "When is the Fennick workshop open on Wednesdays?"
    assert verify_claims(
        asked, "The Fennick workshop opens from 17:30 to 21:00.", WORKSHOP
    ).supported


def test_an_added_word_the_passage_lacks_is_refused() -> None:
    verdict = verify_claims("When is the workshop open on Wednesdays?",
                            "From 17:30 to 21:00, with free coffee.", WORKSHOP)  # fmt: skip
    assert not verdict.supported and "coffee" in verdict.missing


def test_words_from_sentences_far_apart_are_not_a_claim_of_the_passage() -> None:
    verdict = verify_claims("How many bunks are there?", "Merrow Hut has 18 bunks.", HUTS)
    assert not verdict.supported
    assert "together" in verdict.reason


def test_number_words_months_and_weekdays_match_across_forms_and_languages() -> None:
    assert stated_numbers("huit documents") == {"8"}
    assert stated_numbers("paid by 31 March") == stated_numbers("payée le 31 mars")
    assert verify_claims("Combien de documents ?", "Huit documents à la fois.", LOANS).supported
    assert not verify_claims("Combien de documents ?", "Douze documents.", LOANS).supported


def test_a_clause_saying_what_the_sources_lack_is_not_checked() -> None:
    answer = "8 documents ; le nombre de CD n'est pas indiqué."
    assert says_lacking(answer) and claimed_part(answer) == "8 documents ;"
    assert verify_claims("Combien de documents et de CD ?", answer, LOANS).supported
    assert says_lacking("The sources do not say which brand they are.")
    assert not says_lacking("The tubes cost 6 pounds.")


def test_an_answer_in_another_language_is_checked_by_numbers_names_and_meaning() -> None:
    question = "How many documents can a reader borrow?"
    assert not verify_claims(question, "12 documents at once.", LOANS).supported
    # without an embedder the words cannot be compared: numbers pass, so it stands
    assert verify_claims(question, "8 documents at once.", LOANS).supported
    # the hashing embedder shares no words across languages: too far in meaning
    verdict = verify_claims(question, "Readers may borrow 8 items.", LOANS,
                            embedder=HashingEmbedder())  # fmt: skip
    assert not verdict.supported and verdict.method == "dense"
