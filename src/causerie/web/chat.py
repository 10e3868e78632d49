"""Running Engine.ask for web requests: admitted through a fair queue, off the event loop.

The provider says how many requests it takes at once (`Capabilities.max_concurrency`: 1 for
the embedded runner, which serialises itself anyway; `max_concurrent_requests` for a model
server). Turns beyond that wait in a fair per-user queue (`causerie.web.admission`); a user
with too many waiting gets 429, a full queue 503, both with Retry-After. An admitted turn's
blocking generator runs in a worker thread of its own and hands its events to the event loop
through a memory stream, so the server keeps serving while a model writes; the slot is handed
back when that thread is done with the model. When the reader goes away (the browser closed
the stream, the client disconnected), the worker closes the generator at the next event: the
engine keeps the partial answer, marked interrupted.
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import AsyncIterator, Generator
from typing import Any

import anyio
import anyio.from_thread
import anyio.lowlevel

from causerie.session import Answer, Engine, Retrieved, SessionEvent, final_answer_async
from causerie.types import Notebook, Owner
from causerie.web.admission import Admission, QueueFull, Slot
from causerie.web.errors import ApiError
from causerie.web.limits import WebLimits
from causerie.web.ratelimit import RateLimiter, SharedRateLimiter

_DONE = object()


class ChatRunner:
    def __init__(
        self, engine: Engine, limits: WebLimits, rate: RateLimiter | SharedRateLimiter | None = None
    ) -> None:
        """`rate`: the per-user chat rate limit (default: in this process; with PostgreSQL, the
        web app passes one shared by every `serve` process)."""
        self.engine = engine
        self.limits = limits
        self.rate = rate or RateLimiter(limits.chat_burst, limits.chat_refill_s)
        self._admission: Admission | None = None

    @property
    def admission(self) -> Admission:
        """The queue, sized by the provider's capabilities (built with the provider, on the
        first question)."""
        if self._admission is None:
            self._admission = Admission(
                capacity=self.engine.provider.capabilities.max_concurrency,
                per_user=self.limits.chat_waiting_per_user,
                total=self.limits.chat_waiting,
            )
        return self._admission

    async def enter(self, owner: Owner) -> Slot:
        """A model slot for one of this user's turns, after the turns ahead of it; 429 when
        the user has too many waiting, 503 when the whole queue is full."""
        try:
            return await self.admission.enter(owner.id)
        except QueueFull as full:
            status, code = (503, "server_busy") if full.whole else (429, "queue_full")
            raise ApiError(
                status, code, str(full), headers={"Retry-After": str(full.retry_after_s)}
            ) from None

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
        slot = await self.enter(owner)
        send, receive = anyio.create_memory_object_stream[Any](max_buffer_size=math.inf)
        stop = threading.Event()
        token = anyio.lowlevel.current_token()

        def deliver(item: object) -> bool:
            try:
                anyio.from_thread.run_sync(send.send_nowait, item, token=token)
            except (anyio.BrokenResourceError, anyio.ClosedResourceError, RuntimeError):
                return False  # the reader is gone (or the loop has stopped)
            return True

        def leave() -> None:
            with contextlib.suppress(RuntimeError):  # the loop has stopped: nobody waits
                anyio.from_thread.run_sync(self.admission.leave, slot, token=token)

        def work() -> None:
            try:
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
            finally:
                leave()  # before the end is told: the next turn may start at once
                deliver(_DONE)

        try:
            threading.Thread(target=work, name="causerie-chat", daemon=True).start()
        except BaseException:
            self.admission.leave(slot)
            raise
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
