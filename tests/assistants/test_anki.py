"""Export to Anki (.apkg opened back: zip + SQLite collection) and CSV; import of a package."""

from __future__ import annotations

import csv
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from causerie.assistants.study.anki import (
    MODEL_ID,
    deck_id,
    export_apkg,
    export_csv,
    read_apkg,
)
from causerie.assistants.study.cards import Deck
from causerie.assistants.study.db import StudyStore
from causerie.errors import InputError
from causerie.types import Citation, Locator, Owner

PASSAGE = "Osmosis is the movement of water across a semi-permeable membrane."


@pytest.fixture
def deck(study: StudyStore, owner: Owner) -> Deck:
    deck = Deck(study, owner, "nb-1")
    cited = Citation(1, "/notes/cells.md", Locator(0, 66, heading_path=("Cells", "Osmosis")),
                     "chunk-1", PASSAGE)  # fmt: skip
    deck.add("What is osmosis?", "the movement of water across a membrane", cited)
    deck.add("Is 2 < 3 & 4 > 1?", "<b>yes</b>", None, origin="imported")
    return deck


def collection(path: Path, tmp_path: Path) -> sqlite3.Connection:
    with zipfile.ZipFile(path) as archive:
        assert set(archive.namelist()) == {"collection.anki2", "media"}
        archive.extract("collection.anki2", tmp_path)
    return sqlite3.connect(tmp_path / "collection.anki2")


def test_apkg_holds_the_notes_with_stable_ids(deck: Deck, tmp_path: Path) -> None:
    path = tmp_path / "cells.apkg"
    assert export_apkg(deck.cards(), path, "Causerie::course", "local:nb-1") == 2
    conn = collection(path, tmp_path)
    try:
        notes = conn.execute("SELECT flds, tags, mid, guid FROM notes ORDER BY id").fetchall()
        models = json.loads(conn.execute("SELECT models FROM col").fetchone()[0])
        decks = json.loads(conn.execute("SELECT decks FROM col").fetchone()[0])
        card_decks = {row[0] for row in conn.execute("SELECT did FROM cards")}
    finally:
        conn.close()
    fields = [n[0].split("\x1f") for n in notes]
    assert fields[0] == ["What is osmosis?", "the movement of water across a membrane",
                         "cells.md (Cells &gt; Osmosis)"]  # fmt: skip
    assert fields[1][:2] == ["Is 2 &lt; 3 &amp; 4 &gt; 1?", "&lt;b&gt;yes&lt;/b&gt;"]  # escaped
    assert "causerie" in notes[0][1] and "imported" in notes[1][1]
    assert {n[2] for n in notes} == {MODEL_ID} and str(MODEL_ID) in models
    assert decks[str(deck_id("local:nb-1"))]["name"] == "Causerie::course"
    assert card_decks == {deck_id("local:nb-1")}

    again = tmp_path / "again.apkg"
    export_apkg(deck.cards(), again, "Causerie::course", "local:nb-1")
    conn = collection(again, tmp_path / "x")
    try:
        guids = [row[0] for row in conn.execute("SELECT guid FROM notes ORDER BY id")]
    finally:
        conn.close()
    assert guids == [n[3] for n in notes]  # re-import updates the same notes in Anki
    assert deck_id("local:nb-1") != deck_id("local:nb-2")


def test_an_exported_package_reads_back(deck: Deck, tmp_path: Path) -> None:
    path = tmp_path / "cells.apkg"
    export_apkg(deck.cards(), path, "Causerie::course", "local:nb-1")
    assert read_apkg(path) == [
        ("What is osmosis?", "the movement of water across a membrane"),
        ("Is 2 < 3 & 4 > 1?", "<b>yes</b>"),
    ]


def test_csv_has_the_passage_and_the_schedule(deck: Deck, tmp_path: Path) -> None:
    path = tmp_path / "cards.csv"
    assert export_csv(deck.cards(), path) == 2
    with path.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert rows[0]["front"] == "What is osmosis?"
    assert rows[0]["passage"] == PASSAGE and rows[0]["where"] == "Cells > Osmosis"
    assert rows[0]["state"] == "new" and rows[0]["due"]
    assert rows[1]["source"] == "" and rows[1]["origin"] == "imported"


def test_bad_packages_are_refused_with_the_reason(tmp_path: Path) -> None:
    not_zip = tmp_path / "deck.apkg"
    not_zip.write_bytes(b"not a zip at all")
    with pytest.raises(InputError, match=r"deck.apkg: not an Anki package"):
        read_apkg(not_zip)
    newer = tmp_path / "newer.apkg"
    with zipfile.ZipFile(newer, "w") as archive:
        archive.writestr("collection.anki21b", b"\x28\xb5\x2f\xfd")
    with pytest.raises(InputError, match="Support older Anki versions"):
        read_apkg(newer)
    empty = tmp_path / "empty.apkg"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("media", "{}")
    with pytest.raises(InputError, match="holds no Anki collection"):
        read_apkg(empty)
    broken = tmp_path / "broken.apkg"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("collection.anki2", b"garbage" * 100)
    with pytest.raises(InputError, match="its collection cannot be read"):
        read_apkg(broken)
    with pytest.raises(InputError, match="no such file"):
        read_apkg(tmp_path / "missing.apkg")
