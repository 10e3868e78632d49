"""The checker refuses what may not be shipped: a changed figure, an invented or unattributed
quote, a changed date, a post over its platform's limit, text that no checked sentence holds.
Each platform's length is counted its own way (X's weights, Bluesky's graphemes, Mastodon's
URLs)."""

from __future__ import annotations

import pytest

from causerie.assistants.kit import support
from causerie.assistants.repurpose.check import check_draft, sentence_problems
from causerie.assistants.repurpose.drafts import Draft, Sentence
from causerie.assistants.repurpose.formats import FORMATS, parse_formats, rule_for
from causerie.errors import InputError
from causerie.types import Citation, Locator

PASSAGE = (
    "The survey covered 1,200 households in Valmont between March 2024 and July 2024. Heating "
    'costs fell by 12% after the insulation works. "We were surprised by the demand," said '
    "Ada Martin, who led the survey for the council."
)
PASSAGE_FR = (
    "L'enquête a porté sur 1 200 foyers de Valmont entre mars 2024 et juillet 2024. « Nous "
    "avons été surpris par la demande », explique Ada Martin, qui a mené l'enquête."
)
CITED = Citation(1, "/notes/survey.md", Locator(heading_path=("Survey",)), "c1", PASSAGE)
CITED_FR = Citation(1, "/notes/enquete.md", Locator(), "c2", PASSAGE_FR)


def claim(text: str, cited: Citation = CITED, role: str = "claim") -> Sentence:
    return Sentence(text, role, (cited,))  # type: ignore[arg-type]


def thread(*posts: str, sentences: list[Sentence] | None = None) -> Draft:
    found = sentences if sentences is not None else [claim(p.split(" ", 1)[1]) for p in posts]
    return Draft("x-thread", "en", posts=list(posts), sentences=found)


def test_a_faithful_thread_passes() -> None:
    posts = ["1/2 Heating costs fell by 12% after the insulation works.",
             '2/2 "We were surprised by the demand," said Ada Martin.']  # fmt: skip
    assert check_draft(thread(*posts), FORMATS["x-thread"]) == []


def test_a_changed_figure_is_rejected() -> None:
    problems = check_draft(thread("1/1 Heating costs fell by 15% after the insulation works."),
                           FORMATS["x-thread"])  # fmt: skip
    assert [p.text for p in problems] == ["Heating costs fell by 15% after the insulation works."]
    assert "15" in problems[0].why and "changed or invented figure" in problems[0].why


def test_an_invented_quote_is_rejected() -> None:
    text = '"Insulation changed our lives," said Ada Martin.'
    problems = check_draft(thread(f"1/1 {text}"), FORMATS["x-thread"])
    assert len(problems) == 1 and problems[0].text == text
    assert "word for word" in problems[0].why and "Insulation changed our lives" in problems[0].why


def test_an_altered_or_unattributed_quote_is_rejected() -> None:
    altered = '"We were shocked by the demand," said Ada Martin.'
    assert "word for word" in sentence_problems(claim(altered), "en")[0]
    someone_else = '"We were surprised by the demand," said the mayor.'
    assert "without naming who said it" in sentence_problems(claim(someone_else), "en")[0]
    french = "Selon Ada Martin, « nous avons été surpris par la demande »."
    assert sentence_problems(claim(french, CITED_FR), "fr") == []


def test_a_281_character_post_is_rejected_and_280_passes() -> None:
    words = "Heating costs fell by 12% after the insulation works. "
    body = (words * 6)[:276]
    body_280 = "1/1 " + body
    assert FORMATS["x-thread"].measure(body_280) == 280
    sentence = claim(body)
    assert check_draft(thread(body_280, sentences=[sentence]), FORMATS["x-thread"]) == []
    over = "1/1 " + body + "s"
    problems = check_draft(thread(over, sentences=[claim(body + "s")]), FORMATS["x-thread"])
    assert [p.why for p in problems] == ["x-thread: post 1: 281 weighted characters, over the "
                                         "limit of 280"]  # fmt: skip


def test_x_counts_urls_as_23_and_emoji_as_2() -> None:
    x = FORMATS["x-thread"].measure
    assert x("a" * 280) == 280 and x("a" * 281) == 281
    assert x("see https://example.org/" + "p" * 100) == 4 + 23
    assert x("😀" * 140) == 280 and x("😀" * 141) == 282
    assert x("日本" * 70) == 280


def test_bluesky_counts_graphemes_and_mastodon_urls_as_23() -> None:
    family = "👩\u200d👩\u200d👧"
    assert FORMATS["bluesky"].measure(family * 3) == 3
    assert FORMATS["bluesky"].check_length([family * 300]).within
    assert not FORMATS["bluesky"].check_length(["a" * 301]).within
    assert FORMATS["mastodon"].measure("read https://example.org/" + "p" * 300) == 5 + 23
    assert not FORMATS["mastodon"].check_length(["a" * 501]).within


def test_a_changed_date_or_name_is_rejected() -> None:
    assert "the date june" in sentence_problems(claim("The survey ended in June 2024."), "en")[0]
    assert "names Paris" in sentence_problems(
        claim("The survey covered 1,200 households in Paris."), "en")[0]  # fmt: skip
    # the same month in another language is the same date
    assert support.missing_dates("L'enquête a fini en juillet 2024.", PASSAGE) == []


def test_text_outside_the_checked_sentences_is_rejected() -> None:
    good = claim("Heating costs fell by 12% after the insulation works.")
    draft = Draft("linkedin", "en", text=f"{good.text}\n\nCosts will fall by half next year.",
                  sentences=[good])  # fmt: skip
    problems = check_draft(draft, FORMATS["linkedin"])
    assert [p.text for p in problems] == ["Costs will fall by half next year."]


def test_a_sentence_without_a_citation_or_over_the_word_budget_is_rejected() -> None:
    assert sentence_problems(Sentence("Costs fell.", "claim"), "en") == ["cites no passage"]
    body = " ".join(["word"] * 60)
    draft = Draft("newsletter", "en", text=body, sentences=[Sentence(body, "call")])
    problems = check_draft(draft, rule_for("newsletter", "en", words=50))
    assert problems and "60 words, over the limit of 50" in problems[0].why


def test_a_video_script_must_last_30_to_60_seconds() -> None:
    rule = rule_for("video-script", "en")
    assert not rule.check_length(["word " * 50]).within  # ~15 s at 204 wpm
    assert rule.check_length(["word " * 150]).within
    assert not rule.check_length(["word " * 220]).within


def test_unknown_formats_are_named_with_the_known_ones() -> None:
    with pytest.raises(InputError) as caught:
        parse_formats("x-thread,tiktok")
    assert "'tiktok'" in str(caught.value) and "linkedin" in str(caught.value)
    assert parse_formats("all") == list(FORMATS)


def test_a_linkedin_post_needs_a_short_hook_before_its_first_blank_line() -> None:
    good = claim("Heating costs fell by 12% after the insulation works.")
    long_opening = " ".join([good.text] * 4)
    draft = Draft("linkedin", "en", text=f"{long_opening}\n\nMore.", sentences=[
        Sentence(long_opening, "call"), Sentence("More.", "call")])  # fmt: skip
    problems = check_draft(draft, FORMATS["linkedin"])
    assert [p.why for p in problems] == [
        "linkedin: the hook (before the first blank line) is 215 characters, over 210"
    ]
    draft.text = f"{good.text}\n\n{long_opening}"
    draft.sentences = [good, Sentence(long_opening, "call")]
    assert check_draft(draft, FORMATS["linkedin"]) == []
