"""Frozen values that travel along the data path.

source -> Document(sections) -> Chunk(locator) -> stored rows -> Hit -> context -> events -> Answer
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

# --------------------------------------------------------------------------- identity


@dataclass(frozen=True, slots=True)
class Owner:
    """Who a row belongs to. Every store read and write takes one; there is no default."""

    id: str

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise ValueError("an owner needs a non-empty id")


LOCAL_OWNER = Owner("local")


def content_hash(data: bytes | str) -> str:
    """SHA-256 hex digest of bytes or UTF-8 text: the id scheme for sources and chunks."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


# --------------------------------------------------------------------------- documents


def _format_ts(seconds: float) -> str:
    total = int(seconds)
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h:02d}:{m:02d}:{s:02d}"


def clock(seconds: float) -> str:
    """A moment in a recording: '4:05', '12:31', '1:02:09' (seconds rounded down)."""
    total = max(0, int(seconds))
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


@dataclass(frozen=True, slots=True)
class Locator:
    """Where a passage lives, so a person can open it: page, heading path, timestamps, span."""

    char_start: int = 0
    char_end: int = 0
    page: int | None = None
    heading_path: tuple[str, ...] = ()
    start_s: float | None = None
    end_s: float | None = None
    message_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["heading_path"] = list(self.heading_path)
        return {k: v for k, v in data.items() if v not in (None, [], ())}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Locator:
        values = dict(data)
        values["heading_path"] = tuple(values.get("heading_path") or ())
        return cls(**values)

    def time_range(self) -> str | None:
        """'12:31–12:58' (minutes:seconds; 'h:mm:ss' past an hour) for a timed passage, else
        None: how the CLI and the pages show where in a recording a passage is said."""
        if self.start_s is None:
            return None
        end = self.end_s if self.end_s is not None else self.start_s
        return f"{clock(self.start_s)}–{clock(end)}"

    def label(self) -> str:
        """A short human label: 'p. 3', 'Setup > Install', '00:01:02-00:01:09'."""
        parts: list[str] = []
        if self.page is not None:
            parts.append(f"p. {self.page}")
        if self.heading_path:
            parts.append(" > ".join(self.heading_path))
        if self.start_s is not None:
            end = f"-{_format_ts(self.end_s)}" if self.end_s is not None else ""
            parts.append(f"{_format_ts(self.start_s)}{end}")
        if not parts:
            parts.append(f"chars {self.char_start}-{self.char_end}")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Section:
    """A structural unit a loader found: a page, a heading's body, a subtitle cue, a mail body."""

    text: str
    page: int | None = None
    heading_path: tuple[str, ...] = ()
    start_s: float | None = None
    end_s: float | None = None
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """What a loader returns: the source's text as ordered sections, plus what it knows of it."""

    uri: str  # the file name or URL as the user gave it
    title: str
    media_type: str
    sections: tuple[Section, ...]
    content_hash: str  # hash of the raw bytes the loader read
    metadata: Mapping[str, str] = field(default_factory=dict)

    SEPARATOR = "\n\n"

    @property
    def text(self) -> str:
        return self.SEPARATOR.join(s.text for s in self.sections)


@dataclass(frozen=True, slots=True)
class Chunk:
    """A retrievable passage. Its id is a content hash, so unchanged text keeps its id."""

    id: str
    ordinal: int
    text: str
    locator: Locator
    token_count: int

    @staticmethod
    def make_id(source_hash: str, ordinal: int, text: str) -> str:
        return content_hash(f"{source_hash}:{ordinal}:{text}")[:32]


# --------------------------------------------------------------------------- stored rows


@dataclass(frozen=True, slots=True)
class Notebook:
    id: str
    name: str
    created_at: float


SourceStatus = Literal["ready", "error"]


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    notebook_id: str
    uri: str
    title: str
    media_type: str
    language: str
    content_hash: str
    chunk_count: int
    added_at: float


@dataclass(frozen=True, slots=True)
class Hit:
    """A chunk found by retrieval, with the source it came from and its scores."""

    chunk: Chunk
    source: Source
    score: float = 0.0
    lexical_score: float | None = None
    dense_score: float | None = None


@dataclass(frozen=True, slots=True)
class Citation:
    """A checked [n] marker: which chunk of which source, where, and the passage text."""

    marker: int
    source: str
    locator: Locator
    chunk_id: str
    text: str

    @classmethod
    def from_hit(cls, hit: Hit, marker: int = 1) -> Citation:
        """The citation of a passage shown to the model as source `marker`."""
        return cls(
            marker=marker,
            source=hit.source.uri,
            locator=hit.chunk.locator,
            chunk_id=hit.chunk.id,
            text=hit.chunk.text,
        )

    def to_dict(self) -> dict[str, Any]:
        """The stored form (conversation messages, study rows); `from_dict` reads it back."""
        return {
            "marker": self.marker,
            "source": self.source,
            "locator": self.locator.to_dict(),
            "chunk_id": self.chunk_id,
            "text": self.text,
        }

    def to_json(self) -> dict[str, Any]:
        """The one JSON form every surface shows: the stored form plus `label`, the locator's
        short human label ('p. 3', 'Setup > Install'). `from_dict` reads it back too."""
        return {**self.to_dict(), "label": self.locator.label()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Citation:
        return cls(
            marker=int(data["marker"]),
            source=str(data["source"]),
            locator=Locator.from_dict(data.get("locator") or {}),
            chunk_id=str(data["chunk_id"]),
            text=str(data["text"]),
        )


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    notebook_id: str
    title: str
    created_at: float


Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True)
class Message:
    """A chat message as a provider sees it."""

    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class StoredMessage:
    id: str
    conversation_id: str
    role: Role
    content: str
    citations: tuple[Citation, ...] = ()
    abstained: bool = False
    interrupted: bool = False
    created_at: float = 0.0


# --------------------------------------------------------------------------- provider events


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def to_dict(self) -> dict[str, int]:
        return {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens}


FinishReason = Literal["stop", "length", "interrupted", "error"]


@dataclass(frozen=True, slots=True)
class Finish:
    reason: FinishReason
    error: str | None = None


Event = TextDelta | Usage | Finish


@dataclass(frozen=True, slots=True)
class GenerationOptions:
    max_tokens: int = 512
    temperature: float = 0.2
    stop: Sequence[str] = ()
    json_schema: Mapping[str, Any] | None = None  # constrained output where the provider can
    seed: int | None = 0
