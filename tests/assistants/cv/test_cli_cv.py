"""`causerie cv ...` end to end in-process, with the scripted model: JSON on stdout, errors as
one line naming the input, exports written and opened back (DOCX with python-docx, PDF with
pypdf)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from causerie.cli.app import App
from causerie.cli.main import cli
from causerie.providers.fake import FakeProvider

from .conftest import RECIPE, write


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeProvider:
    provider = FakeProvider(strict=True)
    monkeypatch.setattr(App, "make_provider", lambda self: provider)
    return provider


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_score_json(cv_file: str, job_file: str) -> None:
    result = run("cv", "score", "--cv", cv_file, "--job", job_file, "--as-of", "2026-12", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["score"] == 89 and data["missing"] == ["Kubernetes", "Apache Spark"]
    assert data["experience"] == {**data["experience"], "required_years": 5, "cv_years": 10.3}
    first = data["requirements"][0]
    assert set(first) >= {"name", "kind", "found", "evidence", "points", "possible"}


def test_score_text_and_gaps(cv_file: str, job_file: str) -> None:
    shown = run("cv", "score", "--cv", cv_file, "--job", job_file, "--as-of", "2026-12")
    assert shown.stdout.startswith("Score: 89/100")
    assert "line 6: Designed a star schema" in shown.stdout
    gaps = run("cv", "gaps", "--cv", cv_file, "--job", job_file, "--json")
    assert [g["name"] for g in json.loads(gaps.stdout)["gaps"]] == ["Kubernetes", "Apache Spark"]


def test_bad_inputs_are_one_line_naming_them(tmp_path: Path, job_file: str) -> None:
    recipe = write(tmp_path, "tarte.md", RECIPE)
    result = run("cv", "score", "--cv", recipe, "--job", job_file)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {recipe}: does not look like a CV")
    assert result.stderr.count("\n") == 1 and result.stdout == ""
    month = run("cv", "score", "--cv", recipe, "--job", job_file, "--as-of", "12/2026")
    assert month.stderr == "error: --as-of: '12/2026' is not a month written YYYY-MM\n"


def test_tailor_exports_docx_and_pdf_opened_back(
    tmp_path: Path, cv_file: str, job_file: str, fake: FakeProvider
) -> None:
    from docx import Document
    from pypdf import PdfReader

    refusal = json.dumps({"text": "Led a team of 9 on Kubernetes"})
    fake.enqueue(*[refusal] * 9)  # three lines, three tries each: every rewrite refused
    out = tmp_path / "tailored.docx"
    result = run("cv", "tailor", "--cv", cv_file, "--job", job_file, "-o", str(out), "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert len(data["rejected"]) == 9 and "Kubernetes" not in data["cv"]
    paragraphs = [p.text for p in Document(str(out)).paragraphs]
    assert "Skills" in paragraphs and "Python, SQL, Apache Airflow, dbt, Docker, Git" in paragraphs
    assert "Data engineer, Finlytics (03/2019 – present)" in paragraphs
    fake.enqueue(*[refusal] * 9)
    pdf = tmp_path / "tailored.pdf"
    assert run("cv", "tailor", "--cv", cv_file, "--job", job_file, "-o", str(pdf)).exit_code == 0
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    assert "Université Lyon 1" in text and "03/2019" in text and "Apache Airflow" in text


def test_letter_markdown_export(tmp_path: Path, cv_file: str, job_fr_file: str,
                                fake: FakeProvider) -> None:  # fmt: skip
    fake.enqueue(*[json.dumps({"paragraph": "J'ai dirigé une équipe de 10 personnes."})] * 9)
    out = tmp_path / "lettre.md"
    result = run("cv", "letter", "--cv", cv_file, "--job", job_fr_file, "-o", str(out), "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["language"] == "fr" and out.read_text(encoding="utf-8") == data["letter"]
    assert "équipe de 10" not in data["letter"] and data["rejected"]
    assert data["rejected"][0]["why"].startswith("ajoute le nombre 10")  # in the letter's language
    assert all(c["text"] for c in data["citations"])


def test_the_letter_fits_on_one_pdf_page(
    tmp_path: Path, cv_file: str, job_file: str, fake: FakeProvider
) -> None:
    from pypdf import PdfReader

    longest = "At Finlytics I built 40 batch data pipelines with Apache Airflow and dbt. " * 5
    fake.enqueue(*[json.dumps({"paragraph": longest[:420].strip()})] * 9)
    out = tmp_path / "letter.pdf"
    result = run("cv", "letter", "--cv", cv_file, "--job", job_file, "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert len(PdfReader(str(out)).pages) == 1
