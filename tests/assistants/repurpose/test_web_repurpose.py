"""The repurpose pages through the real app (mounted by the registry), a real SQLite data folder,
users signed in through the real login form, the job run by the in-process worker and the
scripted fake model: pick a source and formats, follow the job, see each draft with its gauge
and each sentence's passage, export Markdown, read the JSON; bad choices named; another user's
run is a 404."""

from __future__ import annotations

from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from fastapi import FastAPI

from causerie.assistants.repurpose.pipeline import gather
from causerie.config import Settings
from causerie.providers.fake import FakeProvider
from causerie.web.app import close_app, create_app

from ..study_web_helpers import Browser, fast_password_hashing, follow_job, sign_in
from .conftest import claims_reply, point_of, point_reply

__all__ = ["fast_password_hashing"]  # an autouse fixture, used by being imported here


@pytest.fixture
def app(settings: Settings, fake: FakeProvider) -> Iterator[FastAPI]:
    served = settings.model_copy(update={"allowed_hosts": [*settings.allowed_hosts, "testserver"]})
    application = create_app(served, provider_factory=lambda: fake)
    yield application
    close_app(application)


@pytest.fixture
def users(app: FastAPI, pieces: Path) -> Iterator[dict[str, tuple[Browser, str]]]:
    """alice and bob signed in, each with a notebook 'pieces' holding the pieces and posts."""
    made = {}
    services = app.state.services
    for name in ("alice", "bob"):
        browser = sign_in(app, name)
        owner = app.state.accounts.get_user(name).owner
        notebook = services.store.ensure_notebook(owner, "pieces")
        services.ingestor.add_many(owner, notebook, sorted(str(p) for p in pieces.rglob("*.md")))
        made[name] = (browser, notebook.id)
    yield made
    for browser, _ in made.values():
        browser.client.close()


def script(app: FastAPI, fake: FakeProvider, user: str, notebook_id: str) -> None:
    services = app.state.services
    owner = app.state.accounts.get_user(user).owner
    book = services.store.notebook_by_id(owner, notebook_id)
    material = gather(services.store, owner, book, ["insulation.md"])
    for hit in material.passages:
        fake.enqueue(claims_reply(hit))
    point = point_of(material.passages, "12%")
    fake.enqueue(point_reply("Heating costs fell by 12% in insulated homes.", point))
    fake.enqueue(point_reply("What Valmont learned from its insulation survey", point))


def post_run(browser: Browser, base: str, **fields: list[str] | str):  # type: ignore[no-untyped-def]
    data = {"csrf_token": browser.csrf, **fields}
    return browser.client.post(f"{base}/runs", data=data, follow_redirects=False)


def test_pick_a_source_and_formats_and_trace_each_sentence(
    app: FastAPI, users: dict[str, tuple[Browser, str]], fake: FakeProvider
) -> None:
    alice, notebook_id = users["alice"]
    base = f"/notebooks/{notebook_id}/repurpose"
    page = alice.get(base)
    assert page.status_code == 200
    assert 'value="insulation.md"' in page.text and 'value="2024-05.md"' not in page.text
    assert 'value="x-thread" checked' in page.text and 'value="bluesky">' in page.text

    script(app, fake, "alice", notebook_id)
    started = post_run(alice, base, source="insulation.md", format=["x-thread", "newsletter"],
                       tone="enthusiastic", words="150")  # fmt: skip
    assert started.status_code == 303, started.text
    where = follow_job(alice, started.headers["location"])
    assert "/repurpose/runs/" in where
    shown = alice.get(where)
    assert shown.status_code == 200
    html = unescape(shown.text)
    assert html.count('class="rp-part"') >= 3  # the thread's posts and the newsletter
    assert '<meter id="gauge-x-thread" min="0" max="280"' in html
    assert 'max="150"' in html and "words" in html
    assert 'class="rp-sentence" href="#s-x-thread-0"' in html
    assert 'id="s-x-thread-0"' in html and "Heating costs fell by 12%" in html
    assert "The survey covered 1,200 households" in html  # a passage behind a sentence
    assert html.count('class="rp-copy"') >= 3

    run_id = where.rsplit("/", 1)[1]
    exported = alice.get(f"{where}.md")
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    assert exported.text.startswith("# The Valmont insulation survey\n\n## x-thread")
    assert "### Sources of each sentence" in exported.text
    data = alice.get(f"/api/notebooks/{notebook_id}/repurpose/runs/{run_id}").json()
    assert [o["format"] for o in data["outputs"]] == ["x-thread", "newsletter"]
    assert data["options"]["tone"] == "enthusiastic" and data["options"]["words"] == 150
    assert "warm and enthusiastic" in fake.calls[0][0][-1].content
    assert run_id in alice.get(base).text  # listed among the earlier runs

    bob, bob_notebook = users["bob"]
    assert bob.get(where).status_code == 404
    assert bob.get(f"/notebooks/{bob_notebook}/repurpose/runs/{run_id}").status_code == 404
    api = bob.get(f"/api/notebooks/{bob_notebook}/repurpose/runs/{run_id}")
    assert api.status_code == 404


def test_bad_choices_are_named_and_nothing_is_queued(
    app: FastAPI, users: dict[str, tuple[Browser, str]], fake: FakeProvider
) -> None:
    alice, notebook_id = users["alice"]
    base = f"/notebooks/{notebook_id}/repurpose"
    no_format = post_run(alice, base, source="insulation.md")
    assert no_format.status_code == 422 and "Choose at least one format" in no_format.text
    foreign = post_run(alice, base, source="../etc/passwd", format="x-thread")
    assert foreign.status_code == 422 and "Choose at least one source" in foreign.text
    words = post_run(alice, base, source="insulation.md", format="newsletter", words="9")
    assert words.status_code == 422 and "--words" in words.text
    no_csrf = alice.client.post(f"{base}/runs", data={"source": "insulation.md",
                                                      "format": "x-thread"})  # fmt: skip
    assert no_csrf.status_code == 403
    assert fake.calls == []
    french = alice.client.get("/lang?code=fr&next=/repurpose", follow_redirects=True)
    assert "Déclinaisons" in french.text
