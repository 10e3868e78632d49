"""From a notebook source to checked drafts, with the scripted fake model: claims drawn per
passage and checked (a changed figure is rejected, then rewritten), each format framed,
assembled within its rule and checked again; bad inputs named."""

from __future__ import annotations

import json

import pytest

from causerie.assistants.repurpose.check import check_draft
from causerie.assistants.repurpose.formats import rule_for
from causerie.assistants.repurpose.pipeline import Options, gather, repurpose
from causerie.embedders.fake import HashingEmbedder
from causerie.errors import InputError
from causerie.providers.fake import FakeProvider
from causerie.store.sqlite import SQLiteStore
from causerie.types import Notebook, Owner

from .conftest import claims_reply, point_of, point_reply

FORMATS = ["x-thread", "linkedin", "newsletter", "outline", "video-script", "bluesky", "mastodon"]


def script_run(fake: FakeProvider, material, formats=FORMATS) -> None:  # type: ignore[no-untyped-def]
    first = material.passages[0]
    changed = json.loads(claims_reply(first))["sentences"][0]
    assert any(c.isdigit() for c in changed), "the first passage states a figure"
    wrong = "".join("9" if c.isdigit() else c for c in changed)
    fake.enqueue(json.dumps({"sentences": [wrong]}))  # a changed figure: rejected, asked again
    for hit in material.passages:
        fake.enqueue(claims_reply(hit))
    point = point_of(material.passages, "12%")
    assert point <= 6, "the point is among those the model is shown"
    for name in formats:
        if name == "newsletter":
            fake.enqueue(point_reply("What insulation changed in Valmont", point))
        elif name == "outline":
            count = len({h.chunk.id for h in material.passages})
            fake.enqueue(json.dumps({"headings": [f"Part {i}" for i in range(count)]}))
        else:
            fake.enqueue(point_reply("Heating costs fell by 12% in insulated homes.", point))


def test_a_piece_becomes_checked_drafts_in_every_format(
    db: SQLiteStore, owner: Owner, book: Notebook, fake: FakeProvider
) -> None:
    material = gather(db, owner, book, ["insulation.md"])
    assert len(material.passages) >= 3
    assert [h.chunk.ordinal for h in material.passages] == sorted(
        h.chunk.ordinal for h in material.passages)  # fmt: skip
    assert len(material.examples) == 2 and "Measure first" in material.examples[0]
    script_run(fake, material)
    steps: list[tuple[int, int, str]] = []
    result = repurpose(fake, HashingEmbedder(), material, FORMATS, Options(tone="expert"),
                       on_step=lambda *s: steps.append(s))  # fmt: skip
    assert fake.pending == 0
    assert steps[-1] == (len(material.passages) + 7, len(material.passages) + 7, "mastodon")

    # the changed figure was rejected with why, and the claim written again
    assert result.claims.rejected and "changed or invented figure" in result.claims.rejected[0].why
    assert len(result.claims.sentences) >= len(material.passages) + 2

    # the person's past posts and the tone reached the prompt, as style only
    first_prompt = fake.calls[0][0][-1].content
    assert "Measure first, then decide." in first_prompt and "precise and technical" in first_prompt

    for draft in result.drafts:
        assert draft.shipped, (draft.format, draft.notes, draft.rejected)
        rule = rule_for(draft.format, "en")
        assert check_draft(draft, rule) == [], draft.format
        for sentence in draft.sentences:
            if sentence.role != "call":
                assert sentence.citations and sentence.citations[0].text in {
                    h.chunk.text for h in material.passages}  # fmt: skip
    by_format = {d.format: d for d in result.drafts}
    thread = by_format["x-thread"]
    assert thread.posts and thread.posts[0].startswith(f"1/{len(thread.posts)} Heating costs")
    assert all(rule_for("x-thread", "en").measure(p) <= 280 for p in thread.posts)
    linkedin = by_format["linkedin"].text or ""
    assert linkedin.split("\n\n")[0] == "Heating costs fell by 12% in insulated homes."
    assert linkedin.rstrip().endswith("Read the original: The Valmont insulation survey")
    newsletter = by_format["newsletter"].text or ""
    assert newsletter.startswith("## What insulation changed in Valmont")
    outline = by_format["outline"].text or ""
    assert outline.count("\n## ") == len(material.passages) and "\n> " in outline

    report = result.to_json()
    assert [o["format"] for o in report["outputs"]] == FORMATS
    assert report["outputs"][0]["posts"] and report["outputs"][0]["length"]["within"]
    assert report["outputs"][0]["sentences"][0]["citations"][0]["chunk_id"]


def test_a_french_piece_keeps_its_quotes_and_language(
    db: SQLiteStore, owner: Owner, book: Notebook, fake: FakeProvider
) -> None:
    material = gather(db, owner, book, ["marche.md"])
    assert material.language == "fr"
    for hit in material.passages:
        fake.enqueue(claims_reply(hit))
    fake.enqueue(point_reply("La halle accueille désormais 62 étals, contre 35 avant.", 1))
    result = repurpose(fake, HashingEmbedder(), material, ["x-thread"], Options())
    (draft,) = result.drafts
    assert draft.shipped and draft.language == "fr"
    assert any("62 étals" in p for p in (draft.posts or []))


def test_bad_inputs_are_named(
    db: SQLiteStore, owner: Owner, book: Notebook, fake: FakeProvider
) -> None:
    with pytest.raises(InputError) as caught:
        gather(db, owner, book, ["missing.md"])
    assert "missing.md" in str(caught.value) and "insulation.md" in str(caught.value)
    with pytest.raises(InputError) as caught:
        gather(db, owner, book, ["note.md"])
    assert "too short to repurpose" in str(caught.value) and "note.md" in str(caught.value)
    material = gather(db, owner, book, ["insulation.md"])
    with pytest.raises(InputError) as caught:
        repurpose(fake, None, material, ["tweetstorm"], Options())
    assert "'tweetstorm'" in str(caught.value) and "x-thread" in str(caught.value)
    with pytest.raises(InputError, match="--tone"):
        repurpose(fake, None, material, ["x-thread"], Options(tone="angry"))
    with pytest.raises(InputError, match="--words"):
        repurpose(fake, None, material, ["newsletter"], Options(words=5))
    assert fake.calls == []  # nothing was asked of the model


def test_claims_are_posted_as_plain_text() -> None:
    from causerie.assistants.repurpose.writer import plain

    assert plain("**Heating** costs  fell by *12%*.") == "Heating costs fell by 12%."
    assert plain("- A point.") == "A point." and plain("## A heading") == "A heading"
    assert plain("1. First") == "First" and plain("2/5 Second") == "Second"
    assert plain("3.5 million people") == "3.5 million people"  # a figure, not a list number
    assert plain("snake_case stays") == "snake_case stays"


def test_no_draft_is_shipped_when_no_claim_passed_the_checks(
    db: SQLiteStore, owner: Owner, book: Notebook, fake: FakeProvider
) -> None:
    material = gather(db, owner, book, ["insulation.md"], passages=2)
    invented = json.dumps({"sentences": ["Costs fell by 99% in 1999."]})
    fake.enqueue(*[invented] * 6)  # two passages, three tries each: all refused
    result = repurpose(fake, None, material, ["linkedin", "x-thread"], Options())
    assert fake.pending == 0 and len(result.claims.rejected) == 6
    for draft in result.drafts:
        assert not draft.shipped and draft.parts == [] and draft.notes
