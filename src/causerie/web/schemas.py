"""Request and response bodies of the REST API (/api), as pydantic models (the OpenAPI schema)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from causerie.session import MAX_QUESTION_CHARS
from causerie.types import Citation, Conversation, Notebook, Source, StoredMessage


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- errors


class ErrorBody(BaseModel):
    code: str = Field(examples=["not_found"])
    message: str = Field(examples=["notebook 'f00' not found"])


class ErrorOut(BaseModel):
    error: ErrorBody


ERROR_TEXTS: dict[int, str] = {
    400: "Malformed JSON, an unusable input (the message names it), or a Host that is not "
    "in allowed_hosts",
    401: "Not signed in and no valid API token",
    403: "Cookie-authenticated write without its CSRF token, or a session-only route called "
    "with an API token",
    404: "No such id for this user (another user's id answers the same)",
    409: "The name is taken by another of the user's notebooks",
    413: "The request body (or the number of files) is over the limit",
    415: "The body's content type is not the one this route reads",
    422: "The body or a parameter does not match the schema",
    429: "Too many requests, or too many ingestion jobs waiting (see Retry-After)",
    502: "The model failed (the message says how)",
    503: "Every place in the queue to the model is taken (see Retry-After)",
}


def error_responses(*statuses: int, model: type[BaseModel] | None = None) -> dict[int | str, Any]:
    """OpenAPI `responses` for these error statuses, each with the error body's schema."""
    return {
        status: {"model": model or ErrorOut, "description": ERROR_TEXTS[status]}
        for status in statuses
    }


# every /api route: what the auth, the body limit, the validation and the id lookups answer
ERRORS: dict[int | str, dict[str, Any]] = error_responses(400, 401, 403, 404, 413, 422)


# --------------------------------------------------------------------------- account


class MeOut(BaseModel):
    name: str
    auth: Literal["session", "token"]
    csrf_token: str | None = Field(None, description="for X-CSRF-Token (session only)")


class TokenIn(Strict):
    label: str = Field("", max_length=100)


class TokenOut(BaseModel):
    id: str
    label: str
    hint: str = Field(description="the token's first characters")
    created_at: float
    last_used_at: float | None


class NewTokenOut(TokenOut):
    token: str = Field(description="the secret: shown this once, stored only as a hash")


# --------------------------------------------------------------------------- notebooks


class NotebookIn(Strict):
    name: str = Field(min_length=1, max_length=200)


class NotebookOut(BaseModel):
    id: str
    name: str
    created_at: float
    source_count: int

    @classmethod
    def of(cls, notebook: Notebook, source_count: int) -> NotebookOut:
        return cls(
            id=notebook.id,
            name=notebook.name,
            created_at=notebook.created_at,
            source_count=source_count,
        )


# --------------------------------------------------------------------------- sources and jobs


class SourceOut(BaseModel):
    id: str
    notebook_id: str
    uri: str
    title: str
    media_type: str
    language: str
    chunk_count: int
    added_at: float
    status: Literal["ready"] = "ready"

    @classmethod
    def of(cls, source: Source) -> SourceOut:
        return cls(
            id=source.id,
            notebook_id=source.notebook_id,
            uri=source.uri,
            title=source.title,
            media_type=source.media_type,
            language=source.language,
            chunk_count=source.chunk_count,
            added_at=source.added_at,
        )


ItemStatus = Literal["queued", "indexing", "added", "updated", "unchanged", "error"]


class JobItemOut(BaseModel):
    name: str
    status: ItemStatus
    error: str | None
    source_id: str | None
    chunks: int | None
    done_s: float | None = Field(default=None, description="a recording: seconds transcribed")
    total_s: float | None = Field(default=None, description="a recording: its duration")
    eta_s: float | None = Field(default=None, description="a recording: seconds left, about")


class PendingSourceOut(JobItemOut):
    job_id: str


class SourcesOut(BaseModel):
    sources: list[SourceOut] = Field(description="stored sources, ready to be asked")
    pending: list[PendingSourceOut] = Field(
        description="inputs of recent jobs not stored: queued, being indexed, or refused"
    )


class RevokedOut(BaseModel):
    revoked: int = Field(description="how many tokens were revoked")


class UrlIn(Strict):
    url: str = Field(
        min_length=1,
        max_length=4000,
        examples=["https://example.org/article"],
        # in the schema only: the validator below checks it, with a message naming the rule
        json_schema_extra={"pattern": r"^\s*[Hh][Tt][Tt][Pp][Ss]?://[^/?#@:\s\[\]]+"},
        description="an http:// or https:// URL with a host; a file path is refused",
    )

    @field_validator("url")
    @classmethod
    def _web_url_only(cls, value: str) -> str:
        """Only an http(s) URL with a host: never a path on the server (absolute or relative),
        nor another scheme (file:, ftp:...)."""
        from causerie.ingest.loaders import web_url_problem

        value = value.strip()
        problem = web_url_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class JobOut(BaseModel):
    id: str
    notebook_id: str
    state: Literal["queued", "indexing", "embedding", "done"]
    done: int = Field(description="inputs finished (stored, unchanged or refused)")
    total: int
    current: str | None = Field(description="the input being indexed now")
    errors: int
    embedded: int = Field(description="passages given vectors so far")
    to_embed: int
    error: str | None = Field(description="a problem of the whole job (e.g. vectors)")
    cancelled: bool = Field(
        default=False,
        description="a cancel was asked: the job stops before its next input (state done then)",
    )
    items: list[JobItemOut]
    created_at: float
    finished_at: float | None


# --------------------------------------------------------------------------- conversations


class CitationOut(BaseModel):
    marker: int
    source: str
    locator: dict[str, Any]
    label: str
    chunk_id: str
    text: str

    @classmethod
    def of(cls, citation: Citation) -> CitationOut:
        return cls(**citation.to_json())


class MessageOut(BaseModel):
    id: str
    conversation_id: str
    role: Literal["system", "user", "assistant"]
    content: str
    citations: list[CitationOut]
    abstained: bool
    interrupted: bool
    created_at: float

    @classmethod
    def of(cls, message: StoredMessage) -> MessageOut:
        return cls(
            id=message.id,
            conversation_id=message.conversation_id,
            role=message.role,
            content=message.content,
            citations=[CitationOut.of(c) for c in message.citations],
            abstained=message.abstained,
            interrupted=message.interrupted,
            created_at=message.created_at,
        )


class ConversationOut(BaseModel):
    id: str
    notebook_id: str
    title: str
    created_at: float

    @classmethod
    def of(cls, conversation: Conversation) -> ConversationOut:
        return cls(
            id=conversation.id,
            notebook_id=conversation.notebook_id,
            title=conversation.title,
            created_at=conversation.created_at,
        )


class ConversationDetail(ConversationOut):
    messages: list[MessageOut]


# --------------------------------------------------------------------------- chat


class ChatIn(Strict):
    question: str = Field(
        min_length=1,
        max_length=MAX_QUESTION_CHARS,
        json_schema_extra={"pattern": r"\S"},  # not only spaces (the engine says so, 400)
    )
    conversation_id: str | None = Field(None, description="continue this conversation")


class UsageOut(BaseModel):
    prompt_tokens: int
    completion_tokens: int


class ChecksOut(BaseModel):
    dropped_markers: list[int]
    unsupported_sentences: int


class AnswerOut(BaseModel):
    answer: str
    abstained: bool
    interrupted: bool
    citations: list[CitationOut] = Field(description="checked against the sources")
    usage: UsageOut
    timings: dict[str, float]
    language: str
    checks: ChecksOut
    conversation_id: str | None
    message_id: str | None
    error: str | None = None


# --------------------------------------------------------------------------- passages


class NeighbourOut(BaseModel):
    chunk_id: str
    ordinal: int
    label: str
    text: str


class PassageSourceOut(BaseModel):
    id: str
    title: str
    uri: str
    media_type: str


class PassageOut(BaseModel):
    chunk_id: str
    notebook_id: str
    source: PassageSourceOut
    ordinal: int
    locator: dict[str, Any]
    label: str
    text: str
    before: list[NeighbourOut] = Field(description="the passages just before, in order")
    after: list[NeighbourOut] = Field(description="the passages just after, in order")
