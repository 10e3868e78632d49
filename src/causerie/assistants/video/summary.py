"""Summaries of a recording, short or detailed, every sentence cited with its time range.

    summary = summarise(engine, owner, transcript, chapters, length="short", language="fr")
    summary.text        # "La conférence présente ... [1]. ..."
    summary.citations   # Citation(locator.start_s / end_s) for each [n]

Both go through the engine's `answer_over` (the assistant chooses the passages, the engine
numbers them, checks every [n], attributes or holds back uncited sentences, abstains when
nothing is supported). Short: a few sentences over passages spread through the whole talk.
Detailed: a paragraph per chapter over that chapter's passages, markers renumbered into one
list of citations.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from causerie.assistants.kit import Phrasebook
from causerie.assistants.kit.passages import spread_order
from causerie.assistants.video.chapters import Chapter, chapter_passages
from causerie.assistants.video.transcript import Transcript
from causerie.session import Engine, Guidance, final_answer
from causerie.types import Citation, Hit, Owner

Length = Literal["short", "detailed"]
LENGTHS = ("short", "detailed")
SHORT_PASSAGES = 6

WORDS = Phrasebook(
    {
        "short": {
            "en": "Summarise this recording in three or four sentences.",
            "fr": "Résume cet enregistrement en trois ou quatre phrases.",
        },
        "part": {
            "en": "Summarise this part of the recording in two or three sentences.",
            "fr": "Résume cette partie de l'enregistrement en deux ou trois phrases.",
        },
    }
)
INSTRUCTION = (
    "Say what the speakers say, in the order they say it, as plain sentences (no list, no "
    "title). End every sentence with the number of the source it comes from, like [1]."
)
_MARKER = re.compile(r"\[(\d+)\]")


@dataclass
class Summary:
    text: str
    language: str
    length: str
    citations: list[Citation] = field(default_factory=list)
    abstained: bool = False
    unsupported_sentences: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "summary": self.text,
            "language": self.language,
            "length": self.length,
            "abstained": self.abstained,
            "unsupported_sentences": self.unsupported_sentences,
            "citations": [c.to_json() for c in self.citations],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Summary:
        return cls(
            text=str(data["summary"]),
            language=str(data["language"]),
            length=str(data["length"]),
            citations=[Citation.from_dict(c) for c in data.get("citations") or []],
            abstained=bool(data.get("abstained")),
            unsupported_sentences=int(data.get("unsupported_sentences") or 0),
        )


def spread_passages(passages: Sequence[Hit], count: int) -> list[Hit]:
    """`count` passages spread through the talk, in time order."""
    chosen = sorted(spread_order(len(passages))[:count])
    return [passages[i] for i in chosen]


def _answer(
    engine: Engine, owner: Owner, question: str, passages: Sequence[Hit], language: str
) -> tuple[str, list[Citation], bool, int]:
    answer = final_answer(
        engine.answer_over(owner, None, question, passages, save=False,
                           guidance=Guidance(instruction=INSTRUCTION), language=language)
    )  # fmt: skip
    return answer.text, answer.citations, answer.abstained, answer.unsupported_sentences


def _renumbered(text: str, renumber: dict[int, int]) -> str:
    return _MARKER.sub(lambda m: f"[{renumber.get(int(m.group(1)), m.group(1))}]", text)


def summarise(
    engine: Engine,
    owner: Owner,
    transcript: Transcript,
    chapters: Sequence[Chapter],
    length: Length = "short",
    language: str | None = None,
) -> Summary:
    language = language or transcript.language
    if length == "short":
        passages = spread_passages(transcript.passages, SHORT_PASSAGES)
        text, citations, abstained, unsupported = _answer(
            engine, owner, WORDS.say("short", language), passages, language
        )
        return Summary(text, language, length, citations, abstained, unsupported)
    paragraphs: list[str] = []
    merged: list[Citation] = []
    unsupported = 0
    for chapter in chapters:
        passages = chapter_passages(transcript, chapter.start_s, chapter.end_s)
        if not passages:
            continue
        text, citations, abstained, missing = _answer(
            engine, owner, WORDS.say("part", language), passages, language
        )
        if abstained:
            continue
        unsupported += missing
        renumber: dict[int, int] = {}
        for cited in citations:
            known = next((c.marker for c in merged if c.chunk_id == cited.chunk_id), None)
            if known is None:
                known = len(merged) + 1
                merged.append(Citation(known, cited.source, cited.locator, cited.chunk_id,
                                       cited.text))  # fmt: skip
            renumber[cited.marker] = known
        text = _renumbered(text, renumber)
        paragraphs.append(f"{chapter.title}. {text}" if chapter.summary else text)
    if not paragraphs:
        return Summary("", language, length, [], True, 0)
    return Summary("\n\n".join(paragraphs), language, length, merged, False, unsupported)
