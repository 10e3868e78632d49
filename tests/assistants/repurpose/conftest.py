"""A notebook with one long piece in English, one in French (fictional, written for these
tests), a note too short to repurpose, and two past posts filed under past-posts/ (style
examples); on a real SQLite store, the scripted fake model and the hashing embedder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from causerie.assistants.kit.support import sentences
from causerie.config import Settings
from causerie.embedders.fake import HashingEmbedder
from causerie.ingest.pipeline import Ingestor
from causerie.providers.fake import FakeProvider
from causerie.store.sqlite import SQLiteStore
from causerie.types import Hit, Notebook, Owner

ESSAY = """# The Valmont insulation survey

## Why the council asked

In 2023 the town of Valmont spent 2.4 million euros on heating its schools, libraries and
council housing. The council voted to insulate 300 of its oldest homes first and to measure
what changed before insulating the rest. The survey was meant to answer one question: do
households actually save energy, or do they simply heat their homes more?

## What the survey measured

The survey covered 1,200 households between March 2024 and July 2024. Each home received two
thermometers and a meter reader, and the results were collected every fortnight by volunteers
from the local energy cooperative. Homes that had not been insulated served as the comparison
group.

## What changed

Heating costs fell by 12% in insulated homes, while they rose by 3% in the comparison group.
Indoor temperatures rose by only 0.8 degrees on average, which suggests that most households
kept their habits and pocketed the savings. "We were surprised by the demand," said Ada Martin,
who led the survey for the council. Within six weeks, 450 more households had asked to join the
programme.

## What comes next

The council will insulate another 500 homes in 2025, starting with the buildings where the
measured losses were highest. Ada Martin warned that the savings depend on the quality of the
work: "A badly fitted panel is worse than no panel at all." The full results will be published
in the town bulletin in September 2025, together with the list of streets in the next round.
"""

ESSAI = """# Le marché couvert de Belmont

## Un marché qui renaît

Le marché couvert de Belmont a rouvert le 4 avril 2024 après dix-huit mois de travaux. La
rénovation a coûté 3,1 millions d'euros, dont 40 % payés par la région. La halle accueille
désormais 62 étals, contre 35 avant les travaux, et elle est ouverte six jours sur sept.

## Ce qui a changé

Les producteurs locaux occupent 28 des 62 étals, grâce à un loyer réduit de moitié pour ceux
qui vendent ce qu'ils cultivent à moins de 50 kilomètres. « Nous avons enfin de la place pour
tout le monde », explique Inès Garnier, présidente de l'association des commerçants. La
fréquentation a atteint 9 000 visiteurs par semaine en juin 2024.

## Ce qui reste à faire

Le parking reste trop petit : 120 places seulement pour une halle qui attire des familles de
toute la vallée. La mairie étudie une navette gratuite le samedi matin, dont l'essai commencera
en octobre 2024. Inès Garnier reste prudente : « Un marché vit de ses habitués, pas de ses
inaugurations. » Le bilan complet sera présenté au conseil municipal en janvier 2025.
"""

NOTE = "Buy stamps. Call Ada about the survey on Monday."

PAST_POSTS = {
    "2024-05.md": "Small towns can measure before they spend. Our library pilot did: 30 days, "
    "two counters, one honest answer. Measure first, then decide.",
    "2024-09.md": "I keep coming back to one idea: a good public project explains itself with "
    "numbers anyone can check. Here is what we learned this summer.",
}


@pytest.fixture
def db(settings: Settings) -> Iterator[SQLiteStore]:
    store = SQLiteStore(settings.database_path)
    yield store
    store.close()


@pytest.fixture
def pieces(tmp_path: Path) -> Path:
    folder = tmp_path / "pieces"
    (folder / "past-posts").mkdir(parents=True)
    (folder / "insulation.md").write_text(ESSAY, encoding="utf-8")
    (folder / "marche.md").write_text(ESSAI, encoding="utf-8")
    (folder / "note.md").write_text(NOTE, encoding="utf-8")
    for name, text in PAST_POSTS.items():
        (folder / "past-posts" / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def book(db: SQLiteStore, owner: Owner, pieces: Path) -> Notebook:
    notebook = db.ensure_notebook(owner, "pieces")
    ingestor = Ingestor(db, HashingEmbedder())
    files = sorted(str(p) for p in pieces.rglob("*.md"))
    outcomes = ingestor.add_many(owner, notebook, files)
    assert all(o.status == "added" for o in outcomes), outcomes
    ingestor.embed_pending(owner, notebook)
    return notebook


@pytest.fixture
def fake() -> FakeProvider:
    return FakeProvider(strict=True)


def claims_reply(hit: Hit) -> str:
    """What a faithful model writes for a passage: its first two sentences."""
    found = [s for s in sentences(hit.chunk.text) if len(s) < 200]
    return json.dumps({"sentences": found[:2] or [hit.chunk.text[:150]]}, ensure_ascii=False)


def point_reply(text: str, point: int = 1) -> str:
    return json.dumps({"text": text, "point": point}, ensure_ascii=False)


def point_of(passages: list[Hit], needle: str) -> int:
    """The number the model is shown for the first claim (claims_reply's) holding `needle`."""
    claims = [c for hit in passages for c in json.loads(claims_reply(hit))["sentences"]]
    return 1 + next(i for i, claim in enumerate(claims) if needle in claim)
