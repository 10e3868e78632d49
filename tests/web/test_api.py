"""The REST API in process: notebooks, uploads and jobs, size limits, URL sources,
conversations, passages in context, chat as JSON and as Server-Sent Events, errors, rate limit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_helpers import (
    LIBRARY_MD,
    SUNDAY_ANSWER,
    TEST_LIMITS,
    Actor,
    new_notebook,
    upload,
    wait_job,
)

from causerie.providers.fake import FakeProvider
from causerie.web.limits import WebLimits


def parse_sse(text: str) -> list[tuple[str, Any]]:
    """[(event name, decoded data)] of a text/event-stream body."""
    events = []
    for block in text.strip().split("\n\n"):
        name, data = "message", ""
        for line in block.splitlines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data += line[6:]
        events.append((name, json.loads(data)))
    return events


# --------------------------------------------------------------------------- notebooks


def test_notebooks_create_list_rename_delete(alice: Actor) -> None:
    made = alice.api("POST", "/api/notebooks", json={"name": "Research"})
    assert made.status_code == 201
    notebook = made.json()
    assert notebook["name"] == "Research" and notebook["source_count"] == 0
    again = alice.api("POST", "/api/notebooks", json={"name": "Research"})
    assert again.status_code == 409 and "Research" in again.json()["error"]["message"]
    renamed = alice.api("PATCH", f"/api/notebooks/{notebook['id']}", json={"name": "Thesis"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Thesis"
    assert [n["name"] for n in alice.api("GET", "/api/notebooks").json()] == ["Thesis"]
    assert alice.api("GET", f"/api/notebooks/{notebook['id']}").json()["name"] == "Thesis"
    assert alice.api("DELETE", f"/api/notebooks/{notebook['id']}").status_code == 204
    gone = alice.api("GET", f"/api/notebooks/{notebook['id']}")
    assert gone.status_code == 404
    assert gone.json() == {
        "error": {"code": "not_found", "message": f"notebook {notebook['id']!r} not found"}
    }


def test_the_cli_and_the_browser_share_a_users_notebooks(
    app: FastAPI, alice: Actor, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from causerie.cli.main import cli

    notes = tmp_path / "notes.md"
    notes.write_bytes(LIBRARY_MD)
    added = CliRunner().invoke(cli, ["--user", "alice", "add", str(notes), "-n", "From CLI"])
    assert added.exit_code == 0, added.output
    books = alice.api("GET", "/api/notebooks").json()
    assert [(b["name"], b["source_count"]) for b in books] == [("From CLI", 1)]


def test_notebook_lists_count_each_notebooks_sources(alice: Actor, make_actor: Any) -> None:
    """The list (API and page) counts each notebook's own sources, an empty one as 0; another
    user's sources count for nobody else."""
    full = new_notebook(alice, "Full")
    new_notebook(alice, "Empty")
    upload(alice, full, ("one.md", LIBRARY_MD), ("two.md", b"# Two\n\nOther text.\n"))
    bob = make_actor("bob")
    upload(bob, new_notebook(bob, "Full"), ("three.md", LIBRARY_MD))
    books = alice.api("GET", "/api/notebooks").json()
    assert [(b["name"], b["source_count"]) for b in books] == [("Empty", 0), ("Full", 2)]
    page = alice.browser.get("/").text
    assert page.count("Sources: 2") == 1 and page.count("Sources: 0") == 1
    assert "Ask a question about this notebook" in alice.browser.get(f"/notebooks/{full}/chat").text


# --------------------------------------------------------------------------- uploads


def test_upload_many_files_reports_each_and_lists_sources_with_status(
    alice: Actor, limits: WebLimits
) -> None:
    notebook_id = new_notebook(alice, "Mixed")
    job = upload(
        alice,
        notebook_id,
        ("library.md", LIBRARY_MD),
        ("../../etc/evil name?.txt", b"Plain text about compost and worms."),
        ("photo.exe", b"MZ binary"),
        ("empty.txt", b""),
        ("big.txt", b"word " * (limits.max_file_bytes // 5 + 10)),
    )
    by_name = {item["name"]: item for item in job["items"]}
    assert set(by_name) == {"library.md", "evil name_.txt", "photo.exe", "empty.txt", "big.txt"}
    assert by_name["library.md"]["status"] == "added" and by_name["library.md"]["chunks"] >= 1
    assert by_name["evil name_.txt"]["status"] == "added"  # the path part is dropped
    assert "photo.exe" in by_name["photo.exe"]["error"] and "not supported" in (
        by_name["photo.exe"]["error"])  # fmt: skip
    assert "empty" in by_name["empty.txt"]["error"]
    assert "too large" in by_name["big.txt"]["error"]
    assert (job["done"], job["total"], job["errors"], job["state"]) == (5, 5, 3, "done")

    listed = alice.api("GET", f"/api/notebooks/{notebook_id}/sources").json()
    assert sorted(s["uri"] for s in listed["sources"]) == ["evil name_.txt", "library.md"]
    assert {s["status"] for s in listed["sources"]} == {"ready"}
    assert {p["name"]: p["status"] for p in listed["pending"]} == {
        "photo.exe": "error", "empty.txt": "error", "big.txt": "error"}  # fmt: skip
    assert all(p["job_id"] == job["id"] for p in listed["pending"])

    again = upload(alice, notebook_id, ("library.md", LIBRARY_MD))
    assert again["items"][0]["status"] == "unchanged"
    source_id = by_name["library.md"]["source_id"]
    assert alice.api("DELETE", f"/api/sources/{source_id}").status_code == 204
    remaining = alice.api("GET", f"/api/notebooks/{notebook_id}/sources").json()["sources"]
    assert [s["uri"] for s in remaining] == ["evil name_.txt"]
    assert alice.api("DELETE", f"/api/sources/{source_id}").status_code == 404
    jobs = alice.api("GET", f"/api/notebooks/{notebook_id}/jobs").json()
    assert [j["id"] for j in jobs] == [job["id"], again["id"]]


def test_upload_over_the_limit_is_refused_by_content_length_before_parsing(
    app: FastAPI, alice: Actor, limits: WebLimits
) -> None:
    notebook_id = new_notebook(alice, "Big")
    parsed: list[str] = []
    original = app.state.jobs.submit
    app.state.jobs.submit = lambda *a, **k: parsed.append("submitted") or original(*a, **k)
    body = b"x" * (limits.max_upload_bytes + 1)
    response = alice.api(
        "POST",
        f"/api/notebooks/{notebook_id}/sources",
        content=body,
        headers={"content-type": "multipart/form-data; boundary=zzz"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert "limit" in response.json()["error"]["message"]
    assert parsed == []
    assert alice.api("GET", "/api/notebooks").status_code == 200  # still serving


def test_upload_without_content_length_is_cut_while_streaming(
    alice: Actor, limits: WebLimits
) -> None:
    notebook_id = new_notebook(alice, "Streamed")
    boundary = "b0undary"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            'filename="a.txt"\r\nContent-Type: text/plain\r\n\r\n').encode()  # fmt: skip
    sent = []

    def body():  # type: ignore[no-untyped-def]  # a generator: sent chunked, no length
        yield head
        for _ in range(limits.max_upload_bytes // 8192 + 4):
            sent.append(1)
            yield b"y" * 8192
        yield f"\r\n--{boundary}--\r\n".encode()

    response = alice.api(
        "POST",
        f"/api/notebooks/{notebook_id}/sources",
        content=body(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert alice.api("GET", f"/api/notebooks/{notebook_id}/jobs").json() == []


def test_json_bodies_have_a_size_limit_too(alice: Actor, limits: WebLimits) -> None:
    big = {"name": "n" * (limits.max_body_bytes + 10)}
    assert alice.api("POST", "/api/notebooks", json=big).status_code == 413


def test_upload_needs_multipart_and_files(alice: Actor) -> None:
    notebook_id = new_notebook(alice, "Empty")
    as_json = alice.api("POST", f"/api/notebooks/{notebook_id}/sources", json={"files": []})
    assert as_json.status_code == 415
    no_files = alice.api(
        "POST", f"/api/notebooks/{notebook_id}/sources", files={"other": ("a.txt", b"x")}
    )
    assert no_files.status_code == 400 and "files" in no_files.json()["error"]["message"]


def test_url_sources_to_private_addresses_are_refused_per_source(alice: Actor) -> None:
    notebook_id = new_notebook(alice, "Web")
    started = alice.api(
        "POST", f"/api/notebooks/{notebook_id}/sources/url", json={"url": "http://127.0.0.1:9/x"}
    )
    assert started.status_code == 202
    job = wait_job(alice, started.json()["id"])
    item = job["items"][0]
    assert item["status"] == "error" and "127.0.0.1" in item["error"]
    bad = alice.api("POST", f"/api/notebooks/{notebook_id}/sources/url", json={"url": "ftp://x"})
    assert bad.status_code == 422 and "ftp:// URLs are not supported" in bad.text


def test_the_pages_stop_button_cancels_through_the_api(alice: Actor, make_actor: Any) -> None:
    """The sources page's Stop button posts to /api/jobs/{id}/cancel with the session's CSRF
    header; the answer says `cancelled`: at once for a queued job, after the current input
    for a running one. Without the header the cancel is refused; another user's job is 404."""
    import threading

    from causerie.jobs import JobContext, get_kind, register_kind
    from causerie.jobs.ingestion import FILES

    opened, started = threading.Event(), threading.Event()
    real = get_kind(FILES)
    assert real is not None

    def gated(context: JobContext) -> Any:
        started.set()
        opened.wait(20)
        return real.handler(context)

    register_kind(FILES, gated, real.description)
    try:
        notebook_id = new_notebook(alice, "Stop")
        files = [("files", ("first.md", LIBRARY_MD, "text/markdown"))]
        running = alice.api("POST", f"/api/notebooks/{notebook_id}/sources", files=files).json()
        assert started.wait(10) and running["cancelled"] is False
        files = [("files", ("second.md", LIBRARY_MD, "text/markdown"))]
        queued = alice.api("POST", f"/api/notebooks/{notebook_id}/sources", files=files).json()

        no_header = alice.browser.post(f"/api/jobs/{queued['id']}/cancel")
        assert no_header.status_code == 403
        assert alice.api("GET", f"/api/jobs/{queued['id']}").json()["state"] == "queued"
        bob = make_actor("bob")
        assert bob.api("POST", f"/api/jobs/{queued['id']}/cancel").status_code == 404

        stopped = alice.api("POST", f"/api/jobs/{queued['id']}/cancel").json()
        assert stopped["state"] == "done" and stopped["cancelled"] is True
        stopping = alice.api("POST", f"/api/jobs/{running['id']}/cancel").json()
        assert stopping["state"] == "indexing" and stopping["cancelled"] is True
        assert alice.api("GET", f"/api/jobs/{running['id']}").json()["cancelled"] is True
    finally:
        opened.set()
        register_kind(FILES, real.handler, real.description)
    ended = wait_job(alice, running["id"])
    assert ended["cancelled"] is True and ended["items"][0]["error"] == "cancelled"
    assert alice.api("GET", f"/api/notebooks/{notebook_id}/sources").json()["sources"] == []
    jobs = alice.api("GET", f"/api/notebooks/{notebook_id}/jobs").json()
    assert sorted(job["cancelled"] for job in jobs) == [True, True]
    done = upload(alice, notebook_id, ("third.md", LIBRARY_MD))
    assert done["cancelled"] is False and done["items"][0]["status"] == "added"


# --------------------------------------------------------------------------- errors


def test_malformed_json_is_a_400_and_the_server_keeps_serving(alice: Actor) -> None:
    for body in (b"{not json", b"", b"[1, 2", '{"name": "\u00e9"'.encode()):
        response = alice.api(
            "POST", "/api/notebooks", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code in (400, 422), body
        assert response.headers["content-type"] == "application/json"
        assert set(response.json()["error"]) == {"code", "message"}
    broken = alice.api(
        "POST", "/api/notebooks", content=b"{oops", headers={"content-type": "application/json"}
    )
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "malformed_json"
    assert alice.api("GET", "/api/notebooks").status_code == 200


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({}, "body.name"),
        ({"name": ""}, "body.name"),
        ({"name": 3}, "body.name"),
        ({"name": "ok", "extra": 1}, "body.extra"),
    ],
)
def test_invalid_bodies_are_a_422_naming_the_field(alice: Actor, body: Any, where: str) -> None:
    response = alice.api("POST", "/api/notebooks", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"
    assert where in response.json()["error"]["message"]


def test_unknown_routes_and_methods_answer_json(alice: Actor) -> None:
    missing = alice.api("GET", "/api/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    wrong = alice.api("PUT", "/api/notebooks")
    assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "method_not_allowed"


# --------------------------------------------------------------------------- chat


def test_chat_as_json_saves_the_conversation(
    alice: Actor, library: str, fake: FakeProvider
) -> None:
    fake.enqueue(SUNDAY_ANSWER)
    response = alice.api(
        "POST", f"/api/notebooks/{library}/chat", json={"question": "When is it open on Sundays?"}
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["answer"] == SUNDAY_ANSWER and not answer["abstained"]
    [citation] = answer["citations"]
    assert citation["marker"] == 1 and "10:00 to 14:00" in citation["text"]
    assert citation["locator"]["heading_path"] == ["Valmont library", "Opening hours"]
    assert answer["message_id"] and answer["usage"]["completion_tokens"] > 0

    conversation_id = answer["conversation_id"]
    listed = alice.api("GET", f"/api/notebooks/{library}/conversations").json()
    assert [c["id"] for c in listed] == [conversation_id]
    detail = alice.api("GET", f"/api/conversations/{conversation_id}").json()
    assert [m["role"] for m in detail["messages"]] == ["user", "assistant"]
    assert detail["messages"][1]["id"] == answer["message_id"]
    assert detail["messages"][1]["citations"][0]["label"] == "Valmont library > Opening hours"
    messages = alice.api("GET", f"/api/conversations/{conversation_id}/messages").json()
    assert messages == detail["messages"]

    fake.enqueue("It is closed on Mondays [1].")
    follow = alice.api(
        "POST",
        f"/api/notebooks/{library}/chat",
        json={"question": "And on Mondays?", "conversation_id": conversation_id},
    ).json()
    assert follow["conversation_id"] == conversation_id
    assert len(alice.api("GET", f"/api/conversations/{conversation_id}/messages").json()) == 4
    assert alice.api("DELETE", f"/api/conversations/{conversation_id}").status_code == 204
    assert alice.api("GET", f"/api/conversations/{conversation_id}").status_code == 404


def test_chat_streams_server_sent_events(alice: Actor, library: str, fake: FakeProvider) -> None:
    fake.enqueue(SUNDAY_ANSWER)
    response = alice.api(
        "POST",
        f"/api/notebooks/{library}/chat",
        json={"question": "When is it open on Sundays?"},
        headers={"Accept": "text/event-stream"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(response.text)
    names = [name for name, _ in events]
    assert names[0] == "retrieved" and names[-1] == "answer"
    assert set(names[1:-1]) == {"delta"}
    retrieved = events[0][1]
    assert retrieved["mode"] in ("hybrid", "lexical")
    first = retrieved["passages"][0]
    assert first["marker"] == 1 and first["source"] == "Valmont library"
    assert first["label"] == "Valmont library > Opening hours" and "Sundays" in first["text"]
    text = "".join(data["text"] for name, data in events if name == "delta")
    answer = events[-1][1]
    assert text == answer["answer"] == SUNDAY_ANSWER
    assert answer["citations"][0]["chunk_id"] == first["chunk_id"]
    assert answer["message_id"] and answer["conversation_id"]


def test_chat_abstains_on_an_unrelated_question(alice: Actor, library: str) -> None:
    answer = alice.api(
        "POST", f"/api/notebooks/{library}/chat", json={"question": "Who won the 1998 cup?"}
    ).json()
    assert answer["abstained"] and answer["citations"] == []


def test_chat_errors_before_streaming_are_json(alice: Actor, library: str) -> None:
    blank = alice.api(
        "POST",
        f"/api/notebooks/{library}/chat",
        json={"question": "   "},
        headers={"Accept": "text/event-stream"},
    )
    assert blank.status_code == 400 and "question" in blank.json()["error"]["message"]
    other = new_notebook(alice, "Other")
    conversation = alice.api(
        "POST", f"/api/notebooks/{other}/chat", json={"question": "Sundays?"}
    ).json()["conversation_id"]
    crossed = alice.api(
        "POST",
        f"/api/notebooks/{library}/chat",
        json={"question": "Sundays?", "conversation_id": conversation},
    )
    assert crossed.status_code == 404


def test_a_model_failure_mid_stream_is_an_error_event(
    alice: Actor, library: str, fake: FakeProvider
) -> None:
    from causerie.errors import ProviderUnavailable

    fake.enqueue(ProviderUnavailable("model server down"))
    response = alice.api(
        "POST",
        f"/api/notebooks/{library}/chat",
        json={"question": "When is it open on Sundays?"},
        headers={"Accept": "text/event-stream"},
    )
    events = parse_sse(response.text)
    assert events[0][0] == "retrieved"
    assert events[-1] == ("error", {"error": "model server down", "code": "model_error"})
    as_json = alice.api("POST", f"/api/notebooks/{library}/chat", json={"question": "Sundays?"})
    assert as_json.status_code == 200  # the queue is empty again: the default reply


def test_chat_rate_limit_is_per_user_with_retry_after(
    app: FastAPI, alice: Actor, make_actor: Any, library: str
) -> None:
    from causerie.web.chat import ChatRunner

    app.state.chat = ChatRunner(
        app.state.services.engine, WebLimits(chat_burst=2, chat_refill_s=60.0)
    )
    url = f"/api/notebooks/{library}/chat"
    statuses = [alice.api("POST", url, json={"question": "Sundays?"}).status_code for _ in "abc"]
    assert statuses == [200, 200, 429]
    limited = alice.api("POST", url, json={"question": "Sundays?"})
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    bob = make_actor("bob")
    bobs = new_notebook(bob, "Bob's")
    assert (
        bob.api("POST", f"/api/notebooks/{bobs}/chat", json={"question": "Hi?"}).status_code == 200
    )


# --------------------------------------------------------------------------- passages


def test_passage_comes_with_its_neighbours(alice: Actor, fake: FakeProvider) -> None:
    notebook_id = new_notebook(alice, "Long")
    sections = "\n\n".join(
        f"## Part {n}\n\n" + " ".join(f"Sentence {n}.{k} about topic {n}." for k in range(40))
        for n in range(1, 6)
    )
    upload(alice, notebook_id, ("long.md", f"# Long\n\n{sections}\n".encode()))
    fake.enqueue("Sentence 3.1 is about topic 3 [1].")
    answer = alice.api(
        "POST", f"/api/notebooks/{notebook_id}/chat", json={"question": "topic 3 sentence"}
    ).json()
    chunk_id = answer["citations"][0]["chunk_id"]
    passage = alice.api("GET", f"/api/notebooks/{notebook_id}/passages/{chunk_id}").json()
    assert passage["chunk_id"] == chunk_id and passage["text"] == answer["citations"][0]["text"]
    assert passage["source"]["uri"] == "long.md" and passage["label"].startswith("Long > Part")
    assert len(passage["before"]) + len(passage["after"]) >= 1
    ordinals = [n["ordinal"] for n in passage["before"]] + [passage["ordinal"]] + [
        n["ordinal"] for n in passage["after"]]  # fmt: skip
    assert ordinals == sorted(ordinals) and len(set(ordinals)) == len(ordinals)
    wide = alice.api(
        "GET", f"/api/notebooks/{notebook_id}/passages/{chunk_id}", params={"context": 3}
    ).json()
    assert len(wide["before"]) + len(wide["after"]) > len(passage["before"]) + len(
        passage["after"])  # fmt: skip
    alone = alice.api(
        "GET", f"/api/notebooks/{notebook_id}/passages/{chunk_id}", params={"context": 0}
    ).json()
    assert alone["before"] == alone["after"] == []
    missing = alice.api("GET", f"/api/notebooks/{notebook_id}/passages/{'0' * 32}")
    assert missing.status_code == 404


def test_openapi_documents_the_api(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    assert "/api/notebooks/{notebook_id}/chat" in paths
    assert "text/event-stream" in json.dumps(paths["/api/notebooks/{notebook_id}/chat"])
    assert "multipart/form-data" in json.dumps(paths["/api/notebooks/{notebook_id}/sources"])
    assert "/v1/chat/completions" in paths
    assert "/login" not in paths  # pages are not API
    assert schema["components"]["schemas"]["AnswerOut"]["properties"]["citations"]


def test_limits_follow_the_settings() -> None:
    from causerie.config import load_settings

    limits = WebLimits.from_settings(load_settings(max_source_mb=3))
    assert limits.max_file_bytes == 3 * 1024 * 1024
    assert limits.max_upload_bytes > limits.max_file_bytes
    assert TEST_LIMITS.max_upload_bytes < WebLimits().max_upload_bytes
