"""A toy assistant, for tests: everything it adds to Causerie lives in this folder, and one
`register(app)` call adds it (tests/assistants/test_registry.py registers it).

    causerie toy count -n NOTEBOOK              how many sources the notebook holds
    GET /api/notebooks/{id}/toy/count           the same, as JSON (owner-scoped)
    GET /notebooks/{id}/toy                     a page that says it, in French or English
    GET /toy                                    its home page (in the site navigation)
    job kind "toy.count"                        the same, as a job handler
"""

from __future__ import annotations

from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from causerie.assistants.registry import AppRegistry, Assistant, JobHandler

HERE = Path(__file__).parent

MESSAGES = {
    "en": {"toy.nav": "Toy", "toy.count": "{name} holds {n} source(s)."},
    "fr": {"toy.nav": "Jouet", "toy.count": "{name} contient {n} source(s)."},
}
MIGRATIONS = (("CREATE TABLE toy_notes (owner TEXT NOT NULL, text TEXT NOT NULL)",),)


def count_job(services: Any, owner: Any, payload: dict[str, Any]) -> dict[str, Any]:
    return {"sources": len(services.store.list_sources(owner, payload["notebook_id"]))}


def register_job_kinds(kinds: MutableMapping[str, JobHandler]) -> None:
    kinds["toy.count"] = count_job


def register(app: AppRegistry) -> None:
    app.add(
        Assistant(
            name="toy",
            summary="Count a notebook's sources (a toy, for tests).",
            command="toy_assistant.cli:toy",
            router="toy_assistant.web:router",
            templates=HERE / "templates",
            static=HERE / "static",
            messages=MESSAGES,
            home="/toy",
            notebook_tab=True,
            job_kinds=register_job_kinds,
            migrations="toy_assistant:MIGRATIONS",
        )
    )
