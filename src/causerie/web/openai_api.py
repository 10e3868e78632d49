"""OpenAI-compatible endpoints under /v1, for the official clients and tools built on them.

    client = OpenAI(base_url="http://127.0.0.1:8000/v1", api_key="cz_...")
    client.models.list()                       # the user's notebooks, as "notebook/<name>"
    reply = client.chat.completions.create(model="notebook/default", messages=[...])
    reply.choices[0].message.citations         # [{"marker", "source", "locator", "text", ...}]

The last user message is the question; earlier user and assistant messages are the history (the
turn is saved as a conversation seeded with them; its id is `conversation_id` on the response).
At most MAX_MESSAGES messages of at most MAX_MESSAGE_CHARS characters each: the whole request
is checked (sizes, question, rate) before anything is written.
System messages from the client are ignored: Causerie's own instructions frame the sources.
Streaming sends `chat.completion.chunk` events, the citations and usage on the last chunk
(`choices[0].delta.citations`), then `data: [DONE]`. Errors have OpenAI's shape; another user's
notebook is a model that does not exist.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from causerie.errors import CauserieError, InputError, NotFound
from causerie.session import MAX_QUESTION_CHARS, Answer, SessionEvent, final_answer_async
from causerie.store.base import Store
from causerie.types import Notebook, Owner, TextDelta
from causerie.web import sse
from causerie.web.auth import require_user
from causerie.web.deps import chat_of, store_of
from causerie.web.schemas import error_responses


class OpenAIErrorBody(BaseModel):
    code: str = Field(examples=["not_found"])
    message: str
    type: str = Field(examples=["invalid_request_error"])
    param: str | None = None


class OpenAIErrorOut(BaseModel):
    error: OpenAIErrorBody


router = APIRouter(
    prefix="/v1",
    tags=["openai"],
    responses=error_responses(400, 401, 403, 404, 413, 422, model=OpenAIErrorOut),
)
User = Annotated[Owner, Depends(require_user)]
MODEL_PREFIX = "notebook/"
MAX_MESSAGES = 64  # in one request: the question and the history before it
MAX_MESSAGE_CHARS = 16_000  # one history message


class ModelOut(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelOut]


class ChatMessageIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class ChatCompletionIn(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, max_tokens, ...: accepted, unused
    model: str = Field(examples=["notebook/default"])
    messages: list[ChatMessageIn] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: bool = False


def model_id(notebook: Notebook) -> str:
    return MODEL_PREFIX + notebook.name


def _model(notebook: Notebook, owner: Owner) -> ModelOut:
    return ModelOut(id=model_id(notebook), created=int(notebook.created_at), owned_by=owner.id)


def notebook_for_model(store: Store, owner: Owner, model: str) -> Notebook:
    """The owner's notebook a model id names; NotFound (the same for a foreign one) otherwise."""
    name = model[len(MODEL_PREFIX) :] if model.startswith(MODEL_PREFIX) else None
    notebook = store.get_notebook(owner, name) if name else None
    if notebook is None:
        raise NotFound(
            f"The model {model!r} does not exist: models are 'notebook/<name>' (GET /v1/models)"
        )
    return notebook


@router.get("/models", response_model=ModelList, summary="The user's notebooks, as models")
def list_models(request: Request, owner: User) -> ModelList:
    books = store_of(request).list_notebooks(owner)
    return ModelList(data=[_model(b, owner) for b in books])


@router.get("/models/{model:path}", response_model=ModelOut, summary="One notebook, as a model")
def get_model(request: Request, model: str, owner: User) -> ModelOut:
    return _model(notebook_for_model(store_of(request), owner, model), owner)


@router.post(
    "/chat/completions",
    summary="Chat with a notebook (OpenAI format, + citations)",
    responses={
        200: {
            "description": "A chat.completion object; with `stream: true`, chat.completion.chunk "
            "events then `data: [DONE]`",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        **error_responses(429, 502, 503, model=OpenAIErrorOut),
    },
)
async def chat_completions(request: Request, body: ChatCompletionIn, owner: User) -> Any:
    store = store_of(request)
    book = await run_in_threadpool(notebook_for_model, store, owner, body.model)
    question, history = _split(body.messages)
    runner = chat_of(request)
    runner.check_rate(owner)
    conversation_id = None
    if history:
        conversation_id = await run_in_threadpool(_seed, store, owner, book, history)
    events = runner.events(owner, book, question, conversation_id)
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    if not body.stream:
        final = await final_answer_async(events)
        return _completion(completion_id, created, body.model, final)
    first = await anext(events)
    return sse.EventStreamResponse(_chunks(completion_id, created, body.model, first, events))


def _split(messages: list[ChatMessageIn]) -> tuple[str, list[ChatMessageIn]]:
    """(the last user message's text, the user/assistant messages before it)."""
    last_user = max((i for i, m in enumerate(messages) if m.role == "user"), default=None)
    if last_user is None:
        raise InputError("messages", "no message has the role 'user'")
    question = messages[last_user].text().strip()
    if not question:
        raise InputError("messages", "the last user message is empty")
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError("question", f"is longer than {MAX_QUESTION_CHARS} characters")
    earlier = [m for m in messages[:last_user] if m.role in ("user", "assistant") and m.text()]
    for position, message in enumerate(earlier):
        if len(message.text()) > MAX_MESSAGE_CHARS:
            raise InputError(
                f"messages[{position}]", f"is longer than {MAX_MESSAGE_CHARS} characters"
            )
    return question, earlier


def _seed(store: Store, owner: Owner, book: Notebook, history: list[ChatMessageIn]) -> str:
    title = next((m.text() for m in history if m.role == "user"), history[0].text())
    conversation = store.create_conversation(owner, book.id, title[:80])
    for message in history:
        role: Literal["user", "assistant"] = "user" if message.role == "user" else "assistant"
        store.add_message(owner, conversation.id, role, message.text())
    return conversation.id


def openai_citations(answer: Answer) -> list[dict[str, Any]]:
    return [c.to_json() for c in answer.citations]  # marker, source, locator, label, ...


def _usage(answer: Answer) -> dict[str, int]:
    prompt, completion = answer.usage.prompt_tokens, answer.usage.completion_tokens
    return {"prompt_tokens": prompt, "completion_tokens": completion,
            "total_tokens": prompt + completion}  # fmt: skip


def _finish_reason(answer: Answer) -> str:
    return "length" if answer.interrupted else "stop"


def _completion(completion_id: str, created: int, model: str, answer: Answer) -> dict[str, Any]:
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": answer.text,
                    "citations": openai_citations(answer),
                },
                "finish_reason": _finish_reason(answer),
                "logprobs": None,
            }
        ],
        "usage": _usage(answer),
        "conversation_id": answer.conversation_id,
        "abstained": answer.abstained,
    }


async def _chunks(
    completion_id: str,
    created: int,
    model: str,
    first: SessionEvent,
    events: AsyncIterator[SessionEvent],
) -> AsyncIterator[str]:
    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        return sse.event(None, {
            "id": completion_id, "object": "chat.completion.chunk", "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
            **extra,
        })  # fmt: skip

    try:
        yield chunk({"role": "assistant", "content": ""})
        pending = [first]
        while True:
            item = pending.pop() if pending else await anext(events, None)
            if item is None:
                break
            if isinstance(item, TextDelta):
                yield chunk({"content": item.text})
            elif isinstance(item, Answer):
                yield chunk(
                    {"citations": openai_citations(item)},
                    _finish_reason(item),
                    usage=_usage(item),
                    conversation_id=item.conversation_id,
                    abstained=item.abstained,
                )
    except CauserieError as exc:
        yield sse.event(None, {"error": {"message": str(exc), "type": "server_error",
                                         "param": None, "code": "model_error"}})  # fmt: skip
    finally:
        await events.aclose()  # type: ignore[attr-defined]
    yield sse.event(None, "[DONE]")
