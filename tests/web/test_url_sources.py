"""Issue 11, item 1: the URL route never reads a file on the server, and its errors say
nothing about which paths exist."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest
from web_helpers import Actor, new_notebook, wait_job

from causerie.ingest.pipeline import Ingestor
from causerie.types import Owner

STDLIB_LICENCE = Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt"


@pytest.mark.parametrize(
    "target",
    [
        "__FILE__",  # an absolute path to a readable .md file
        "tests/web/../../README.md",  # relative, from the server's working directory
        "README.md",
        "file:///etc/hosts",
        "ftp://example.org/notes.md",
        "http:///no-host",
        "/no/such/dir/",
        "http://[broken",
        "http://example.org:port/",
    ],
)
def test_url_route_refuses_paths_and_other_schemes(
    alice: Actor, tmp_path: Path, target: str
) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("# Secret\n\nThe vault code is 4711.\n")
    target = str(secret) if target == "__FILE__" else target
    notebook_id = new_notebook(alice, "Mine")
    response = alice.api("POST", f"/api/notebooks/{notebook_id}/sources/url", json={"url": target})
    assert response.status_code == 422, response.text
    message = response.json()["error"]["message"]
    assert any(why in message for why in ("http:// or https://", "no host", "not a valid URL"))
    assert "not found" not in message and "directory" not in message
    sources = alice.api("GET", f"/api/notebooks/{notebook_id}/sources").json()
    assert sources["sources"] == [] and sources["pending"] == []


def test_existing_and_missing_paths_answer_alike(alice: Actor, tmp_path: Path) -> None:
    notebook_id = new_notebook(alice, "Mine")
    answers = set()
    for target in (str(tmp_path), str(tmp_path / "nothing.md"), str(STDLIB_LICENCE)):
        response = alice.api(
            "POST", f"/api/notebooks/{notebook_id}/sources/url", json={"url": target}
        )
        assert response.status_code == 422
        answers.add(response.json()["error"]["message"].replace(repr(target), "X"))
    assert len(answers) == 1, answers


def test_job_with_a_path_as_url_never_reads_the_file(app, alice: Actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Even if a path reached the job (another caller), the job calls the URL loader only."""
    from causerie.web.jobs import JobInput

    secret = tmp_path / "secret.md"
    secret.write_text("# Secret\n\nThe vault code is 4711.\n")
    store = app.state.services.store
    book = store.ensure_notebook(Owner("alice"), "Mine")
    job = app.state.jobs.submit(Owner("alice"), book, [JobInput(str(secret), url=str(secret))])
    done = wait_job(alice, job["id"])
    assert done["items"][0]["status"] == "error"
    assert "http:// or https://" in done["items"][0]["error"]
    assert store.list_sources(Owner("alice"), book.id) == []


def test_ingestor_add_url_refuses_a_path(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "secret.md"
    secret.write_text("# Secret\n\ntext\n")
    ingestor: Ingestor = app.state.services.ingestor
    book = app.state.services.store.ensure_notebook(Owner("u"), "n")
    outcome = ingestor.add_url(Owner("u"), book, str(secret))
    assert outcome.status == "error" and "http:// or https://" in (outcome.error or "")
