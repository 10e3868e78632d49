from causerie.retrieval import contextualise, is_follow_up, reciprocal_rank_fusion
from causerie.store.base import ScoredId


def test_follow_ups_are_recognised_in_english_and_french() -> None:
    assert is_follow_up("and on Sundays?")
    assert is_follow_up("et le dimanche ?")
    assert is_follow_up("How long does it take?")
    assert not is_follow_up("What is the late fee for library books?")


def test_follow_up_carries_the_previous_question() -> None:
    query = contextualise("and on Sundays?", ["When does the library open?"])
    assert query == "When does the library open? and on Sundays?"
    standalone = "What is the late fee for library books?"
    assert contextualise(standalone, ["When does the library open?"]) == standalone
    assert contextualise("and on Sundays?", []) == "and on Sundays?"


def test_reciprocal_rank_fusion_rewards_agreement() -> None:
    lexical = [ScoredId("a", 9.0), ScoredId("b", 5.0), ScoredId("c", 1.0)]
    dense = [ScoredId("b", 0.9), ScoredId("c", 0.8)]
    assert reciprocal_rank_fusion([lexical, dense]) == ["b", "c", "a"]
