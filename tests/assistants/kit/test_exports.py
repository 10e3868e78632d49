"""The kit's public API is small, curated and importable (what a new assistant imports)."""

from __future__ import annotations

import causerie.assistants.kit as kit


def test_the_kit_exports_exactly_its_curated_names() -> None:
    assert sorted(kit.__all__) == kit.__all__
    assert set(kit.__all__) == {
        "FoundDate", "find_dates", "invented_facts",
        "Outcome", "Phrasebook", "Pool", "Rejected", "Skipped", "Support", "answer_support",
        "check_language", "copied_from", "fenced", "generate", "gives_away",
        "hit_from_citation", "is_usable", "names_in", "notebook_passages", "parse_object",
        "plan_count", "prompt_name", "same_answer", "source_named", "spoken", "text_field",
        "text_language", "text_list",
    }  # fmt: skip
    for name in kit.__all__:
        assert getattr(kit, name).__doc__, f"{name} says how to use it"


def test_every_kit_module_says_how_to_use_it() -> None:
    from causerie.assistants.kit import dates, language, passages, structured, support

    for module in (kit, dates, language, passages, structured, support):
        assert module.__doc__ and "\n    " in module.__doc__, f"{module.__name__}: an example"
