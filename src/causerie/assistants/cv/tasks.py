"""The CV assistant's saved analyses (owned records of kind "cv.analysis") and its long tasks,
run by the job queue's workers: tailoring ("cv.tailor") and the cover letter ("cv.letter").

    record = save_analysis(records, owner, cv_text=..., cv_name=..., job_text=..., ...)
    report = report_of(record.data)        # the same Report, rebuilt from the saved texts

A record holds the CV's and the posting's text as read (so nothing is fetched or parsed
again), the month 'present' stood for, the score report and the gaps; the jobs add
"tailored" and "letter". Handlers are called as handler(services, owner, payload, progress)
with payload {"analysis_id"} (and "language" for a letter); each saves its result in the
record and returns {"analysis_id"}.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from causerie.assistants.cv.gaps import gaps
from causerie.assistants.cv.reading import parse_cv, parse_posting
from causerie.assistants.cv.score import Report, match
from causerie.assistants.records import OwnedRecords, Record
from causerie.types import Owner
from causerie.wiring import Services

KIND = "cv.analysis"
Progress = Callable[[int, int], None]


def report_of(data: dict[str, Any]) -> Report:
    year, month = (int(part) for part in data["as_of"].split("-"))
    cv = parse_cv(data["cv"]["name"], data["cv"]["text"])
    posting = parse_posting(data["job"]["name"], data["job"]["text"])
    return match(cv, posting, as_of=(year, month))


def analysis(cv_name: str, cv_text: str, job_name: str, job_text: str,
             as_of: tuple[int, int]) -> dict[str, Any]:  # fmt: skip
    """The record's data for a CV and a posting (InputError naming the bad one)."""
    data: dict[str, Any] = {
        "cv": {"name": cv_name, "text": cv_text},
        "job": {"name": job_name, "text": job_text},
        "as_of": f"{as_of[0]:04d}-{as_of[1]:02d}",
    }
    report = report_of(data)
    data["report"] = report.to_json()
    data["gaps"] = [gap.to_json() for gap in gaps(report)]
    data["title"] = report.posting.lines[0].text if report.posting.lines else job_name
    return data


def save_analysis(records: OwnedRecords, owner: Owner, data: dict[str, Any]) -> Record:
    return records.add(owner, KIND, data)


def tailor_job(services: Services, owner: Owner, payload: dict[str, Any],
               progress: Progress | None = None) -> dict[str, Any]:  # fmt: skip
    """Job kind "cv.tailor": tailor the analysis' CV and save it in the record."""
    from causerie.assistants.cv.tailor import tailor

    def work(report: Report) -> dict[str, Any]:
        return tailor(report, services.make_provider(), progress=progress).to_json()

    return _update(services, owner, payload, "tailored", work)


def letter_job(services: Services, owner: Owner, payload: dict[str, Any],
               progress: Progress | None = None) -> dict[str, Any]:  # fmt: skip
    """Job kind "cv.letter": write the cover letter and save it in the record."""
    from causerie.assistants.cv.letter import letter

    language = payload.get("language") or None

    def work(report: Report) -> dict[str, Any]:
        written = letter(report, services.make_provider(), language=language,
                         progress=progress)  # fmt: skip
        return written.to_json()

    return _update(services, owner, payload, "letter", work)


def _update(services: Services, owner: Owner, payload: dict[str, Any], key: str,
            work: Callable[[Report], dict[str, Any]]) -> dict[str, Any]:  # fmt: skip
    from causerie.backends import open_records

    records = open_records(services.settings)
    try:
        record = records.get(owner, KIND, payload["analysis_id"])
        result = work(report_of(record.data))
        latest = records.get(owner, KIND, record.id).data  # a letter may have landed meanwhile
        records.put(owner, KIND, record.id, {**latest, key: result})
    finally:
        records.close()
    return {"analysis_id": record.id}
