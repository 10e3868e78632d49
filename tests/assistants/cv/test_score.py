"""Reading, requirements and the deterministic score, on real files through the loaders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from causerie.assistants.cv.gaps import gaps
from causerie.assistants.cv.reading import read_cv, read_posting
from causerie.assistants.cv.requirements import requirements
from causerie.assistants.cv.score import match
from causerie.errors import InputError

from .conftest import JOB_DE, RECIPE, write

AS_OF = (2026, 12)


def test_cv_sections_and_lines(cv_file: str) -> None:
    cv = read_cv(cv_file)
    assert cv.language == "en"
    assert cv.sections() == ["experience", "education", "skills", "languages"]
    assert cv.line(5).text == "Built 40 batch data pipelines with Airflow and dbt on PostgreSQL"
    assert cv.line(5).section == "experience"


def test_posting_requirements_are_required_or_nice(job_file: str) -> None:
    needs = {n.key: n for n in requirements(read_posting(job_file))}
    assert needs["experience"].years == 5
    assert needs["airflow"].kind == "required" and needs["airflow"].name == "Apache Airflow"
    assert needs["kubernetes"].kind == "nice" and needs["spark"].kind == "nice"
    assert needs["language:en"].level == 5
    assert "scala" not in needs  # under Benefits: not asked for
    assert "python" in needs and needs["python"].line.section == "required"


def test_score_explains_every_point_with_cv_lines(cv_file: str, job_file: str) -> None:
    report = match(read_cv(cv_file), read_posting(job_file), as_of=AS_OF)
    data = report.to_json()
    # 6 required items (5 x 3 + language 2 = 17 points), 2 nice (2 points): 17 / 19
    assert data["score"] == round(100 * 17 / 19) == 89
    assert data["missing"] == ["Kubernetes", "Apache Spark"]
    assert data["experience"]["required_years"] == 5
    # 03/2019..12/2026 = 94 months, 09/2016..02/2019 = 30 months: 124 / 12
    assert data["experience"]["cv_years"] == 10.3
    by_key = {r["key"]: r for r in data["requirements"]}
    modelling = by_key["dimensional_modelling"]
    assert modelling["found"] and modelling["evidence"][0]["line"] == 6
    assert "star schema" in modelling["evidence"][0]["text"]
    assert by_key["airflow"]["evidence"][0]["text"].startswith("Built 40 batch")
    assert by_key["kubernetes"] == {**by_key["kubernetes"], "found": False, "evidence": []}


def test_the_same_inputs_give_the_same_json_every_time(cv_file: str, job_file: str) -> None:
    runs = {json.dumps(match(read_cv(cv_file), read_posting(job_file), as_of=AS_OF).to_json(),
                       sort_keys=True) for _ in range(10)}  # fmt: skip
    assert len(runs) == 1


def test_a_french_posting_matches_an_english_cv(cv_file: str, job_fr_file: str) -> None:
    report = match(read_cv(cv_file), read_posting(job_fr_file), as_of=AS_OF)
    by_key = {m.requirement.key: m for m in report.matches}
    assert report.posting.language == "fr"
    assert by_key["dimensional_modelling"].found  # "modélisation dimensionnelle" / star schema
    assert by_key["dimensional_modelling"].requirement.name == "modélisation dimensionnelle"
    assert by_key["airflow"].found and by_key["airflow"].requirement.kind == "required"
    assert by_key["kafka"].requirement.kind == "nice" and not by_key["kafka"].found
    experience = by_key["experience"]
    assert not experience.found and experience.points == round(3.0 * (10.3 / 12), 2)
    assert by_key["language:en"].found
    german = by_key["language:de"]
    assert not german.found and german.requirement.level == 4
    advice = {g.name: g for g in gaps(report)}
    assert advice["allemand (B2)"].importance == "high"
    assert advice["Apache Kafka"].importance == "low"
    years = advice["12 ans d'expérience"].advice
    assert "12 years" in years and "10.3" in years  # advice in the CV's language


def test_gap_advice_cites_adjacent_experience_and_never_suggests_claiming(
    cv_file: str, job_file: str
) -> None:
    found = {g.name: g for g in gaps(match(read_cv(cv_file), read_posting(job_file), as_of=AS_OF))}
    kubernetes = found["Kubernetes"]
    assert kubernetes.importance == "low" and kubernetes.evidence[0].number == 13  # Docker
    assert "Docker" in kubernetes.advice and "do not write that you have used" in kubernetes.advice
    assert found["Apache Spark"].advice.startswith("Learn Apache Spark")


def test_a_recipe_is_not_a_cv(tmp_path: Path, job_file: str) -> None:
    path = write(tmp_path, "tarte.md", RECIPE)
    with pytest.raises(InputError) as caught:
        read_cv(path)
    assert str(caught.value).startswith(f"{path}: does not look like a CV")


def test_a_scanned_pdf_says_so(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 50, style="F")  # a page with a picture and no text
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    with pytest.raises(InputError) as caught:
        read_cv(str(path))
    assert str(caught.value).startswith(f"{path}: no text found: this PDF is a scan")


def test_a_posting_in_a_third_language_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "stelle.md", JOB_DE)
    with pytest.raises(InputError) as caught:
        read_posting(path)
    assert str(caught.value) == (f"{path}: this job posting is written in German (de); the CV "
                                 "assistant reads French and English only")  # fmt: skip


def test_a_posting_url_that_fails_names_the_url() -> None:
    url = "https://jobs.example.invalid/posting/42"
    with pytest.raises(InputError) as caught:
        read_posting(url)
    assert str(caught.value).startswith(f"{url}: ")


def test_a_posting_with_no_requirement(tmp_path: Path, cv_file: str) -> None:
    path = write(tmp_path, "vague.md", "# Join us\n\nWe are nice people and we like coffee.\n")
    with pytest.raises(InputError, match="no requirement found in this job posting"):
        match(read_cv(cv_file), read_posting(path), as_of=AS_OF)


@pytest.mark.parametrize("suffix", [".docx", ".pdf"])
def test_a_docx_or_pdf_cv_reads_and_scores_as_its_markdown(
    tmp_path: Path, cv_file: str, job_file: str, suffix: str
) -> None:
    from causerie.assistants.cv.export import export
    from causerie.assistants.cv.reading import read_cv as read

    path = tmp_path / f"claire{suffix}"
    export(Path(cv_file).read_text(encoding="utf-8"), path)  # written by python-docx / fpdf2
    converted = read(str(path))
    assert converted.sections() == ["experience", "education", "skills", "languages"]

    def plain(text: str) -> str:  # without DejaVu, the PDF writes a dash as "-"
        return text.replace("–", "-")

    assert [plain(line.text) for line in converted.lines] == [
        plain(line.text) for line in read(cv_file).lines
    ]
    job = read_posting(job_file)
    same = match(converted, job, as_of=AS_OF).to_json()
    assert same["score"] == 89 and same["requirements"] == match(
        read(cv_file), job, as_of=AS_OF).to_json()["requirements"]  # fmt: skip
