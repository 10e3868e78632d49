"""The mail assistant's operations on one notebook, for the CLI, the web pages and the jobs.

mail = MailAssistant(services, records, owner, notebook, me={"claire@atelier-lumen.fr"})
mail.threads()                                  # [ThreadView], newest first
mail.summary("t6a4d81cb77")                     # ThreadSummary (model + code checks)
mail.draft("t6a4d81cb77", instructions="...")   # Draft, never sent
mail.digest(since=date(2026, 3, 1))             # summaries of the threads active since
mail.style()                                    # the owner's StyleProfile (learned or edited)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from causerie.assistants.kit.language import spoken
from causerie.assistants.mail.context import ThreadSource, thread_sources
from causerie.assistants.mail.draft import Draft, write_draft
from causerie.assistants.mail.overview import ThreadView, find_thread, list_threads
from causerie.assistants.mail.privacy import PRIVACY_NOTICE, Redactor, is_cloud
from causerie.assistants.mail.store import PROFILE, MailBox
from causerie.assistants.mail.style import StyleProfile, learn_style
from causerie.assistants.mail.summary import ThreadSummary, summarise
from causerie.assistants.records import OwnedRecords
from causerie.errors import InputError, NotFound
from causerie.types import Notebook, Owner
from causerie.wiring import Services

SUMMARY = "mail.summary"


@dataclass
class Privacy:
    cloud: bool
    redact: bool
    notice: str | None


class MailAssistant:
    def __init__(
        self,
        services: Services,
        records: OwnedRecords,
        owner: Owner,
        notebook: Notebook,
        me: set[str],
        redact: bool | None = None,
    ) -> None:
        self.services = services
        self.box = MailBox(records, owner, notebook.id)
        self.owner = owner
        self.notebook = notebook
        self.me = me
        self._redact = redact
        self._threads: list[ThreadView] | None = None

    # ------------------------------------------------------------------ reading

    def threads(self) -> list[ThreadView]:
        if self._threads is None:
            self._threads = list_threads(self.box.messages(), self.me)
        return self._threads

    def thread(self, thread_id: str) -> ThreadView:
        found = find_thread(self.threads(), thread_id)
        if found is None:
            raise NotFound(
                f"no thread {thread_id!r} in notebook '{self.notebook.name}' "
                "(`causerie mail threads` lists them)"
            )
        return found

    def sources(self, thread: ThreadView) -> list[ThreadSource]:
        found = thread_sources(self.services.store, self.owner, self.notebook, thread)
        if not found:
            raise InputError(thread.id, "its messages are no longer sources of the notebook")
        return found

    @property
    def me_name(self) -> str:
        for message in reversed(self.box.messages()):
            if message.sender_address in self.me and message.sender[0]:
                return message.sender[0]
        return next(iter(sorted(self.me)), "the mailbox owner")

    # ------------------------------------------------------------------ privacy

    def privacy(self, language: str = "en") -> Privacy:
        settings = self.services.settings
        cloud = is_cloud(settings)
        redact = cloud if self._redact is None else self._redact
        notice = PRIVACY_NOTICE[spoken(language)].format(provider=settings.provider) \
            if cloud else None  # fmt: skip
        return Privacy(cloud, redact, notice)

    def _masks(self) -> tuple[Any, Any]:
        if not self.privacy().redact:
            return None, None
        redactor = Redactor()
        return redactor.mask, redactor.unmask

    # ------------------------------------------------------------------ model work

    def summary(self, thread_id: str, language: str | None = None) -> ThreadSummary | None:
        thread = self.thread(thread_id)
        sources = self.sources(thread)
        mask, unmask = self._masks()
        result = summarise(
            self.services.make_provider(),
            sources,
            self.me_name,
            language or _writable(thread.language),
            mask,
            unmask,
            self.me,
        )
        if result is not None:
            self.box.put_json(
                SUMMARY, thread.id, {"last": thread.message_ids[-1], **result.to_json()}
            )
        return result

    def cached_summary(self, thread: ThreadView) -> dict[str, Any] | None:
        found = self.box.get_json(SUMMARY, thread.id)
        if found is None or found.get("last") != thread.message_ids[-1]:
            return None
        return {k: v for k, v in found.items() if k != "last"}

    def digest(self, since: date | None = None) -> list[dict[str, Any]]:
        """The threads active since `since` (all when None), newest first, each with its
        status and summary (from the cache when the thread has not changed)."""
        entries: list[dict[str, Any]] = []
        for thread in self.threads():
            if since is not None and (thread.last_date or "")[:10] < since.isoformat():
                continue
            summary = None
            if thread.status != "newsletter":
                summary = self.cached_summary(thread)
                if summary is None:
                    made = self.summary(thread.id)
                    summary = made.to_json() if made is not None else None
            entries.append({**thread.to_json(), "summary": summary})
        return entries

    def style(self) -> StyleProfile:
        """The profile the owner saved (edited), else the one learned from their messages."""
        stored = self.box.get_json(PROFILE, "style")
        if stored:
            return StyleProfile.from_json(stored)
        return self.learned_style()

    def learned_style(self) -> StyleProfile:
        messages = self.box.messages()
        mine = [m for m in messages if m.sender_address in self.me]
        received = [m for m in messages if m.sender_address not in self.me and not m.bulk]
        return learn_style(mine, received)

    def save_style(self, profile: StyleProfile) -> None:
        self.box.put_json(PROFILE, "style", profile.to_json())

    def draft(
        self, thread_id: str, instructions: str = "", today: date | None = None
    ) -> Draft | None:
        thread = self.thread(thread_id)
        mask, unmask = self._masks()
        return write_draft(
            self.services.make_provider(),
            self.sources(thread),
            thread,
            self.style(),
            self.me,
            self.me_name,
            instructions,
            today,
            mask,
            unmask,
        )


def _writable(language: str) -> str:
    return language if language in ("en", "fr") else "en"
