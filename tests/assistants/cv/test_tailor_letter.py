"""Tailoring and the cover letter with the scripted model: what the model invents is refused,
listed with why, and never reaches the CV or the letter; dates and figures stay as written."""

from __future__ import annotations

import json

from causerie.assistants.cv.letter import letter
from causerie.assistants.cv.reading import read_cv, read_posting
from causerie.assistants.cv.score import Report, match
from causerie.assistants.cv.tailor import tailor
from causerie.grounding import numbers_in
from causerie.providers.fake import FakeProvider


def report(cv_file: str, job_file: str) -> Report:
    return match(read_cv(cv_file), read_posting(job_file), as_of=(2026, 12))


def text(**fields: str) -> str:
    return json.dumps(fields)


def test_tailoring_refuses_inventions_and_cites_every_change(cv_file: str, job_file: str) -> None:
    fake = FakeProvider(strict=True)
    fake.enqueue(
        # line 5 (Airflow, SQL): a bigger team, then a dropped figure, then a faithful rewrite
        text(text="Led a team of 5 engineers building 40 Apache Airflow pipelines"),
        text(text="Built batch data pipelines with Apache Airflow and dbt"),
        text(text="Built 40 batch data pipelines on PostgreSQL with Apache Airflow and dbt"),
        # line 6 (dimensional modelling): Kubernetes was never in the CV, three times
        text(text="Designed a star schema on Kubernetes"),
        text(text="Designed a star schema on Kubernetes for Snowflake"),
        text(text="Senior designer of a star schema in Snowflake"),
        # line 9 (SQL): faithful
        text(text="Wrote SQL reports for 12 regional managers, with Power BI dashboards"),
    )
    result = tailor(report(cv_file, job_file), fake)
    assert len(fake.calls) == 7
    refused = {(r["line"], r["why"]) for r in result.rejected}
    assert (5, "adds the number 5, the responsibility “led” and the responsibility “team of”, "
               "which the CV line does not state") in refused  # fmt: skip
    assert (5, "drops 40") in refused
    assert (6, "adds the skill “kubernetes”, which the CV line does not state") in refused
    assert (6, "adds the title “senior”, which the CV line does not state") in refused
    assert "Kubernetes" not in result.markdown and "team of" not in result.markdown
    assert "Senior" not in result.markdown
    changes = {c.citations[0]: c for c in result.changes}
    assert (
        changes[5].after
        == "Built 40 batch data pipelines on PostgreSQL with Apache Airflow and dbt"
    )
    assert changes[5].how == "rewording"
    assert changes[6].how == "wording"  # the model's three tries refused: code's wording kept
    assert changes[6].after == "Designed a star schema (dimensional modelling) for the sales " \
                               "data warehouse (Snowflake)"  # fmt: skip
    assert changes[13].after == "Python, SQL, Apache Airflow, dbt, Docker, Git"
    # the skills come before the experience, the dates and figures are all still there
    assert result.markdown.index("## Skills") < result.markdown.index("## Experience")
    assert "(03/2019 – present)" in result.markdown and "(09/2016 – 02/2019)" in result.markdown
    original = read_cv(cv_file).text
    assert numbers_in(original) <= numbers_in(result.markdown)
    assert (
        "-- cv" in result.diff and "+- Built 40 batch data pipelines on PostgreSQL" in result.diff
    )


def test_tailoring_without_a_model_only_orders_and_words(cv_file: str, job_file: str) -> None:
    result = tailor(report(cv_file, job_file), None)
    assert result.rejected == [] and {c.how for c in result.changes} == {"wording"}


def test_the_letter_cites_the_cv_and_refuses_inventions(cv_file: str, job_file: str) -> None:
    fake = FakeProvider(strict=True)
    fake.enqueue(
        text(paragraph="I led a team of 8 engineers building Kubernetes pipelines."),
        text(paragraph="At Finlytics I built 40 batch data pipelines with Apache Airflow."),
        text(paragraph="I designed a star schema for a sales data warehouse in Snowflake."),
        text(paragraph="I am an expert in everything."),
        text(paragraph="I hold a PhD in Python."),
        text(paragraph="I know Python very well and I worked at Google."),
    )
    result = letter(report(cv_file, job_file), fake)
    assert result.language == "en"
    assert result.text.startswith("Dear Hiring Team,\n\nI am writing to apply for the position "
                                  "“Senior Data Engineer — Acme Analytics”.")  # fmt: skip
    assert "At Finlytics I built 40 batch data pipelines with Apache Airflow." in result.text
    assert "I designed a star schema for a sales data warehouse in Snowflake." in result.text
    # the third point (Python, from the skills line) was refused three times: the line is quoted
    assert "For Python, my CV states: “Python, SQL, Airflow, dbt, Docker, Git”." in result.text
    for invented in ("team of 8", "Kubernetes", "PhD", "Google", "expert"):
        assert invented not in result.text
    assert [c["line"] for c in result.citations] == [4, 5, 4, 6, 13]  # job line + bullet
    whys = [r["why"] for r in result.rejected]
    assert len(whys) == 4 and any("“kubernetes”" in w for w in whys)
    assert any("the name “Google”" in w for w in whys) and any("“phd”" in w for w in whys)
    assert result.text.rstrip().endswith("Kind regards,\nClaire Martin")


def test_the_letter_is_in_the_posting_language_by_default(cv_file: str, job_fr_file: str) -> None:
    result = letter(report(cv_file, job_fr_file), None)
    assert result.language == "fr" and result.text.startswith("Madame, Monsieur,")
    assert (
        "Pour modélisation dimensionnelle, mon CV indique : « Designed a star schema" in result.text
    )
    english = letter(report(cv_file, job_fr_file), None, language="en")
    assert english.text.startswith("Dear Hiring Team,")
