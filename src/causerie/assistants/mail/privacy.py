"""Privacy with a cloud provider: say so before the first call, and mask what identifies people
in what is sent (addresses, phone numbers, IBANs), restoring it in what comes back.

    if is_cloud(settings): warn(PRIVACY_NOTICE[language])
    redactor = Redactor()
    sent = redactor.mask("Call me on 06 12 34 56 78")      # "Call me on [PHONE_1]"
    redactor.unmask("I will call [PHONE_1].")              # "I will call 06 12 34 56 78."

Phone numbers are those written the international way (+33 ..., +44 (0)20 ...) or the French
way (06 12 34 56 78); a date or an amount is never taken for one.

A local model (llama.cpp, or an OpenAI-compatible server on this machine or the local network,
such as Ollama) is not a cloud provider: nothing leaves the machine, nothing is masked.
"""

from __future__ import annotations

import ipaddress
import re
from functools import partial
from urllib.parse import urlsplit

from causerie.config import Settings

CLOUD_PROVIDERS = ("openai", "anthropic", "gemini")
PRIVACY_NOTICE = {
    "en": "Note: the configured model is a cloud API ({provider}); the thread's text is sent to "
    "it. Addresses, phone numbers and IBANs are masked (--no-redact sends them as they are).",
    "fr": "Attention : le modèle configuré est une API en ligne ({provider}) ; le texte du fil "
    "lui est envoyé. Adresses, numéros de téléphone et IBAN sont masqués (--no-redact les "
    "envoie tels quels).",
}
_PATTERNS = (
    ("EMAIL", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("IBAN", re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b")),
    (
        "PHONE",
        re.compile(
            # +33 6 12 34 56 78, +44 (0)20 7946 0958, 06 12 34 56 78, 06.12.34.56.78
            r"(?<![\w/+-])(?:\+\d{1,3}[ .-]?(?:\(0\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){2,5}"
            r"|0\d(?:[ .-]?\d{2}){4})(?![\w/-])"
        ),
    ),
)


def is_cloud(settings: Settings) -> bool:
    """Whether generation goes to a cloud API rather than a model on this machine or network."""
    if settings.provider not in CLOUD_PROVIDERS:
        return False
    if not settings.base_url:
        return True
    host = urlsplit(settings.base_url).hostname or ""
    if host in ("localhost",) or host.endswith((".local", ".lan", ".internal")):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True
    return not (address.is_loopback or address.is_private or address.is_link_local)


class Redactor:
    """Masks with numbered placeholders; the same value always gets the same placeholder."""

    def __init__(self) -> None:
        self._by_value: dict[str, str] = {}
        self._by_mark: dict[str, str] = {}

    def mask(self, text: str) -> str:
        for kind, pattern in _PATTERNS:
            text = pattern.sub(partial(self._replace, kind), text)
        return text

    def _replace(self, kind: str, match: re.Match[str]) -> str:
        return self._mark(kind, match.group())

    def _mark(self, kind: str, value: str) -> str:
        if value not in self._by_value:
            count = sum(1 for mark in self._by_mark if mark.startswith(f"[{kind}_")) + 1
            mark = f"[{kind}_{count}]"
            self._by_value[value] = mark
            self._by_mark[mark] = value
        return self._by_value[value]

    def unmask(self, text: str) -> str:
        return re.sub(
            r"\[(?:EMAIL|PHONE|IBAN)_\d+\]", lambda m: self._by_mark.get(m.group(), m.group()), text
        )

    @property
    def masked(self) -> dict[str, str]:
        return dict(self._by_mark)
