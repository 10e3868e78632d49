"""Causerie: chat with your own material; every answer cites the passage it rests on.

The public API is the short list below; everything else is reachable from its module
(`causerie.store.sqlite`, `causerie.assistants.kit`, ...) and may change between versions.

    from causerie import FakeProvider, Owner, Services, final_answer, load_settings

    services = Services(load_settings(), provider_factory=lambda: FakeProvider("Hi [1]."))
    owner = Owner("local")
    notebook = services.store.ensure_notebook(owner, "default")
    services.ingestor.add(owner, notebook, "notes.md")
    answer = final_answer(services.engine.ask(owner, notebook, "What do my notes say?"))
    print(answer.text, [c.to_json() for c in answer.citations])

Importing `causerie` is cheap: the names load from their modules on first use.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from causerie.config import Settings, load_settings
    from causerie.errors import (
        CauserieError,
        ConfigError,
        InputError,
        NotFound,
        ProviderError,
    )
    from causerie.providers.base import Capabilities, Provider
    from causerie.providers.fake import FakeProvider
    from causerie.session import (
        Answer,
        Engine,
        Guidance,
        Retrieved,
        final_answer,
        final_answer_async,
    )
    from causerie.types import Citation, Hit, Locator, Message, Notebook, Owner, TextDelta
    from causerie.wiring import Services

try:
    __version__ = version("causerie")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

_EXPORTS = {
    # settings and wiring
    "Settings": "causerie.config",
    "load_settings": "causerie.config",
    "Services": "causerie.wiring",
    # the one loop
    "Engine": "causerie.session",
    "Answer": "causerie.session",
    "Retrieved": "causerie.session",
    "Guidance": "causerie.session",
    "final_answer": "causerie.session",
    "final_answer_async": "causerie.session",
    # values
    "Owner": "causerie.types",
    "Notebook": "causerie.types",
    "Message": "causerie.types",
    "Hit": "causerie.types",
    "Citation": "causerie.types",
    "Locator": "causerie.types",
    "TextDelta": "causerie.types",
    # the model seam
    "Provider": "causerie.providers.base",
    "Capabilities": "causerie.providers.base",
    "FakeProvider": "causerie.providers.fake",
    # errors
    "CauserieError": "causerie.errors",
    "ConfigError": "causerie.errors",
    "InputError": "causerie.errors",
    "NotFound": "causerie.errors",
    "ProviderError": "causerie.errors",
}

__all__ = [
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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'causerie' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # once loaded, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
