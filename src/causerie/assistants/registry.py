"""Assistants as plug-ins: each assistant folder registers, in one call, what it adds to the app.

    # causerie/assistants/study/register.py
    def register(app: AppRegistry) -> None:
        app.add(Assistant(
            name="study",
            summary="Study a notebook: explain, tutor, quiz, cards.",
            command="causerie.assistants.study.cli:study",  # its click group, imported when run
            router="causerie.assistants.study.web:router",  # its FastAPI router: API and pages
            templates=HERE / "templates",                   # rendered as "study/<file>"
            static=HERE / "static",                         # served at /static/assistants/study/
            messages={"en": {...}, "fr": {...}},            # merged into causerie.web.i18n
            home="/study",                                  # listed in the site navigation
            notebook_tab=True,                              # a tab on each notebook's pages
            job_kinds=register_job_kinds,                   # fills {kind name: handler}
            migrations="causerie.assistants.study.register:MIGRATIONS",
        ))

Discovery (`discover()`): the assistants shipped in `causerie.assistants` (`SHIPPED`, the modules
of their `register` functions), then the third-party ones that a package declares as entry
points in the group `causerie.assistants`:

    [project.entry-points."causerie.assistants"]
    recipes = "causerie_recipes.register"             # a module with register(app) ...
    # or   = "causerie_recipes.plugin:register"       # ... or the function itself

Why plain functions and entry points rather than pluggy: one hook (`register`) with one caller
needs no hook specification, ordering or result collection; entry points are the standard
packaging way to be found without an import of every installed package. (simonw/llm takes
pluggy because it has a dozen hooks; this registry has one.)

Fast by construction: a `register` module imports nothing heavy; the CLI group, the router and
the migrations are "module:attribute" strings imported only when used, so `causerie --help`
lists the assistants without loading any of them.
"""

from __future__ import annotations

import importlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from causerie.assistants.records import Forget

ENTRY_POINT_GROUP = "causerie.assistants"
SHIPPED = (
    "causerie.assistants.study.register",
    "causerie.assistants.cv.register",
    "causerie.assistants.mail.register",
    "causerie.assistants.repurpose.register",
    "causerie.assistants.video.register",
)

# A job handler, called by the job queue's worker (causerie.jobs, item 3 of issue 10) with the
# job's context and its JSON payload; it returns the job's JSON result. Until that queue exists
# the kinds are a plain mapping {kind: handler} (`AppRegistry.job_kinds()`), nothing runs them
# in the background, and a page that needs one calls its handler directly.
JobHandler = Callable[..., Any]
# A records-store schema: step i (a tuple of SQL statements) takes the schema from version i to
# version i + 1. The assistant's records store applies the steps it has not applied yet.
Migrations = Sequence[Sequence[str]]


def load(reference: str) -> Any:
    """The object a "package.module:attribute" reference names (imported now)."""
    module_name, _, attribute = reference.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"{reference!r}: expected 'package.module:attribute'")
    value: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        value = getattr(value, part)
    return value


@dataclass(frozen=True)
class Assistant:
    """What one assistant adds to the app. Only `name` and `summary` are required.

    name          its CLI group (`causerie NAME ...`), URL segment and message prefix ("NAME.")
    summary       one line for `causerie --help`
    command       "module:attr" of its click group
    router        "module:attr" of its fastapi.APIRouter (pages and API routes; each route
                  scopes what it reads to the signed-in owner)
    templates     folder of its Jinja templates, loaded as "NAME/<file>"; they may extend
                  "base.html" and include the app's partials
    static        folder served at /static/assistants/NAME/
    messages      {"en": {key: text}, "fr": {...}}; keys start with "NAME."
    home          a page of its own listed in the site navigation (e.g. "/study"), labelled
                  with its message "NAME.nav"
    notebook_tab  a tab "NAME.nav" on every notebook's pages, linking to /notebooks/{id}/NAME
    job_kinds     hook filling a {kind: JobHandler} mapping; kinds start with "NAME."
    migrations    "module:attr" of its records store's Migrations
    forget        "module:attr" of its Forget (causerie.assistants.records): deletes an owner's
                  rows, or one notebook's, from the tables its migrations made; the records
                  store runs it when a notebook or an account is deleted
    postgres_migrations  "module:attr" of the same tables' PostgreSQL steps (see
                  causerie.assistants.postgres_records); without them an assistant that has
                  `migrations` cannot run on a PostgreSQL database_url
    on_source     "module:attr" of a hook called after a source is stored (added, updated or
                  found unchanged), as hook(services, owner, notebook, source, document): it
                  keeps what the assistant needs of the loaded Document (video: the timed cues
                  of a transcript); an error there is logged, the source stays stored
    """

    name: str
    summary: str
    command: str | None = None
    router: str | None = None
    templates: Path | None = None
    static: Path | None = None
    messages: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    home: str | None = None
    notebook_tab: bool = False
    job_kinds: Callable[[MutableMapping[str, JobHandler]], None] | None = None
    migrations: str | None = None
    forget: str | None = None
    postgres_migrations: str | None = None
    on_source: str | None = None

    def __post_init__(self) -> None:
        if not self.name.isidentifier() or self.name != self.name.lower():
            raise ValueError(f"assistant name {self.name!r}: use lower-case letters, digits, _")
        prefix = f"{self.name}."
        for language, table in self.messages.items():
            wrong = [key for key in table if not key.startswith(prefix)]
            if wrong:
                raise ValueError(
                    f"assistant {self.name!r}: message keys must start with {prefix!r} "
                    f"({language}: {', '.join(sorted(wrong))})"
                )
        for folder in (self.templates, self.static):
            if folder is not None and not folder.is_dir():
                raise ValueError(f"assistant {self.name!r}: {folder} is not a folder")


class AppRegistry:
    """The registered assistants, in registration order (shipped ones first)."""

    def __init__(self) -> None:
        self._assistants: dict[str, Assistant] = {}

    def add(self, assistant: Assistant) -> None:
        """Register an assistant; a second one with the same name is an error."""
        if assistant.name in self._assistants:
            raise ValueError(f"assistant {assistant.name!r} is registered twice")
        self._assistants[assistant.name] = assistant

    def __iter__(self) -> Iterator[Assistant]:
        return iter(self._assistants.values())

    def __len__(self) -> int:
        return len(self._assistants)

    def __contains__(self, name: object) -> bool:
        return name in self._assistants

    def get(self, name: str) -> Assistant:
        try:
            return self._assistants[name]
        except KeyError:
            known = ", ".join(self._assistants) or "none"
            raise KeyError(f"no assistant named {name!r} (registered: {known})") from None

    def commands(self) -> dict[str, tuple[str, str]]:
        """{name: ("module:attr", summary)} of the assistants that have a CLI group."""
        return {a.name: (a.command, a.summary) for a in self if a.command is not None}

    def messages(self) -> dict[str, dict[str, str]]:
        """Every assistant's messages, merged per language."""
        merged: dict[str, dict[str, str]] = {}
        for assistant in self:
            for language, table in assistant.messages.items():
                merged.setdefault(language, {}).update(table)
        return merged

    def job_kinds(self) -> dict[str, JobHandler]:
        """{kind: handler}: what each assistant's `job_kinds` hook registers."""
        kinds: dict[str, JobHandler] = {}
        for assistant in self:
            if assistant.job_kinds is None:
                continue
            added: dict[str, JobHandler] = {}
            assistant.job_kinds(added)
            for kind in added:
                if not kind.startswith(f"{assistant.name}."):
                    raise ValueError(f"assistant {assistant.name!r}: job kind {kind!r} must "
                                     f"start with '{assistant.name}.'")  # fmt: skip
                if kind in kinds:
                    raise ValueError(f"job kind {kind!r} is registered twice")
            kinds.update(added)
        return kinds

    def migrations(self, name: str) -> Migrations:
        """The records-store schema steps of one assistant (none when it declares none)."""
        reference = self.get(name).migrations
        return () if reference is None else tuple(load(reference))

    def postgres_migrations(self, name: str) -> Migrations:
        """The PostgreSQL form of one assistant's steps; ConfigError when it has SQLite steps
        and no PostgreSQL form (none when it declares no tables at all)."""
        assistant = self.get(name)
        if assistant.postgres_migrations is not None:
            return tuple(load(assistant.postgres_migrations))
        if assistant.migrations is not None:
            from causerie.assistants.postgres_records import missing_postgres_form

            raise missing_postgres_form(name)
        return ()

    def source_hooks(self) -> list[Callable[..., None]]:
        """The assistants' `on_source` hooks, in registration order (imported now)."""
        return [load(a.on_source) for a in self if a.on_source is not None]

    def forgetters(self) -> dict[str, Forget]:
        """{assistant name: its Forget}, for the assistants that declare one."""
        return {a.name: load(a.forget) for a in self if a.forget is not None}


def migrate(connection: sqlite3.Connection, name: str, steps: Migrations) -> int:
    """Apply the steps of assistant `name` not applied yet to a records database (SQLite), in
    one transaction; returns the schema version now. The version of each assistant is kept in
    the table `assistant_schema`, so several assistants can share one database file. A version
    newer than the steps is an error (the file was written by a newer Causerie)."""
    with connection:  # commits, or rolls every step back on an error
        if not connection.in_transaction:
            connection.execute("BEGIN IMMEDIATE")
        connection.execute("CREATE TABLE IF NOT EXISTS assistant_schema "
                           "(name TEXT PRIMARY KEY, version INTEGER NOT NULL)")  # fmt: skip
        row = connection.execute(
            "SELECT version FROM assistant_schema WHERE name = ?", (name,)
        ).fetchone()
        version = row[0] if row else 0
        if version > len(steps):
            raise ValueError(f"assistant {name!r}: records schema {version} is newer than this "
                             f"Causerie knows ({len(steps)})")  # fmt: skip
        for step in steps[version:]:
            for statement in step:
                connection.execute(statement)
        connection.execute("INSERT INTO assistant_schema (name, version) VALUES (?, ?) "
                           "ON CONFLICT (name) DO UPDATE SET version = excluded.version",
                           (name, len(steps)))  # fmt: skip
    return len(steps)


def register_from(app: AppRegistry, source: str | Callable[[AppRegistry], None]) -> None:
    """Call one `register`: a function, "module:function", or a module that has `register`."""
    function: Any = source
    if isinstance(source, str):
        target = load(source) if ":" in source else importlib.import_module(source)
        function = target if callable(target) else getattr(target, "register", None)
    if not callable(function):
        raise TypeError(f"{source!r}: not a register(app) function nor a module with one")
    function(app)


def discover(extra: Iterable[str | Callable[[AppRegistry], None]] = ()) -> AppRegistry:
    """The shipped assistants, then the entry points of `causerie.assistants`, then `extra`."""
    app = AppRegistry()
    for module in SHIPPED:
        register_from(app, module)
    for point in entry_points(group=ENTRY_POINT_GROUP):
        register_from(app, point.value)
    for source in extra:
        register_from(app, source)
    return app


_DEFAULT: AppRegistry | None = None


def default_registry() -> AppRegistry:
    """`discover()`, once per process (the CLI and `create_app()` without a registry use it)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = discover()
    return _DEFAULT
