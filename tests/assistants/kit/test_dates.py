"""Dates stated in English and French, resolved against the date they were written; the check
that a generated text states no number or date its sources do not hold."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from causerie.assistants.kit.dates import find_dates, invented_facts

MONDAY = date(2026, 3, 2)


@pytest.mark.parametrize(
    ("text", "words", "expected"),
    [
        ("Envoyez-les avant vendredi prochain ?", "vendredi prochain", "2026-03-06"),
        ("Could you send it by next Friday?", "next Friday", "2026-03-06"),
        ("On se voit jeudi ?", "jeudi", "2026-03-05"),
        ("See you on Monday.", "Monday", "2026-03-09"),  # said on a Monday: the next one
        ("je propose de livrer le 13 mars.", "13 mars", "2026-03-13"),
        ("au plus tard le mercredi 18 mars", "mercredi 18 mars", "2026-03-18"),
        ("the workshop on April 14 in Lyon", "April 14", "2026-04-14"),
        ("planned for Tuesday March 24.", "Tuesday March 24", "2026-03-24"),
        ("by the 3rd of April, 2027", "the 3rd of April, 2027", "2027-04-03"),
        ("Could you settle it within 10 days?", "within 10 days", "2026-03-12"),
        ("Réglez-la sous huit jours.", "sous huit jours", "2026-03-10"),
        ("dans deux semaines", "dans deux semaines", "2026-03-16"),
        ("Let's say the 13th instead.", "the 13th", "2026-03-13"),
        ("Let's say the 1st instead.", "the 1st", "2026-04-01"),  # the 1st is past: April's
        ("d'ici la fin du mois", "la fin du mois", "2026-03-31"),
        ("by the end of the week", "the end of the week", "2026-03-06"),
        ("demain matin", "demain", "2026-03-03"),
        ("tomorrow", "tomorrow", "2026-03-03"),
        ("le 2026-03-13 ou le 13/03/2026", "2026-03-13", "2026-03-13"),
        ("in January", None, None),  # a month alone is no date
        ("Je pense que oui.", None, None),  # 'Je' is not jeudi
        ("invoice 2026-014 for 340.00 €", None, None),
    ],
)
def test_dates_are_found_and_resolved(text: str, words: str | None, expected: str | None) -> None:
    found = find_dates(text, MONDAY)
    if words is None:
        assert found == []
        return
    assert (found[0].text, found[0].date.isoformat()) == (words, expected)
    assert text[found[0].start : found[0].end] == words


def test_a_date_without_year_long_past_is_next_years() -> None:
    assert find_dates("le 10 janvier", date(2026, 12, 1))[0].date == date(2027, 1, 10)
    assert find_dates("le 10 novembre", date(2026, 12, 1))[0].date == date(2026, 11, 10)


def test_a_datetime_base_counts_by_its_day() -> None:
    evening = datetime(2026, 3, 2, 23, 30, tzinfo=timezone(timedelta(hours=1)))
    assert find_dates("demain", evening)[0].date == date(2026, 3, 3)


def test_invented_facts_lists_numbers_and_dates_the_sources_lack() -> None:
    sources = [("Pourriez-vous l'envoyer d'ici le 20 mars ?", date(2026, 3, 11)),
               ("Il nous faudrait 500 cartes.", date(2026, 3, 12))]  # fmt: skip
    held = "Je vous envoie le devis le 20 mars, pour vos 500 cartes."
    assert invented_facts(held, sources, date(2026, 3, 13)) == []
    # the same day said another way is held too
    assert invented_facts("I will send it on March 20.", sources, date(2026, 3, 13)) == []
    made_up = "Je l'envoie le 21 mars, pour 600 cartes."
    assert invented_facts(made_up, sources, date(2026, 3, 13)) == ["600", "2026-03-21 ('21 mars')"]
    relative = "Je l'envoie vendredi."  # written on Friday 13 March: the 20th, which is held
    assert invented_facts(relative, sources, date(2026, 3, 13)) == []
