"""The mail assistant's long task, run by the job queue's workers: an IMAP sync.

`sync_job(services, owner, payload, progress=None)` is the handler of job kind "mail.sync"
(registered in causerie.assistants.mail.register): payload {"notebook_id", "url", "since"
(YYYY-MM-DD or null), "cafile" (or null)}; the password comes from the system keyring (a job's
payload is stored: it never holds one). `progress(done, total)` after each message (the queue's
callback raises JobCancelled when a cancel was asked; what was stored stays, and the next sync
resumes after the last UID stored). It returns AddResult.to_json().
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from causerie.assistants.mail.imap import parse_account, sync_account
from causerie.assistants.mail.store import MailBox
from causerie.types import Owner
from causerie.wiring import Services


def sync_job(
    services: Services,
    owner: Owner,
    payload: dict[str, Any],
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    from causerie.backends import open_records

    notebook = services.store.notebook_by_id(owner, payload["notebook_id"])
    account = parse_account(str(payload["url"]))
    since = date.fromisoformat(payload["since"]) if payload.get("since") else None
    records = open_records(services.settings)
    try:
        box = MailBox(records, owner, notebook.id)
        result = sync_account(
            services.ingestor,
            box,
            notebook,
            account,
            None,
            since,
            payload.get("cafile"),
            progress=progress,
        )
    finally:
        records.close()
    return result.to_json()
