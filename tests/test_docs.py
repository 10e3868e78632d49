"""The README cannot drift from the code (as datasette's tests/test_docs.py): every setting is in
its settings table, every top-level command in its command lists (and every command it shows
exists), its layout block lists the real top-level modules, and the error tree drawn in
errors.py's docstring is the real class hierarchy."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import click
import pytest

from causerie import errors
from causerie.cli.main import cli
from causerie.config import Settings

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "causerie"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    """The README's text under `## title`, up to the next `## ` heading."""
    found = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert found, f"README.md has no '## {title}' section"
    return found.group(1)


def code_blocks(text: str) -> list[str]:
    return re.findall(r"^```[\w-]*\n(.*?)^```", text, re.M | re.S)


# --------------------------------------------------------------------------- settings


def documented_settings() -> list[str]:
    return re.findall(r"^\| `(\w+)` \|", section("Use another model"), re.M)


def test_every_setting_is_in_the_readme_table_and_only_those() -> None:
    documented = documented_settings()
    assert len(documented) == len(set(documented)), "a setting is documented twice"
    missing = set(Settings.model_fields) - set(documented)
    stale = set(documented) - set(Settings.model_fields)
    assert not missing, f"settings missing from README's table: {sorted(missing)}"
    assert not stale, f"README documents settings that do not exist: {sorted(stale)}"


# --------------------------------------------------------------------------- commands


def top_level_commands() -> list[str]:
    with click.Context(cli) as ctx:
        return cli.list_commands(ctx)


GLOBAL_OPTIONS = r"(?:--user \S+ |--debug )*"


def shown_commands() -> set[str]:
    """`causerie [--user NAME] COMMAND` wherever the README runs one: in a code block, or in
    inline code (`causerie --user me jobs`)."""
    shown = set()
    command = rf"causerie {GLOBAL_OPTIONS}([a-z][\w-]*)"
    for block in code_blocks(README):
        shown |= set(re.findall(rf"(?:^|\$ |&& ){command}", block, re.M))
    shown |= set(re.findall(rf"`{command}[^`]*`", README))
    return shown


@pytest.mark.parametrize("command", top_level_commands())
def test_every_command_is_in_the_readme(command: str) -> None:
    assert command in shown_commands(), f"`causerie {command}` is in no README command list"


def test_every_command_the_readme_shows_exists() -> None:
    unknown = shown_commands() - set(top_level_commands())
    assert not unknown, f"README shows commands that do not exist: {sorted(unknown)}"


# --------------------------------------------------------------------------- layout


def layout_entries() -> set[str]:
    """The modules and packages the layout block lists directly under src/causerie/."""
    (block,) = code_blocks(section("Layout"))
    entries: set[str] = set()
    for line in block.splitlines():
        if not re.match(r"^  \S", line):
            continue  # src/causerie/ itself, continuation lines, tests/ bench/
        names = re.split(r"\s{2,}", line.strip())[0]  # two spaces: the description begins
        entries |= {n for n in names.split() if re.fullmatch(r"[a-z_]+(\.py|/)", n)}
    return entries


def real_entries() -> set[str]:
    entries = {p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py")}
    entries |= {
        f"{p.name}/"
        for p in PACKAGE.iterdir()
        if p.is_dir() and p.name != "__pycache__" and any(p.rglob("*.py"))
    }
    return entries


def test_the_layout_block_lists_the_real_top_level_modules() -> None:
    listed, real = layout_entries(), real_entries()
    assert not real - listed, f"README's layout block misses {sorted(real - listed)}"
    assert not listed - real, f"README's layout block lists what is gone: {sorted(listed - real)}"


# --------------------------------------------------------------------------- error tree


def drawn_tree() -> dict[str, str | None]:
    """{class name: parent name} as errors.py's docstring draws it."""
    parents: dict[str, str | None] = {}
    stack: list[tuple[int, str]] = []  # (column, name) of the open branches
    for line in (errors.__doc__ or "").splitlines():
        found = re.match(r"^([ │]*)(?:[├└]── )?([A-Z]\w*Error|[A-Z]\w+)\b", line)
        if not found or not re.search(r"[├└]── |^CauserieError\b", line):
            continue
        column, name = len(found.group(1)), found.group(2)
        while stack and stack[-1][0] >= column:
            stack.pop()
        parents[name] = stack[-1][1] if stack else None
        stack.append((column, name))
    return parents


def real_tree() -> dict[str, str | None]:
    classes = [
        value
        for value in vars(errors).values()
        if inspect.isclass(value)
        and issubclass(value, errors.CauserieError)
        and value.__module__ == errors.__name__
    ]
    return {
        cls.__name__: None if cls is errors.CauserieError else cls.__bases__[0].__name__
        for cls in classes
    }


def test_the_error_tree_in_the_docstring_is_the_class_hierarchy() -> None:
    drawn = drawn_tree()
    assert drawn.get("CauserieError", "absent") is None, "the tree's root is CauserieError"
    assert drawn == real_tree()


def test_the_tree_reader_sees_a_misplaced_branch() -> None:
    """The check itself: moving a class under another parent changes what is read."""
    drawn = drawn_tree()
    assert drawn["BlockedURL"] == "InputError" and drawn["EmbedderError"] == "CauserieError"
    assert drawn["MissingDependency"] == "ProviderError"
