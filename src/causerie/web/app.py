"""The web application: `causerie serve` runs `create_app()` under uvicorn.

    app = create_app(settings, provider_factory=lambda: FakeProvider())

app.state holds what the routes share:
    services  causerie.wiring.Services (settings, store, embedder, ingestor, engine): the same
              wiring as the CLI, so `causerie --user alice add` and alice's browser agree
    accounts  causerie.accounts.AccountStore, from causerie.backends.open_accounts
    limits    causerie.web.limits.WebLimits
    chat      causerie.web.chat.ChatRunner (the fair per-user queue to the model; rate limit)
    jobs      causerie.web.jobs.JobRegistry (ingestion jobs on the durable queue; the
              in-process worker unless create_app(worker=False))
    login_guard  causerie.web.login_guard.LoginGuard (sign-in backoff, bounded password checks)
    setup_code   the one-time code the first-run /setup form asks for (`serve` prints it)
    assistants   causerie.assistants.registry.AppRegistry: each assistant's router is mounted,
                 its templates, scripts (/static/assistants/NAME) and messages added, and it
                 is listed in the navigation
    closers      what close_app() closes besides the above (an assistant's records store)

Routers: causerie.web.api (/api), causerie.web.openai_api (/v1), causerie.web.auth_pages
(/login, /logout, /setup, /lang) and causerie.web.pages (the HTML pages). /static serves
causerie/web/static. Every response carries the security headers (causerie.web.security);
a request whose Host is not in the allowed_hosts setting is refused first (causerie.web.hosts).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

from causerie.assistants.registry import AppRegistry, default_registry, load
from causerie.backends import open_accounts
from causerie.config import Settings
from causerie.ingest.sandbox import Budget
from causerie.jobs import SQLiteJobQueue, Worker
from causerie.jobs.postgres import PostgresJobQueue
from causerie.web import api, auth_pages, i18n, openai_api, pages
from causerie.web.chat import ChatRunner
from causerie.web.errors import install_error_handlers
from causerie.web.hosts import AllowedHostsMiddleware
from causerie.web.jobs import JobRegistry
from causerie.web.limits import WebLimits
from causerie.web.login_guard import LoginGuard
from causerie.web.ratelimit import SharedRateLimiter
from causerie.web.security import SecurityMiddleware
from causerie.web.templating import STATIC_DIR, add_template_folder
from causerie.wiring import Services

if TYPE_CHECKING:
    from causerie.providers.base import Provider

UPLOAD_PATH = re.compile(r"^/api/notebooks/[^/]+/sources$|^/cv$")  # file uploads (CV: /cv)


def create_app(
    settings: Settings | None = None,
    *,
    provider_factory: Callable[[], Provider] | None = None,
    limits: WebLimits | None = None,
    setup_code: str | None = None,
    worker: bool = True,
    assistants: AppRegistry | None = None,
) -> FastAPI:
    services = Services(settings, provider_factory=provider_factory)
    services.warm()
    limits = limits or WebLimits.from_settings(services.settings)
    accounts = open_accounts(services.settings)
    jobs = _jobs(services, limits, worker)

    app = FastAPI(
        title="Causerie",
        summary="Chat with your documents: grounded answers with checked citations.",
        version=_version(),
        docs_url=None,  # the Swagger page loads scripts from a CDN; /openapi.json is served
        redoc_url=None,
    )
    app.state.services = services
    app.state.accounts = accounts
    app.state.limits = limits
    app.state.chat = ChatRunner(services.engine, limits, _chat_rate(services, limits))
    app.state.jobs = jobs
    app.state.login_guard = LoginGuard(max_concurrent=limits.max_password_checks)
    app.state.setup_code = setup_code or new_setup_code()
    app.state.assistants = assistants if assistants is not None else default_registry()
    app.state.closers = []
    if isinstance(app.state.chat.rate, SharedRateLimiter):
        app.state.closers.append(app.state.chat.rate.close)

    install_error_handlers(app)
    app.include_router(api.router)
    app.include_router(openai_api.router)
    app.include_router(auth_pages.router)
    app.include_router(pages.router)
    _mount_assistants(app, app.state.assistants)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    def body_limit(scope: Scope) -> int:
        if scope.get("method") == "POST" and UPLOAD_PATH.match(scope.get("path", "")):
            return limits.max_upload_bytes
        return limits.max_body_bytes

    app.add_middleware(SecurityMiddleware, body_limit=body_limit)
    app.add_middleware(AllowedHostsMiddleware, allowed_hosts=services.settings.allowed_hosts)
    return app


def _chat_rate(services: Services, limits: WebLimits) -> SharedRateLimiter | None:
    """With PostgreSQL, one chat rate limit shared by every `serve` process; else the
    ChatRunner keeps its own."""
    if not services.settings.uses_postgres:
        return None
    return SharedRateLimiter(
        services.settings.database_url, limits.chat_burst, limits.chat_refill_s
    )


def _mount_assistants(app: FastAPI, assistants: AppRegistry) -> None:
    """Each assistant's messages, templates, router and scripts (/static/assistants/NAME)."""
    i18n.add_messages(assistants.messages())
    for assistant in assistants:
        if assistant.templates is not None:
            add_template_folder(assistant.name, assistant.templates)
        if assistant.router is not None:
            app.include_router(load(assistant.router))
        if assistant.static is not None:
            scripts = StaticFiles(directory=assistant.static)
            app.mount(f"/static/assistants/{assistant.name}", scripts, name=assistant.name)


def _jobs(services: Services, limits: WebLimits, start_worker: bool) -> JobRegistry:
    """The durable job queue with the web's per-user caps, and an in-process worker (unless
    `serve --no-worker`: then `causerie worker` processes run the jobs). The worker thread
    starts with the first submission, or at once with `app.state.jobs.start_worker()` (what
    `serve` does, so that jobs left by a stopped server go on)."""
    queue = services.job_queue
    queue.max_queued_jobs = limits.max_queued_jobs
    queue.max_queued_bytes = limits.max_queued_bytes
    if isinstance(queue, SQLiteJobQueue | PostgresJobQueue):
        queue.keep_per_owner = limits.max_jobs_kept
    budget = Budget(limits.file_wall_s, limits.file_cpu_s, limits.file_memory_bytes)
    worker = Worker(queue, services, services.spool, budget=budget) if start_worker else None
    return JobRegistry(
        services, queue, services.spool, worker=worker, max_file_bytes=limits.max_file_bytes
    )


def new_setup_code() -> str:
    """A one-time code for /setup, e.g. '3F9A-0C1B-77D2' (48 random bits)."""
    raw = secrets.token_hex(6).upper()
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def close_app(app: FastAPI) -> None:
    """Stop the ingestion worker and close the databases (after the server has stopped).

    Not done on lifespan shutdown: several test clients may start and stop one app."""
    app.state.jobs.shutdown()
    for close in reversed(app.state.closers):
        close()
    app.state.accounts.close()
    app.state.services.close()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("causerie")
    except PackageNotFoundError:
        return "0"
