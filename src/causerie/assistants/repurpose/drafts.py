"""What repurposing makes: drafts, one per format, whose sentences keep their citations beside
the text, and the items rejected on the way, each with why.

    draft.to_json()      # {"format", "posts" | "text", "length", "sentences", "rejected", ...}
    to_markdown(drafts)  # the export: each draft, then its sentences with their passages

A sentence's `role` says who wrote it and how it is checked: "claim", "hook", "title" and
"heading" are the model's (checked against their passages), "excerpt" is a passage's own words
(checked verbatim), "call" is the assistant's own line (the call to read the original), which
states no fact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from causerie.assistants.repurpose.formats import Length
from causerie.types import Citation

Role = Literal["claim", "hook", "title", "heading", "excerpt", "call"]
MODEL_ROLES = ("claim", "hook", "title", "heading")


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    role: Role
    citations: tuple[Citation, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "role": self.role,
                "citations": [c.to_json() for c in self.citations]}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Sentence:
        cited = tuple(Citation.from_dict(c) for c in data.get("citations", []))
        return cls(str(data["text"]), data.get("role", "claim"), cited)


@dataclass(frozen=True, slots=True)
class Rejection:
    """Something left out of a draft: a sentence the checks refused, a claim that did not fit."""

    text: str
    why: str

    def to_json(self) -> dict[str, str]:
        return {"text": self.text, "why": self.why}


@dataclass
class Draft:
    """One format's output: `posts` (a thread) or `text`, the sentences it is made of, with
    their citations, its length against the format's rule, what was rejected and why."""

    format: str
    language: str
    posts: list[str] | None = None
    text: str | None = None
    sentences: list[Sentence] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    length: Length | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def parts(self) -> list[str]:
        """The posts of a thread, or the one text."""
        if self.posts is not None:
            return self.posts
        return [] if self.text is None else [self.text]

    @property
    def shipped(self) -> bool:
        return bool(self.parts) and self.length is not None and self.length.within

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"format": self.format, "language": self.language}
        if self.posts is not None:
            data["posts"] = self.posts
        else:
            data["text"] = self.text or ""
        data["length"] = self.length.to_json() if self.length else None
        data["sentences"] = [s.to_json() for s in self.sentences]
        data["rejected"] = [r.to_json() for r in self.rejected]
        data["notes"] = self.notes
        data["seconds"] = round(self.seconds, 2)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Draft:
        from causerie.assistants.repurpose.formats import Length

        raw = data.get("length") or None
        length = None
        if raw:
            length = Length(raw["value"], raw["limit"], raw["unit"], raw["within"],
                            tuple(raw.get("posts", ())), raw.get("minimum", 0.0),
                            raw.get("why", ""))  # fmt: skip
        return cls(
            format=data["format"],
            language=data.get("language", "en"),
            posts=data.get("posts"),
            text=data.get("text") if "posts" not in data else None,
            sentences=[Sentence.from_json(s) for s in data.get("sentences", [])],
            rejected=[Rejection(r["text"], r["why"]) for r in data.get("rejected", [])],
            length=length,
            notes=list(data.get("notes", [])),
            seconds=float(data.get("seconds", 0.0)),
        )


def to_markdown(title: str, drafts: list[Draft]) -> str:
    """The drafts as one Markdown file: each format's text (posts numbered), its length, then
    its sources: each sentence with the passage it rests on."""
    lines = [f"# {title}", ""]
    for draft in drafts:
        lines += [f"## {draft.format}", ""]
        if draft.posts is not None:
            for post in draft.posts:
                lines += [post, "", "---", ""]
        elif draft.text:
            lines += [draft.text, ""]
        if draft.length is not None:
            state = "within" if draft.length.within else "NOT within"
            lines += [f"*Length: {draft.length.value:g} {draft.length.unit} ({state} "
                      f"{draft.length.limit:g}).*", ""]  # fmt: skip
        cited = [s for s in draft.sentences if s.citations]
        if cited:
            lines += ["### Sources of each sentence", ""]
            for sentence in cited:
                lines.append(f"- {sentence.text}")
                for c in sentence.citations:
                    passage = " ".join(c.text.split())
                    lines.append(f"  - {c.source.rsplit('/', 1)[-1]} ({c.locator.label()}): "
                                 f"{passage}")  # fmt: skip
            lines.append("")
        if draft.rejected:
            lines += ["### Rejected", ""]
            lines += [f"- {r.text} — {r.why}" for r in draft.rejected]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
