"""The CV pages through the real app (mounted by the registry), a real SQLite data folder,
users signed in through the real login form, jobs run by the app's in-process worker, and the
scripted model: upload, score breakdown with cited lines, gaps, tailoring with its diff and
refusals, the letter, the downloads opened back, bad inputs, CSRF and another user's data."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi import FastAPI

from causerie.config import Settings
from causerie.providers.fake import FakeProvider
from causerie.web.app import close_app, create_app

from ..study_web_helpers import Browser, fast_password_hashing, follow_job, sign_in
from .conftest import CV_EN, FAITHFUL_LINE_5, INVENTED_LINE_5, JOB_EN, RECIPE

__all__ = ["fast_password_hashing"]


@pytest.fixture
def fake() -> FakeProvider:
    return FakeProvider()


@pytest.fixture
def app(settings: Settings, fake: FakeProvider) -> Iterator[FastAPI]:
    served = settings.model_copy(update={"allowed_hosts": [*settings.allowed_hosts, "testserver"]})
    application = create_app(served, provider_factory=lambda: fake)
    yield application
    close_app(application)


def upload(browser: Browser, cv: str = CV_EN, job_text: str = JOB_EN, name: str = "claire.md",
           csrf: bool = True):  # fmt: skip
    data = {"job_text": job_text, **({"csrf_token": browser.csrf} if csrf else {})}
    files = {"cv_file": (name, cv.encode("utf-8"), "text/markdown")}
    return browser.client.post("/cv", data=data, files=files, follow_redirects=False)


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_upload_score_gaps_tailor_letter_and_downloads(app: FastAPI, fake: FakeProvider) -> None:
    from docx import Document
    from pypdf import PdfReader

    alice = sign_in(app, "alice")
    home = alice.get("/cv")
    assert home.status_code == 200 and 'href="/cv"' in home.text  # in the site navigation
    posted = upload(alice)
    assert posted.status_code == 303, posted.text
    page_url = posted.headers["location"]
    page = text_of(alice.get(page_url).text)
    assert "Senior Data Engineer — Acme Analytics" in page
    assert re.search(r"Match score: \d+ / 100", page)
    assert "✓ dimensional modelling" in page
    assert "line 6 Designed a star schema for the sales data warehouse (Snowflake)" in page
    assert "✗ Kubernetes" in page and "Your CV shows Docker, close to Kubernetes" in page

    fake.enqueue(json.dumps({"text": INVENTED_LINE_5}), json.dumps({"text": FAITHFUL_LINE_5}))
    job = alice.post(f"{page_url}/tailor")
    assert job.status_code == 303 and "/jobs/" in job.headers["location"]
    done = follow_job(alice, job.headers["location"])
    assert done == f"{page_url}#tailored"
    page = text_of(alice.get(page_url).text)
    assert "+ - Built 40 batch data pipelines on PostgreSQL with Apache Airflow and dbt" in page
    assert "Led a team of 5" in page  # shown as refused, struck out, with why
    assert "adds the number 5, the responsibility “led”" in page

    docx = alice.get(f"{page_url}/tailored.docx")
    assert docx.status_code == 200
    paragraphs = [p.text for p in Document(io.BytesIO(docx.content)).paragraphs]
    assert "Built 40 batch data pipelines on PostgreSQL with Apache Airflow and dbt" in paragraphs
    assert not any("team of" in p for p in paragraphs)
    pdf = alice.get(f"{page_url}/tailored.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Apache Airflow" in pdf_text and "03/2019" in pdf_text

    letter = alice.client.post(f"{page_url}/letter", data={"csrf_token": alice.csrf,
                                                            "language": "fr"},
                               follow_redirects=False)  # fmt: skip
    assert follow_job(alice, letter.headers["location"]) == f"{page_url}#letter"
    page = text_of(alice.get(page_url).text)
    assert "Madame, Monsieur," in page and "Lettre" not in page  # English page, French letter
    markdown = alice.get(f"{page_url}/letter.md")
    assert markdown.text.startswith("Madame, Monsieur,")
    api = alice.client.get(f"/api{page_url}").json()
    assert api["report"]["score"] == 89 and api["letter"]["language"] == "fr"


def test_bad_inputs_reshow_the_form_naming_them(app: FastAPI) -> None:
    alice = sign_in(app, "alice")
    recipe = upload(alice, cv=RECIPE, name="tarte.md")
    assert recipe.status_code == 422
    assert "tarte.md: does not look like a CV" in text_of(recipe.text)
    no_job = upload(alice, job_text="")
    assert no_job.status_code == 422
    assert "job posting: Give the job posting" in text_of(no_job.text)
    scan = alice.client.post("/cv", data={"csrf_token": alice.csrf, "job_text": JOB_EN},
                             files={"cv_file": ("scan.pdf", _scan_pdf(), "application/pdf")},
                             follow_redirects=False)  # fmt: skip
    assert scan.status_code == 422
    assert "scan.pdf: no text found: this PDF is a scan" in text_of(scan.text)
    assert alice.get("/cv").status_code == 200  # the server keeps serving


def _scan_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 50, style="F")
    return bytes(pdf.output())


def test_csrf_and_another_users_analysis(app: FastAPI) -> None:
    alice = sign_in(app, "alice")
    assert upload(alice, csrf=False).status_code == 403
    page_url = upload(alice).headers["location"]
    bob = sign_in(app, "bob")
    for path in (page_url, f"{page_url}/tailored.md", f"{page_url}/jobs/x"):
        assert bob.get(path).status_code == 404
    assert bob.post(f"{page_url}/tailor").status_code == 404
    assert bob.client.get(f"/api{page_url}").status_code == 404
    assert "claire.md" not in bob.get("/cv").text
