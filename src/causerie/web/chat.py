"""Running Engine.ask for web requests: one generation at a time, off the event loop.

The embedded llama.cpp model is not thread-safe, so every generation holds one lock. The
engine's blocking generator runs in a worker thread of its own and hands its events to the
event loop through a memory stream, so the server keeps serving while a model writes. When
the reader goes away (the browser closed the stream, the client disconnected), the worker closes
the generator at the next event: the engine keeps the partial answer, marked interrupted.
"""

from __future__ import annotations

import math
import threading
from collections.abc import AsyncIterator, Generator
from typing import Any

import anyio
import anyio.from_thread
import anyio.lowlevel

from causerie.session import Answer, Engine, Retrieved, SessionEvent, final_answer_async
from causerie.types import Notebook, Owner
from causerie.web.errors import ApiError
from causerie.web.limits import WebLimits
from causerie.web.ratelimit import RateLimiter

_DONE = object()


class ChatRunner:
    def __init__(self, engine: Engine, limits: WebLimits) -> None:
        self.engine = engine
        self.generation_lock = threading.Lock()
        self.rate = RateLimiter(limits.chat_burst, limits.chat_refill_s)

    def check_rate(self, owner: Owner) -> None:
        """429 with Retry-After when this user has asked too often."""
        wait = self.rate.take(owner.id)
        if wait is not None:
            raise ApiError(
                429,
                "rate_limited",
                f"too many questions; try again in {wait} s",
                headers={"Retry-After": str(wait)},
            )

    async def events(
        self, owner: Owner, notebook: Notebook, question: str, conversation_id: str | None
    ) -> AsyncIterator[SessionEvent]:
        """Engine.ask's events, produced in a worker thread. An error the engine raises comes
        out here; closing this iterator early stops the generation at its next event."""
        send, receive = anyio.create_memory_object_stream[Any](max_buffer_size=math.inf)
        stop = threading.Event()
        token = anyio.lowlevel.current_token()

        def deliver(item: object) -> bool:
            try:
                anyio.from_thread.run_sync(send.send_nowait, item, token=token)
            except (anyio.BrokenResourceError, anyio.ClosedResourceError, RuntimeError):
                return False  # the reader is gone (or the loop has stopped)
            return True

        def work() -> None:
            with self.generation_lock:
                produced = self.engine.ask(owner, notebook, question, conversation_id)
                assert isinstance(produced, Generator)  # close() stops it mid-answer
                try:
                    for event in produced:
                        if stop.is_set() or not deliver(event):
                            break
                except Exception as exc:
                    deliver(exc)
                finally:
                    produced.close()  # GeneratorExit mid-answer: saved as interrupted
                    deliver(_DONE)

        threading.Thread(target=work, name="causerie-chat", daemon=True).start()
        try:
            async with receive:
                async for item in receive:
                    if item is _DONE:
                        return
                    if isinstance(item, Exception):
                        raise item
                    yield item
        finally:
            stop.set()
            send.close()  # the worker's next delivery fails: it closes the generator

    async def answer(
        self, owner: Owner, notebook: Notebook, question: str, conversation_id: str | None
    ) -> Answer:
        """The whole turn, for clients that do not stream."""
        return await final_answer_async(self.events(owner, notebook, question, conversation_id))


def retrieved_json(event: Retrieved) -> dict[str, object]:
    """The `retrieved` SSE event: the passages in prompt order, numbered as the model sees them."""
    return {
        "mode": event.mode,
        "vectors_ready": event.vectors_ready,
        "passages": [
            {
                "marker": n,
                "chunk_id": hit.chunk.id,
                "source": hit.source.title,
                "source_id": hit.source.id,
                "uri": hit.source.uri,
                "locator": hit.chunk.locator.to_dict(),
                "label": hit.chunk.locator.label(),
                "text": hit.chunk.text,
            }
            for n, hit in enumerate(event.hits, start=1)
        ],
    }


def answer_json(answer: Answer) -> dict[str, object]:
    """Answer.to_json() plus the saved message's id, and the error of an interrupted answer."""
    data = answer.to_json()
    data["message_id"] = answer.message_id
    data["error"] = answer.error
    return data
