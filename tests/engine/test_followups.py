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


def test_openers_are_whole_words_not_prefixes() -> None:
    # "samedi" starts with "same", "android" with "and", "maison" with "mais"
    assert not is_follow_up(
        "Samedi matin, à quelle heure ouvre la salle d'escalade du Grand Dièdre ?"
    )
    assert not is_follow_up("Android users can book swimming lessons online at the Marlow pool?")
    assert not is_follow_up(
        "Maison des associations : la salle Colette accueille-t-elle les groupes ?"
    )
    assert not is_follow_up("Thenceforth which stage of the trail ends at Fallowdale Hut?")
    assert is_follow_up("Same for adults?")
    assert is_follow_up("What about children at the pool?")
    assert is_follow_up("Et pour les enfants de moins de six ans ?")


def test_french_impersonal_il_y_en_do_not_make_a_follow_up() -> None:
    assert not is_follow_up("Y a-t-il un parking à la salle d'escalade de Montaurel ?")
    assert not is_follow_up("Est-il possible de prolonger un prêt à la médiathèque de Brisac ?")
    assert not is_follow_up(
        "Combien coûte l'abonnement annuel en salle d'escalade au Grand Dièdre ?"
    )
    assert not is_follow_up("Faut-il une pièce d'identité pour s'inscrire à la médiathèque ?")


def test_pronouns_referring_back_still_make_a_follow_up() -> None:
    assert is_follow_up("Combien y en a-t-il ?")
    assert is_follow_up("Pendant combien de temps peut-on les garder ?")
    assert is_follow_up("Où obtient-on son mot de passe ?")
    assert is_follow_up("Can they sleep in the huts?")
    # a question that names its own subject stands alone, pronoun or not
    assert not is_follow_up("Is it possible to rent a locker at the Marlow Harbour pool?")
    assert not is_follow_up("What happens to bikes that members leave at the workshop for months?")


def test_a_standalone_french_question_keeps_its_own_retrieval_query() -> None:
    question = "Y a-t-il un parking à la salle d'escalade de Montaurel ?"
    assert contextualise(question, ["Combien coûte une entrée ?"]) == question
