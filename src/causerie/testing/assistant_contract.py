"""The Assistant contract: what every registered assistant must hold to (shipped or third-party).

An assistant's test module subclasses the mixin and names the assistant and how it registers:

    class TestStudyAssistant(AssistantContract):
        register = "causerie.assistants.study.register"

What it pins down:
- `register(app)` adds exactly one assistant, whose summary is one line;
- its CLI group (if any) imports and is a click command; its router (if any) imports and is a
  fastapi APIRouter;
- its messages are in French and English, the same keys in both, each key "NAME.*", and its
  navigation label "NAME.nav" exists when it has a home page or a notebook tab;
- every template of its folder parses, and every literal `t("NAME.key")` a template uses is
  one of its messages;
- its job kinds are callables named "NAME.*";
- its records-store migrations apply to an empty SQLite database, and applying them again
  changes nothing.
"""

from __future__ import annotations

import re
import sqlite3
from typing import ClassVar

import click
import pytest
from fastapi import APIRouter
from jinja2 import Environment, FileSystemLoader

from causerie.assistants.registry import AppRegistry, Assistant, load, migrate, register_from

_LITERAL_KEY = re.compile(r"""\bt\(\s*["']([A-Za-z0-9_.]+)["']\s*[,)]""")  # t("key") t("key", n=1)


class AssistantContract:
    register: ClassVar[str]  # "module" (with a register function) or "module:function"

    @pytest.fixture
    def assistant(self) -> Assistant:
        app = AppRegistry()
        register_from(app, self.register)
        assert len(app) == 1, f"{self.register} registered {len(app)} assistants, not one"
        return next(iter(app))

    def test_the_summary_is_one_line(self, assistant: Assistant) -> None:
        assert assistant.summary.strip() and "\n" not in assistant.summary

    def test_its_command_and_router_import(self, assistant: Assistant) -> None:
        if assistant.command is not None:
            assert isinstance(load(assistant.command), click.Command)
        if assistant.router is not None:
            assert isinstance(load(assistant.router), APIRouter)

    def test_its_messages_are_in_french_and_english(self, assistant: Assistant) -> None:
        english = set(assistant.messages.get("en", {}))
        french = set(assistant.messages.get("fr", {}))
        assert english == french, f"only in English: {english - french}; only in French: " \
                                  f"{french - english}"  # fmt: skip
        if assistant.home or assistant.notebook_tab:
            assert f"{assistant.name}.nav" in english

    def test_its_templates_parse_and_use_its_messages(self, assistant: Assistant) -> None:
        if assistant.templates is None:
            return
        environment = Environment(loader=FileSystemLoader(str(assistant.templates)))
        known = set(assistant.messages.get("en", {}))
        for path in sorted(assistant.templates.rglob("*.html")):
            source = path.read_text(encoding="utf-8")
            environment.parse(source)
            own = {k for k in _LITERAL_KEY.findall(source) if k.startswith(f"{assistant.name}.")}
            assert own <= known, f"{path.name}: unknown messages {sorted(own - known)}"

    def test_its_job_kinds_are_named_and_callable(self, assistant: Assistant) -> None:
        app = AppRegistry()
        app.add(assistant)
        for kind, handler in app.job_kinds().items():
            assert kind.startswith(f"{assistant.name}.") and callable(handler), kind

    def test_its_migrations_apply_once(self, assistant: Assistant) -> None:
        app = AppRegistry()
        app.add(assistant)
        steps = app.migrations(assistant.name)
        connection = sqlite3.connect(":memory:")
        try:
            assert migrate(connection, assistant.name, steps) == len(steps)
            schema = connection.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
            assert migrate(connection, assistant.name, steps) == len(steps)
            assert (
                connection.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
                == schema
            )
        finally:
            connection.close()
