"""added_facts: what a rewrite adds to its source (numbers, dates, names, terms, concepts)."""

from __future__ import annotations

from causerie.assistants.kit.novelty import Addition, added_facts, why

SOURCE = "Built 40 batch pipelines with Airflow (03/2019 – 06/2023) at Finlytics"


def kinds(text: str, source: str = SOURCE, **options: object) -> list[tuple[str, str]]:
    return [(a.kind, a.text) for a in added_facts(text, source, **options)]  # type: ignore[arg-type]


def test_a_faithful_rewording_adds_nothing() -> None:
    assert kinds("At Finlytics, built 40 batch pipelines in Airflow (03/2019 – 06/2023)") == []


def test_numbers_and_dates_must_be_copied_exactly() -> None:
    assert kinds("Built 45 pipelines with Airflow") == [("number", "45")]
    assert kinds("Built 40 pipelines (3/2019 – 06/2023)") == [("number", "3")]
    assert kinds("Built forty pipelines since March 2019") == [
        ("number", "forty"), ("date", "march")]  # fmt: skip
    assert kinds("Built twelve pipelines") == [("number", "twelve")]
    assert kinds("Construit douze pipelines") == [("number", "douze")]


def test_titles_degrees_responsibilities_levels_and_names() -> None:
    assert kinds("Senior engineer who led 40 pipelines with Airflow") == [
        ("title", "senior"), ("responsibility", "led")]  # fmt: skip
    assert kinds("Diplômé d'un master, anglais courant") == [
        ("degree", "master"), ("degree", "diplome"), ("level", "courant")]  # fmt: skip
    assert kinds("Built 40 pipelines at Datadog") == [("name", "Datadog")]
    assert kinds('Called "the best pipelines" at Finlytics') == [("quote", "“the best pipelines”")]


def test_concepts_and_allowed_words() -> None:
    def skills(text: str) -> set[str]:
        return {s for s in ("airflow", "kubernetes") if s in text.lower()}

    # the skill, reported once (not again as a name)
    assert kinds("Built 40 pipelines with Airflow on Kubernetes", concepts=skills) == [
        ("skill", "kubernetes")]  # fmt: skip
    assert kinds("Built 40 pipelines with Apache Airflow", allowed="Apache Airflow") == []
    assert kinds("Built 40 pipelines with Apache Airflow") == [("name", "Apache")]
    assert kinds("Built 40 pipelines for Acme", names_allowed="Acme senior") == []
    assert kinds("Senior work for Acme", names_allowed="Acme senior") == [("title", "senior")]


def test_why_is_one_sentence() -> None:
    added = [Addition("number", "12"), Addition("title", "senior")]
    assert (
        why(added) == 'adds the number 12 and the title "senior", which the source does not state'
    )
    assert why([]) == ""
