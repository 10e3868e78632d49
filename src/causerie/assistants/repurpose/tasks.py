"""Repurpose's long task and what it keeps: a run's drafts are one owned record.

    result = run(services, owner, notebook, ["essay.md"], ["x-thread"], Options(), on_step)
    saved = save(records, owner, notebook, result, run_id)      # kind "repurpose.run"

`drafts_job(services, owner, payload, progress=None)` is the handler of job kind
"repurpose.drafts" (registered in causerie.assistants.repurpose.register): payload
{"notebook_id", "sources", "formats", "options", "run_id"}; `progress(done, total)` after each
passage's claims and after each format. It saves the run under `run_id` (a job run again finds
it saved and returns it) and returns {"run_id", "formats", "shipped"}.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from causerie.assistants.records import OwnedRecords, Record
from causerie.assistants.repurpose.pipeline import Options, Result, Step, gather, repurpose
from causerie.errors import NotFound
from causerie.types import Notebook, Owner
from causerie.wiring import Services

RUN_KIND = "repurpose.run"
JOB_KIND = "repurpose.drafts"


def run(
    services: Services,
    owner: Owner,
    notebook: Notebook,
    sources: Sequence[str],
    formats: Sequence[str],
    options: Options,
    on_step: Step | None = None,
) -> Result:
    """Repurpose the notebook's sources into the formats (InputError for a bad input, naming
    it, before any model call)."""
    from causerie.assistants.repurpose.formats import parse_formats

    options.checked()
    names = parse_formats(",".join(formats))
    material = gather(services.store, owner, notebook, sources, options.passages,
                      options.style_folder)  # fmt: skip
    return repurpose(services.make_provider(), services.embedder, material, names, options,
                     on_step)  # fmt: skip


def save(
    records: OwnedRecords, owner: Owner, notebook: Notebook, result: Result, run_id: str | None
) -> Record:
    data = {**result.to_json(), "created_at": time.time()}
    if run_id is None:
        return records.add(owner, RUN_KIND, data, notebook_id=notebook.id)
    return records.put(owner, RUN_KIND, run_id, data, notebook_id=notebook.id)


def saved_run(records: OwnedRecords, owner: Owner, notebook: Notebook, run_id: str) -> Record:
    """The owner's run of this notebook; NotFound otherwise."""
    record = records.get(owner, RUN_KIND, run_id)
    if record.notebook_id != notebook.id:
        raise NotFound(f"run {run_id!r} not found")
    return record


def options_from(data: dict[str, Any]) -> Options:
    fields = Options.__dataclass_fields__
    return Options(**{k: v for k, v in data.items() if k in fields})


def drafts_job(
    services: Services,
    owner: Owner,
    payload: dict[str, Any],
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Job kind "repurpose.drafts": write, check and save the drafts."""
    from causerie.backends import open_records

    notebook = services.store.notebook_by_id(owner, payload["notebook_id"])
    run_id = payload.get("run_id")
    records = open_records(services.settings)
    try:
        if run_id is not None:
            try:
                before = records.get(owner, RUN_KIND, run_id)
                return _summary(before.id, before.data)
            except NotFound:
                pass

        def step(done: int, total: int, _what: str) -> None:
            if progress is not None:
                progress(done, total)

        result = run(services, owner, notebook, payload["sources"], payload["formats"],
                     options_from(payload.get("options", {})), step)  # fmt: skip
        saved = save(records, owner, notebook, result, run_id)
    finally:
        records.close()
    return _summary(saved.id, saved.data)


def _summary(run_id: str, data: dict[str, Any]) -> dict[str, Any]:
    outputs = data.get("outputs", [])
    shipped = [o["format"] for o in outputs if (o.get("length") or {}).get("within")]
    return {"run_id": run_id, "formats": [o["format"] for o in outputs], "shipped": shipped}
