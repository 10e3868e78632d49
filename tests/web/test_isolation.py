"""The isolation matrix: every route that takes an id, tried with another user's ids.

The routes come from the app itself: every templated path of the OpenAPI schema, plus any
templated route hidden from it (pages), so a new id-taking route is covered the day it is added
(and the test fails if its parameter names an id kind the matrix does not know).

Two users each own a notebook, a source, a conversation, an ingestion job and an API token. For
every (method, route) and every mix of the victim's ids with the attacker's own, the attacker
(by session cookie + CSRF token, and by API token) must get exactly what the same request with
random ids gets (status and body, ids masked), see none of the victim's data, and change none
of it.
"""

from __future__ import annotations

import itertools
import json
import re
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from web_helpers import Actor, new_notebook, upload

from causerie.providers.fake import FakeProvider

# path parameter name -> the kind of id it takes
ID_KINDS = {
    "notebook_id": "notebook",
    "source_id": "source",
    "conversation_id": "conversation",
    "job_id": "job",
    "chunk_id": "chunk",
    "token_id": "token",
    "message_id": "message",
    "model": "model",
    "quiz_id": "quiz",  # the study assistant's pages
    "analysis_id": "cv_analysis",  # the CV assistant's
    "thread_id": "mail_thread",  # the mail assistant's
    "run_id": "repurpose_run",  # the repurpose assistant's
}
# path parameters that name no one's data: the same value on both sides of every attempt
FIXED = {"what": "tailored", "suffix": "md"}  # a CV analysis' download
_PARAM = re.compile(r"{([^}:]+)(?::[^}]*)?}")


@dataclass
class Holdings:
    """One user's ids (the targets) and the strings that would show a leak."""

    ids: dict[str, str]
    secrets: list[str] = field(default_factory=list)


def build_holdings(app: FastAPI, actor: Actor, fake: FakeProvider, word: str) -> Holdings:
    notebook_id = new_notebook(actor, f"{word} private notebook")
    text = f"# {word} ledger\n\n## Figures\n\nThe {word} herd counts 47 animals in spring.\n"
    job = upload(actor, notebook_id, (f"{word}-ledger.md", text.encode()))
    source_id = job["items"][0]["source_id"]
    fake.enqueue(f"The {word} herd counts 47 animals [1].")
    answer = actor.api(
        "POST",
        f"/api/notebooks/{notebook_id}/chat",
        json={"question": f"How big is the {word} herd?"},
    ).json()
    assert answer["citations"], answer
    token = actor.api("POST", "/api/tokens", json={"label": f"{word} target token"}).json()
    fake.enqueue(json.dumps({"question": f"How many animals does the {word} herd count?",
                             "answer": "47", "distractors": ["12", "30", "85"],
                             "explanation": f"The {word} herd counts 47 animals."}))  # fmt: skip
    form = {"count": "1", "kind": "mcq", "csrf_token": actor.csrf}
    quiz = actor.browser.post(
        f"/notebooks/{notebook_id}/study/quizzes", data=form, follow_redirects=False
    )
    assert quiz.status_code == 303, quiz.text
    quiz_job = quiz.headers["location"]  # the quiz job's page: it redirects once it is done
    deadline = time.monotonic() + 30
    while (ready := actor.browser.get(quiz_job, follow_redirects=False)).status_code == 200:
        assert time.monotonic() < deadline, "the quiz job did not finish"
        time.sleep(0.02)
    assert ready.status_code == 303, ready.text
    quiz_id = ready.headers["location"].split("/quizzes/")[1].split("?")[0]
    return Holdings(
        ids={
            "notebook": notebook_id,
            "source": source_id,
            "conversation": answer["conversation_id"],
            "job": job["id"],
            "chunk": answer["citations"][0]["chunk_id"],
            "token": token["id"],
            "message": answer["message_id"],
            "model": f"notebook/{word} private notebook",
            "quiz": quiz_id,
            "cv_analysis": cv_analysis(actor, word),
            "mail_thread": mail_thread(app, actor, notebook_id, word),
            "repurpose_run": repurpose_run(app, actor, notebook_id, word),
        },
        secrets=[f"{word} private", f"{word} ledger", f"{word} herd", f"{word} target"],
    )


def cv_analysis(actor: Actor, word: str) -> str:
    """A CV analysis of the actor's (POST /cv, scored in code: no model call)."""
    cv = (f"# {word.title()} Keeper\n\nHerd keeper — Lyon\n\n## Experience\n\n"
          f"### Herd keeper, {word.title()} Farm (03/2019 – present)\n\n"
          "- Kept the herd records in SQL and Python\n\n## Skills\n\nPython, SQL\n\n"
          "## Languages\n\nFrench (native), English (C1)\n")  # fmt: skip
    job = "# Data analyst\n\n## Requirements\n\n- Python\n- SQL\n- Excel\n"
    posted = actor.browser.post(
        "/cv",
        data={"job_text": job, "csrf_token": actor.csrf},
        files={"cv_file": (f"{word}-cv.md", cv.encode(), "text/markdown")},
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text
    return str(posted.headers["location"]).rstrip("/").rsplit("/", 1)[1]


def mail_thread(app: FastAPI, actor: Actor, notebook_id: str, word: str) -> str:
    """One mail thread in the actor's notebook (through the mail assistant's own import)."""
    from causerie.assistants.mail.ingest import add_messages
    from causerie.assistants.mail.mailboxes import read_mailboxes
    from causerie.assistants.mail.store import MailBox
    from causerie.backends import open_records

    eml = Path(tempfile.mkdtemp()) / f"{word}.eml"
    eml.write_text(
        f"From: {word} keeper <{word}@example.org>\nTo: owner@example.org\n"
        f"Subject: {word} herd count\nDate: Mon, 02 Nov 2026 09:00:00 +0100\n"
        f"Message-ID: <{word}-1@example.org>\n\nThe {word} herd counts 47 animals.\n",
        encoding="utf-8",
    )
    services = app.state.services
    owner = app.state.accounts.get_user(actor.name).owner
    notebook = services.store.notebook_by_id(owner, notebook_id)
    records = open_records(services.settings)
    try:
        box = MailBox(records, owner, notebook.id)
        add_messages(services.ingestor, box, notebook, read_mailboxes([str(eml)], print))
    finally:
        records.close()
    listed = actor.api("GET", f"/api/notebooks/{notebook_id}/mail/threads").json()
    return str(listed[0]["id"])


def repurpose_run(app: FastAPI, actor: Actor, notebook_id: str, word: str) -> str:
    """A saved repurpose run of the actor's, over a piece long enough to repurpose (the model's
    replies are the fake's defaults: whatever it keeps or refuses, the run is saved)."""
    from causerie.assistants.repurpose.pipeline import Options
    from causerie.assistants.repurpose.tasks import run, save
    from causerie.backends import open_records

    sentence = f"The {word} herd grazed the high pasture for 47 days before the first snow. "
    piece = f"# The {word} season\n\n" + "\n\n".join([sentence * 4] * 6)
    upload(actor, notebook_id, (f"{word}-season.md", piece.encode()))
    services = app.state.services
    owner = app.state.accounts.get_user(actor.name).owner
    notebook = services.store.notebook_by_id(owner, notebook_id)
    result = run(services, owner, notebook, [f"{word}-season.md"], ["linkedin"], Options())
    records = open_records(services.settings)
    try:
        return save(records, owner, notebook, result, None).id
    finally:
        records.close()


def random_ids() -> dict[str, str]:
    made = {kind: uuid.uuid4().hex for kind in ID_KINDS.values()}
    made["model"] = f"notebook/{uuid.uuid4().hex}"
    made["token"] = uuid.uuid4().hex[:16]
    return made


def snapshot(actor: Actor) -> dict[str, Any]:
    """Everything the user can read about their own data, through the API (by token)."""

    def get(path: str) -> Any:
        response = actor.browser.get(path, headers=actor.bearer)
        assert response.status_code == 200, (path, response.text)
        return response.json()

    state: dict[str, Any] = {"notebooks": get("/api/notebooks")}
    for book in state["notebooks"]:
        conversations = get(f"/api/notebooks/{book['id']}/conversations")
        state[book["id"]] = {
            "sources": get(f"/api/notebooks/{book['id']}/sources"),
            "jobs": get(f"/api/notebooks/{book['id']}/jobs"),
            "quizzes": get(f"/api/notebooks/{book['id']}/study/quizzes"),
            "study": get(f"/api/notebooks/{book['id']}/study/stats"),
            "conversations": [get(f"/api/conversations/{c['id']}") for c in conversations],
        }
    state["tokens"] = [(t["id"], t["label"]) for t in get("/api/tokens")]
    return state


# --------------------------------------------------------------------------- the routes


def templated_routes(app: FastAPI, schema: dict[str, Any]) -> dict[tuple[str, str], Any]:
    """(METHOD, path) -> the OpenAPI operation (None for a route hidden from the schema), for
    every route whose path has a parameter."""
    routes: dict[tuple[str, str], Any] = {}
    for path, operations in schema["paths"].items():
        if "{" in path:
            for method, operation in operations.items():
                routes[(method.upper(), path)] = operation
    for path, methods in api_routes(app):
        if "{" in path:
            for method in methods - {"HEAD"}:
                routes.setdefault((method, path), None)
    return routes


def api_routes(app: FastAPI) -> list[tuple[str, set[str]]]:
    """(path, methods) of every FastAPI route, through included routers (which recent FastAPI
    keeps as lazy branches of app.routes rather than copying them)."""
    try:
        from fastapi.routing import iter_route_contexts  # type: ignore[attr-defined]
    except ImportError:  # FastAPI before lazy included routers: app.routes is flat
        return [(r.path_format, set(r.methods)) for r in app.routes if isinstance(r, APIRoute)]
    return [
        (str(c.path_format), set(c.methods or ()))
        for c in iter_route_contexts(app.routes)
        if isinstance(c.original_route, APIRoute)
    ]


def example(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    """A small valid value for a JSON schema: required fields only, placeholders."""
    if "$ref" in schema:
        return example(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return example(options[0], components)
    kind = schema.get("type")
    if kind == "object":
        required = schema.get("required", [])
        props = schema.get("properties", {})
        return {name: example(props[name], components) for name in required}
    if kind == "array":
        return []
    if kind == "integer":
        return 1
    if kind == "boolean":
        return False
    return "intruder"


def request_body(operation: Any, components: dict[str, Any], csrf: str) -> dict[str, Any]:
    """httpx keyword arguments for the operation's body (a form for a hidden page route)."""
    if operation is None:
        return {"data": {"csrf_token": csrf, "name": "intruder", "question": "intruder"}}
    content = (operation.get("requestBody") or {}).get("content", {})
    if "application/json" in content:
        return {"json": example(content["application/json"]["schema"], components)}
    if "multipart/form-data" in content:
        return {"files": [("files", ("intruder.txt", b"intruder text", "text/plain"))]}
    if "application/x-www-form-urlencoded" in content:
        body = example(content["application/x-www-form-urlencoded"]["schema"], components)
        return {"data": {**body, "csrf_token": csrf}}
    return {}


def fill(path: str, values: dict[str, str]) -> str:
    return _PARAM.sub(lambda m: values[m.group(1)], path)


_VOLATILE = [
    re.compile(r'(name="csrf-token" content=")[^"]*'),
    re.compile(r'(name="csrf_token" value=")[^"]*'),
    re.compile(r'("(?:created_at|finished_at|added_at|last_used_at)": )[0-9.e+-]+'),
    re.compile(r'("id": "chatcmpl-)[0-9a-f]+'),
]


def masked(text: str, ids: list[str]) -> str:
    for value in sorted(ids, key=len, reverse=True):
        text = text.replace(value, "<id>")
        text = text.replace(json.dumps(value)[1:-1], "<id>")
    for pattern in _VOLATILE:
        text = pattern.sub(r"\1<volatile>", text)
    return text


# --------------------------------------------------------------------------- the matrix


@dataclass
class Tally:
    routes: set[tuple[str, str]] = field(default_factory=set)
    attempts: int = 0
    leaks: list[str] = field(default_factory=list)


def attack(
    tally: Tally,
    attacker: Actor,
    victim: Holdings,
    own: Holdings,
    mode: str,
    method: str,
    path: str,
    operation: Any,
    components: dict[str, Any],
    bare: TestClient,
) -> None:
    """Try the route with each mix of the victim's and the attacker's own ids; compare with
    the same mix where random ids stand for the victim's. `bare` has no cookie (token mode)."""
    fixed = {p: FIXED[p] for p in _PARAM.findall(path) if p in FIXED}
    params = [p for p in _PARAM.findall(path) if p not in FIXED]
    unknown = [p for p in params if p not in ID_KINDS]
    assert not unknown, f"{method} {path}: the matrix does not know the parameter(s) {unknown}"
    random = random_ids()
    choices = [("foreign", "own")] * len(params)
    for mix in itertools.product(*choices):
        if "foreign" not in mix:
            continue  # the attacker's own ids: legitimate
        attempt: dict[str, str] = dict(fixed)
        baseline: dict[str, str] = dict(fixed)
        for param, side in zip(params, mix, strict=True):
            kind = ID_KINDS[param]
            attempt[param] = (victim if side == "foreign" else own).ids[kind]
            baseline[param] = random[kind] if side == "foreign" else own.ids[kind]
        body = request_body(operation, components, attacker.csrf)
        headers = {"X-CSRF-Token": attacker.csrf} if mode == "cookie" else attacker.bearer
        client = attacker.browser if mode == "cookie" else bare
        tried = client.request(
            method, fill(path, attempt), headers=headers, follow_redirects=False, **body
        )
        body = request_body(operation, components, attacker.csrf)
        control = client.request(
            method, fill(path, baseline), headers=headers, follow_redirects=False, **body
        )
        tally.attempts += 1
        labels = {
            **fixed,
            **{p: f"<{ID_KINDS[p]}:{side}>" for p, side in zip(params, mix, strict=True)},
        }
        where = f"{mode} {method} {fill(path, labels)}"
        mask_ids = [*attempt.values(), *baseline.values()]
        if tried.status_code != control.status_code:
            tally.leaks.append(f"{where}: status {tried.status_code} != {control.status_code}")
        elif masked(tried.text, mask_ids) != masked(control.text, mask_ids):
            shown = f"{tried.text[:200]!r} vs {control.text[:200]!r}"
            tally.leaks.append(f"{where}: body differs: {shown}")
        if tried.status_code < 300 and method not in ("GET", "HEAD"):
            tally.leaks.append(
                f"{where}: a write with a foreign id succeeded ({tried.status_code})"
            )
        shown_to_attacker = masked(tried.text, mask_ids)  # what the attacker did not send
        for secret in victim.secrets:
            if secret in shown_to_attacker:
                tally.leaks.append(f"{where}: the body shows {secret!r}")


@pytest.fixture
def world(
    app: FastAPI, make_actor: Any, fake: FakeProvider
) -> tuple[Actor, Actor, Holdings, Holdings]:
    alice, bob = make_actor("alice"), make_actor("bob")
    return (
        alice,
        bob,
        build_holdings(app, alice, fake, "alpaca"),
        build_holdings(app, bob, fake, "walrus"),
    )


def test_no_route_lets_a_user_reach_another_users_data(
    app: FastAPI, world: tuple[Actor, Actor, Holdings, Holdings]
) -> None:
    alice, bob, alices, bobs = world
    schema = app.openapi()
    components = schema.get("components", {}).get("schemas", {})
    routes = templated_routes(app, schema)
    before = {"alice": snapshot(alice), "bob": snapshot(bob)}

    tally = Tally()
    bare = TestClient(app)
    # reads before writes, deletes last: a write that wrongly succeeded cannot hide a read leak
    order = {"GET": 0, "POST": 1, "PUT": 1, "PATCH": 2, "DELETE": 3}
    for method, path in sorted(routes, key=lambda r: (order.get(r[0], 1), r[1])):
        for attacker, victim, own in ((bob, alices, bobs), (alice, bobs, alices)):
            for mode in ("cookie", "token"):
                attack(tally, attacker, victim, own, mode, method, path, routes[(method, path)],
                       components, bare)  # fmt: skip
        tally.routes.add((method, path))

    after = {"alice": snapshot(alice), "bob": snapshot(bob)}
    summary = (
        f"isolation matrix: {len(tally.routes)} id-taking routes covered, "
        f"{tally.attempts} attempts, {len(tally.leaks)} leaks"
    )
    print(summary)
    for method, path in sorted(tally.routes, key=lambda r: (r[1], r[0])):
        print(f"  {method:6} {path}")
    assert tally.routes == set(routes)  # every templated route of the app was tried
    assert len(tally.routes) >= 15
    assert not tally.leaks, summary + "\n" + "\n".join(tally.leaks)
    assert after == before, "another user's data changed"


def test_ids_in_bodies_are_owner_scoped_too(world: tuple[Actor, Actor, Holdings, Holdings]) -> None:
    _, bob, alices, bobs = world
    own_book = bobs.ids["notebook"]
    results = []
    for conversation_id in (alices.ids["conversation"], uuid.uuid4().hex):
        response = bob.api(
            "POST",
            f"/api/notebooks/{own_book}/chat",
            json={"question": "How big is the herd?", "conversation_id": conversation_id},
        )
        results.append((response.status_code, masked(response.text, [conversation_id])))
    assert results[0] == results[1] and results[0][0] == 404
    for model in (alices.ids["model"], f"notebook/{uuid.uuid4().hex}"):
        response = bob.browser.post(
            "/v1/chat/completions",
            headers=bob.bearer,
            json={"model": model, "messages": [{"role": "user", "content": "herd?"}]},
        )
        assert response.status_code == 404
        assert "alpaca" not in masked(response.text, [model])
    models = bob.browser.get("/v1/models", headers=bob.bearer).json()
    assert [m["id"] for m in models["data"]] == [bobs.ids["model"]]
