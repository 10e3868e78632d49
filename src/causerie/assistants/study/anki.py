"""Cards out to Anki (.apkg, through genanki) and CSV; cards in from an Anki package.

Ids are stable: the note type's id is a constant and a deck's id derives from its notebook,
so exporting again and importing into Anki updates the same deck and note type instead of
adding copies; a note's guid derives from its card's id, so re-imports update notes too.

An .apkg is a zip holding a SQLite collection (`collection.anki2`, or `collection.anki21`
from Anki 2.1); its `notes` table holds each note's fields separated by 0x1f. Anki 23.10+
exports a zstd-compressed `collection.anki21b` unless "Support older Anki versions" is ticked:
that one is refused with that advice.
"""

from __future__ import annotations

import contextlib
import csv
import html
import itertools
import re
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

import genanki  # type: ignore[import-untyped]

from causerie.assistants.study.records import Flashcard
from causerie.errors import InputError
from causerie.types import content_hash

MODEL_ID = 1_730_204_817  # the "Causerie card" note type, forever
MAX_COLLECTION_BYTES = 200 * 1024 * 1024  # bounded decompression of an imported package

CARD_CSS = """.card { font-family: sans-serif; font-size: 20px; text-align: center; }
.source { font-size: 12px; color: #666; margin-top: 1em; }"""


def note_model() -> genanki.Model:
    return genanki.Model(
        MODEL_ID,
        "Causerie card",
        fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Source"}],
        templates=[
            {
                "name": "Card 1",
                "qfmt": "{{Front}}",
                "afmt": '{{FrontSide}}<hr id="answer">{{Back}}<div class="source">{{Source}}</div>',
            }
        ],
        css=CARD_CSS,
    )


def deck_id(key: str) -> int:
    """A stable Anki deck id for a key (owner and notebook id), in genanki's advised range."""
    return (1 << 30) + int(content_hash(f"causerie-deck:{key}")[:8], 16) % (1 << 30)


def _source_label(card: Flashcard) -> str:
    if card.citation is None:
        return ""
    name = card.citation.source.rsplit("/", 1)[-1]
    return f"{name} ({card.citation.locator.label()})"


def export_apkg(cards: Sequence[Flashcard], path: Path, deck_name: str, key: str) -> int:
    """Write the cards as an Anki package; returns how many notes it holds."""
    model = note_model()
    deck = genanki.Deck(deck_id(key), deck_name)
    for card in cards:
        fields = [html.escape(card.front), html.escape(card.back), html.escape(_source_label(card))]
        deck.add_note(genanki.Note(model=model, fields=fields,
                                   guid=genanki.guid_for("causerie", card.id),
                                   tags=["causerie", card.origin]))  # fmt: skip
    package = genanki.Package(deck)
    with tempfile.TemporaryDirectory() as folder:
        collection = Path(folder) / "collection.anki2"
        conn = sqlite3.connect(collection)
        try:
            timestamp = time.time()
            package.write_to_db(conn.cursor(), timestamp, itertools.count(int(timestamp * 1000)))
            conn.commit()
        finally:
            conn.close()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(collection, "collection.anki2")
            archive.writestr("media", "{}")
    return len(cards)


CSV_COLUMNS = ("front", "back", "source", "where", "passage", "state", "due", "origin")


def export_csv(cards: Sequence[Flashcard], path: Path) -> int:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(CSV_COLUMNS)
        for card in cards:
            cited = card.citation
            writer.writerow([
                card.front,
                card.back,
                cited.source if cited else "",
                cited.locator.label() if cited else "",
                cited.text if cited else "",
                card.state_name(),
                card.due.isoformat(),
                card.origin,
            ])  # fmt: skip
    return len(cards)


# ----------------------------------------------------------------------------- import

_TAG = re.compile(r"<[^>]*>")


def _plain(field: str) -> str:
    text = re.sub(r"(?i)<br\s*/?>|</div>|</p>", "\n", field)
    return " ".join(html.unescape(_TAG.sub(" ", text)).split())


def read_apkg(path: Path) -> list[tuple[str, str]]:
    """(front, back) of each note of an Anki package with at least two non-empty fields."""
    name = str(path)
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise InputError(name, "no such file") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(name, f"not an Anki package (.apkg is a zip archive): {exc}") from None
    with archive, tempfile.TemporaryDirectory() as folder:
        members = {info.filename: info for info in archive.infolist()}
        chosen = next((members[n] for n in ("collection.anki21", "collection.anki2")
                       if n in members), None)  # fmt: skip
        if chosen is None:
            if "collection.anki21b" in members:
                raise InputError(name, "is in Anki's newer compressed format; export it again "
                                 "with 'Support older Anki versions' ticked")  # fmt: skip
            raise InputError(name, "holds no Anki collection (collection.anki2)")
        if chosen.file_size > MAX_COLLECTION_BYTES:
            raise InputError(name, f"its collection is over {MAX_COLLECTION_BYTES >> 20} MiB")
        target = Path(folder) / "collection.sqlite3"
        with archive.open(chosen) as source, target.open("wb") as out:
            copied = 0
            while block := source.read(1 << 20):
                copied += len(block)
                if copied > MAX_COLLECTION_BYTES:  # the header may lie about the size
                    raise InputError(
                        name, f"its collection is over {MAX_COLLECTION_BYTES >> 20} MiB"
                    )
                out.write(block)
        return _notes(target, name)


def _notes(collection: Path, name: str) -> list[tuple[str, str]]:
    conn = sqlite3.connect(f"file:{collection}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT flds FROM notes ORDER BY id").fetchall()
    except sqlite3.DatabaseError as exc:
        raise InputError(name, f"its collection cannot be read: {exc}") from None
    finally:
        with contextlib.suppress(sqlite3.Error):
            conn.close()
    notes = []
    for (fields,) in rows:
        parts = [_plain(f) for f in str(fields).split("\x1f")]
        if len(parts) >= 2 and parts[0] and parts[1]:
            notes.append((parts[0], parts[1]))
    return notes
