"""`causerie serve` outlives its model: the runner process is killed with SIGSEGV mid-answer
under a real uvicorn server; that request ends as interrupted with the cause, and another
user's request is answered by a fresh runner. The runner, its pipe and the signal are real;
only the model's words are scripted (`causerie.runner.scripted`)."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from web_helpers import LIBRARY_MD, SUNDAY_ANSWER, Actor, LiveServer, new_notebook, upload

from causerie.providers import allow_model_requests
from causerie.providers.llamacpp import LlamaCppProvider
from causerie.runner import close_all
from causerie.types import Owner

# The answer streams sentence by sentence (each is checked before it is shown): the first
# sentence reaches the client while the second is still being written.
CHUNKS = [SUNDAY_ANSWER, " It is", " closed", " on Mondays", " [1]."]
FULL_ANSWER = "".join(CHUNKS)


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[LlamaCppProvider]:  # the app's model, for this module
    gguf = tmp_path / "scripted.gguf"
    gguf.write_bytes(b"GGUF scripted stand-in")
    script = {"replies": [CHUNKS], "delay_s": 0.3}
    with allow_model_requests(True):  # a context the engine's prompt and answer fit in
        yield LlamaCppProvider(
            gguf, n_ctx=4096, n_threads=1, home=tmp_path / "home",
            backend={"kind": "scripted", "script": script},
        )  # fmt: skip
    close_all()


def sse_events(response: httpx.Response) -> Iterator[tuple[str, dict[str, object]]]:
    kind = ""
    for line in response.iter_lines():
        if line.startswith("event: "):
            kind = line.removeprefix("event: ")
        elif line.startswith("data: "):
            yield kind, json.loads(line.removeprefix("data: "))


def test_a_runner_crash_ends_one_request_and_the_server_keeps_serving(
    live_server: LiveServer, alice: Actor, library: str, make_actor, fake: LlamaCppProvider
) -> None:  # type: ignore[no-untyped-def]
    bob: Actor = make_actor("bob")
    bobs = new_notebook(bob, "Library")
    upload(bob, bobs, ("library.md", LIBRARY_MD))
    seen: list[tuple[str, dict[str, object]]] = []
    killed: int | None = None
    with (
        httpx.Client(base_url=live_server.url, headers=alice.bearer, timeout=30) as http,
        http.stream(
            "POST",
            f"/api/notebooks/{library}/chat",
            json={"question": "When is the library open on Sundays?"},
            headers={"Accept": "text/event-stream"},
        ) as response,
    ):
        assert response.status_code == 200
        for kind, data in sse_events(response):
            seen.append((kind, data))
            if kind == "delta" and killed is None:
                killed = fake.runner.pid
                assert killed is not None and killed != os.getpid()
                os.kill(killed, signal.SIGSEGV)
    kinds = [kind for kind, _ in seen]
    assert kinds.count("delta") >= 1 and kinds[-1] == "answer", kinds
    answer = seen[-1][1]
    assert answer["interrupted"] is True
    assert "killed by SIGSEGV" in str(answer["error"])
    assert "partial answer is kept" in str(answer["error"])
    saved = live_server.app.state.services.store.list_messages(
        Owner("alice"), str(answer["conversation_id"])
    )
    assert saved[-1].role == "assistant" and saved[-1].interrupted
    assert saved[-1].content.startswith(SUNDAY_ANSWER)
    assert len(saved[-1].content) < len(FULL_ANSWER)

    with httpx.Client(base_url=live_server.url, headers=bob.bearer, timeout=30) as http:
        reply = http.post(f"/api/notebooks/{bobs}/chat", json={"question": "Sundays?"})
    assert reply.status_code == 200, reply.text
    assert reply.json()["answer"] == FULL_ANSWER
    assert reply.json()["interrupted"] is False
    assert fake.runner.pid not in (None, killed)
