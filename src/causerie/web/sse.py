"""Server-Sent Events: the wire format, and a response that always closes its event source.

Starlette stops sending when the client disconnects; this response also closes the async
iterator it was reading, at once, so the producer (a model writing an answer) stops too.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

MEDIA_TYPE = "text/event-stream"


def wants_event_stream(accept: str | None) -> bool:
    return MEDIA_TYPE in (accept or "")


def event(name: str | None, data: Any) -> str:
    """One SSE event: `event: NAME` (omitted when None) and its JSON data."""
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    head = f"event: {name}\n" if name else ""
    return f"{head}data: {payload}\n\n"


class EventStreamResponse(StreamingResponse):
    def __init__(self, events: AsyncIterator[str]) -> None:
        super().__init__(
            events,
            media_type=MEDIA_TYPE,
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
        self._events = events

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            closer = getattr(self._events, "aclose", None)
            if closer is not None:
                await closer()
