"""The curated public API of `causerie` (DESIGN convention 8, as httpx's
tests/test_exported_members.py): a deliberate list, each name real, the import cheap."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib import import_module
from importlib.metadata import version
from pathlib import Path

import pytest

import causerie

ROOT = Path(__file__).resolve().parents[1]

PUBLIC = [
    "Answer",
    "Capabilities",
    "CauserieError",
    "Citation",
    "ConfigError",
    "Engine",
    "FakeProvider",
    "Guidance",
    "Hit",
    "InputError",
    "Locator",
    "Message",
    "NotFound",
    "Notebook",
    "Owner",
    "Provider",
    "ProviderError",
    "Retrieved",
    "Services",
    "Settings",
    "TextDelta",
    "__version__",
    "final_answer",
    "final_answer_async",
    "load_settings",
]


def test_the_public_names_are_the_curated_list() -> None:
    assert sorted(causerie.__all__) == sorted(PUBLIC)
    assert sorted(causerie._EXPORTS) == sorted(n for n in PUBLIC if n != "__version__")


@pytest.mark.parametrize("name", [n for n in PUBLIC if n != "__version__"])
def test_each_public_name_is_its_modules_own_and_documented(name: str) -> None:
    value = getattr(causerie, name)
    home = import_module(value.__module__)
    assert getattr(home, name) is value
    assert value.__module__.startswith("causerie.")
    if not issubclass_of_error(value):  # errors are described in errors.py's drawn tree
        assert (value.__doc__ or "").strip(), f"causerie.{name} has no docstring"


def issubclass_of_error(value: object) -> bool:
    return isinstance(value, type) and issubclass(value, causerie.CauserieError)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = causerie.Nope  # type: ignore[attr-defined]


def test_version_is_the_installed_packages() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert causerie.__version__ == version("causerie") == project["version"]


def test_importing_causerie_loads_nothing_heavy() -> None:
    code = "import sys, causerie; print(sorted(m for m in sys.modules if m.startswith('causerie')))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "['causerie']"
