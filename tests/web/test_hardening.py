"""Issue 11, items 9, 10 and 12: /v1 chat bounds and validates before writing; the multipart
file count holds whoever parses the form first; small leaks closed (error codes on the
notebooks page, store paths, bidi characters in upload names)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_helpers import SUNDAY_ANSWER, Actor, new_notebook, upload

from causerie.errors import StoreError
from causerie.providers.fake import FakeProvider
from causerie.session import MAX_QUESTION_CHARS
from causerie.types import Owner
from causerie.web.limits import WebLimits
from causerie.web.openai_api import MAX_MESSAGE_CHARS, MAX_MESSAGES
from causerie.web.uploads import safe_file_name

# --------------------------------------------------------------------------- item 9


def _completion(alice: Actor, library: str, messages: list[dict[str, str]]):  # type: ignore[no-untyped-def]
    return alice.browser.post(
        "/v1/chat/completions",
        json={"model": "notebook/Library", "messages": messages},
        headers=alice.bearer,
    )


def _conversations(app: FastAPI, library: str) -> int:
    return len(app.state.services.store.list_conversations(Owner("alice"), library))


def test_history_count_is_capped_and_nothing_is_stored(
    app: FastAPI, alice: Actor, library: str
) -> None:
    history = [{"role": "user", "content": f"message {n}"} for n in range(MAX_MESSAGES)]
    answer = _completion(alice, library, [*history, {"role": "user", "content": "Sundays?"}])
    assert answer.status_code == 422, answer.text
    assert _conversations(app, library) == 0


def test_oversized_history_message_is_refused_before_any_write(
    app: FastAPI, alice: Actor, library: str
) -> None:
    messages = [
        {"role": "user", "content": "x" * (MAX_MESSAGE_CHARS + 1)},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": "When is it open on Sundays?"},
    ]
    answer = _completion(alice, library, messages)
    assert answer.status_code == 400 and "messages[0]" in answer.text
    assert _conversations(app, library) == 0


def test_refused_question_saves_no_conversation(app: FastAPI, alice: Actor, library: str) -> None:
    messages = [
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Hi"},
        {"role": "user", "content": "q" * (MAX_QUESTION_CHARS + 1)},
    ]
    answer = _completion(alice, library, messages)
    assert answer.status_code == 400 and "question" in answer.text
    assert _conversations(app, library) == 0


def test_accepted_history_is_saved_once(
    app: FastAPI, alice: Actor, library: str, fake: FakeProvider
) -> None:
    fake.enqueue(SUNDAY_ANSWER)
    messages = [
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Hi"},
        {"role": "user", "content": "When is it open on Sundays?"},
    ]
    answer = _completion(alice, library, messages)
    assert answer.status_code == 200, answer.text
    store = app.state.services.store
    (conversation,) = store.list_conversations(Owner("alice"), library)
    assert len(store.list_messages(Owner("alice"), conversation.id)) == 4


# --------------------------------------------------------------------------- item 10


def test_file_count_limit_holds_with_the_csrf_token_as_a_form_field(
    app: FastAPI, alice: Actor, limits: WebLimits
) -> None:
    notebook_id = new_notebook(alice, "Many")
    files = [
        ("files", (f"n{n}.txt", b"some words", "text/plain")) for n in range(limits.max_files + 1)
    ]
    answer = alice.browser.post(
        f"/api/notebooks/{notebook_id}/sources", data={"csrf_token": alice.csrf}, files=files
    )
    assert answer.status_code in (400, 413), answer.text
    assert "files" in answer.json()["error"]["message"].lower()
    assert app.state.jobs.list_jobs(Owner("alice")) == []
    within = alice.browser.post(
        f"/api/notebooks/{notebook_id}/sources", data={"csrf_token": alice.csrf},
        files=files[: limits.max_files],
    )  # fmt: skip
    assert within.status_code == 202, within.text


# --------------------------------------------------------------------------- item 12


@pytest.mark.parametrize("error", ["<b>Your account is locked: call +1 555</b>", "csrf", "x"])
def test_notebooks_page_shows_known_error_codes_only(alice: Actor, error: str) -> None:
    page = alice.browser.get("/", params={"error": error})
    assert page.status_code == 200
    assert "call +1 555" not in page.text and 'role="alert"' not in page.text


def test_notebooks_page_still_shows_a_known_code(alice: Actor) -> None:
    page = alice.browser.get("/", params={"error": "taken"})
    assert 'role="alert"' in page.text


def test_store_errors_do_not_reveal_the_database_path(
    app: FastAPI, alice: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = app.state.services.store
    path = str(app.state.services.settings.database_path)

    def broken(owner: Owner) -> None:
        raise StoreError(f"{path}: database disk image is malformed")

    monkeypatch.setattr(store, "list_notebooks", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/api/notebooks", headers=alice.bearer)
    assert answer.status_code == 500
    assert path not in answer.text and "sqlite3" not in answer.text
    assert answer.json()["error"]["code"] == "internal_error"


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("invoice\u202etxt.md", "invoice_txt.md"),
        ("a\u2066b\u2069.md", "a_b_.md"),
        ("x\u200fy.txt", "x_y.txt"),
        ("c1\x85\x9b.txt", "c1_.txt"),
    ],
)
def test_bidi_and_c1_characters_leave_upload_names(raw: str, safe: str) -> None:
    assert safe_file_name(raw) == safe


def test_bidi_name_through_the_upload_route(alice: Actor) -> None:
    notebook_id = new_notebook(alice, "Names")
    job = upload(alice, notebook_id, ("report\u202egnp.md", b"# Report\n\nAll fine.\n"))
    assert job["items"][0]["name"] == "report_gnp.md"


def test_pypdf_is_version_6_or_later() -> None:
    import tomllib
    from importlib.metadata import version
    from pathlib import Path

    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert "pypdf>=6" in project["project"]["dependencies"]
    assert int(version("pypdf").split(".")[0]) >= 6
