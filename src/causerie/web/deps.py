"""What routes take from the app: the shared services, and owner-scoped lookups by id."""

from __future__ import annotations

from fastapi import Request

from causerie.errors import NotFound
from causerie.store.base import Store
from causerie.types import Conversation, Notebook, Owner
from causerie.web.chat import ChatRunner
from causerie.web.jobs import JobRegistry
from causerie.web.limits import WebLimits
from causerie.wiring import Services


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def store_of(request: Request) -> Store:
    return services_of(request).store


def delete_notebook_with_records(request: Request, owner: Owner, notebook_id: str) -> None:
    """Delete one of the owner's notebooks (NotFound when it has none by that id), then what
    the assistants kept for it: their records and their own tables (study's quizzes, cards)."""
    from causerie.backends import open_records

    services = services_of(request)
    services.store.delete_notebook(owner, notebook_id)
    records = open_records(services.settings, request.app.state.assistants)
    try:
        records.delete_notebook(owner, notebook_id)
    finally:
        records.close()


def chat_of(request: Request) -> ChatRunner:
    runner: ChatRunner = request.app.state.chat
    return runner


def jobs_of(request: Request) -> JobRegistry:
    jobs: JobRegistry = request.app.state.jobs
    return jobs


def limits_of(request: Request) -> WebLimits:
    limits: WebLimits = request.app.state.limits
    return limits


def notebook_by_id(store: Store, owner: Owner, notebook_id: str) -> Notebook:
    """The owner's notebook with this id; NotFound (the same for a foreign id) otherwise."""
    return store.notebook_by_id(owner, notebook_id)


def conversation_in(
    store: Store, owner: Owner, notebook: Notebook, conversation_id: str
) -> Conversation:
    """The owner's conversation, which must belong to `notebook`; NotFound otherwise."""
    conversation = store.get_conversation(owner, conversation_id)
    if conversation.notebook_id != notebook.id:
        raise NotFound(f"conversation {conversation_id!r} not found in this notebook")
    return conversation
