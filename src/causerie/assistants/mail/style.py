"""The owner's writing style, learned from their own messages, shown and editable.

    profile = learn_style(my_messages)   # MessageRecords sent by the owner
    profile.to_json()  # {"fr": {"greeting": "Bonjour {name},", "sign_off": "Bien à vous,",
                       #         "name": "Claire", "address": "vous", "words": 28,
                       #         "exclamations": 0.2, "space_before_marks": true}, "en": {...},
                       #  "tu": ["julien@collectif-graphique.fr"], "messages": 8}

Per language: the most common greeting (the correspondent's first name replaced by {name}),
sign-off and the name signed under it, the median length in words, exclamation marks per
message; in French, "vous" or "tu" (and the correspondents the owner says "tu" to) and whether
a space goes before ? ! : (French typography). Every value can be replaced by the owner
(`mail style --set fr.sign_off="Belle journée,"`, or the web page).
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from causerie.assistants.mail.store import MessageRecord
from causerie.assistants.mail.words import greeting_of, sign_off_of

_TU = re.compile(r"\b(tu|te|toi|ton|ta|tes|t'|peux-tu|as-tu|es-tu)\b", re.I)
_VOUS = re.compile(r"\b(vous|votre|vos)\b", re.I)
_FRENCH_SPACE = re.compile(r"\s[?!:;]")
_TIGHT_MARK = re.compile(r"\w[?!;]")
EDITABLE = ("greeting", "greeting_tu", "sign_off", "name", "address", "words")


@dataclass
class LanguageStyle:
    greeting: str = ""
    greeting_tu: str = ""  # French: the greeting to those the owner says "tu" to
    sign_off: str = ""
    name: str = ""
    address: str = ""  # "vous" / "tu" in French, "" otherwise
    words: int = 0
    exclamations: float = 0.0
    space_before_marks: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "greeting": self.greeting,
            "greeting_tu": self.greeting_tu,
            "sign_off": self.sign_off,
            "name": self.name,
            "address": self.address,
            "words": self.words,
            "exclamations": round(self.exclamations, 2),
            "space_before_marks": self.space_before_marks,
        }


@dataclass
class StyleProfile:
    languages: dict[str, LanguageStyle] = field(default_factory=dict)
    tu: list[str] = field(default_factory=list)  # correspondents the owner says "tu" to
    messages: int = 0

    def for_language(self, language: str) -> LanguageStyle:
        return self.languages.get(language) or LanguageStyle()

    def address_for(self, correspondent: str, language: str) -> str:
        if language != "fr":
            return ""
        if correspondent in self.tu:
            return "tu"
        return self.for_language("fr").address or "vous"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {k: v.to_json() for k, v in sorted(self.languages.items())}
        return {**data, "tu": self.tu, "messages": self.messages}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StyleProfile:
        languages = {
            k: LanguageStyle(**{f: v[f] for f in LanguageStyle.__dataclass_fields__ if f in v})
            for k, v in data.items()
            if isinstance(v, dict)
        }
        return cls(languages, list(data.get("tu", [])), int(data.get("messages", 0)))

    def edit(self, key: str, value: str) -> None:
        """Set 'fr.sign_off' (or 'en.greeting', ...) to `value`; ValueError for an unknown key."""
        language, _, name = key.partition(".")
        if name not in EDITABLE or not re.fullmatch(r"[a-z]{2}", language):
            raise ValueError(
                f"{key!r}: expected LANGUAGE.FIELD, FIELD one of {', '.join(EDITABLE)}"
            )
        style = self.languages.setdefault(language, LanguageStyle())
        if name == "words":
            style.words = int(value)
        else:
            setattr(style, name, value)


def _template(greeting: str, first_names: Iterable[str]) -> str:
    for name in first_names:
        if name and re.search(rf"\b{re.escape(name)}\b", greeting):
            return re.sub(rf"\b{re.escape(name)}\b", "{name}", greeting)
    return greeting


def _first_names(message: MessageRecord) -> list[str]:
    names = [p[0].split()[0] for p in message.to if p[0]]
    names += [p[0].split()[-1] for p in message.to if p[0]]  # "Madame Morel"
    return names


def _signed_name(text: str, sign_off: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if sign_off and sign_off in lines:
        index = lines.index(sign_off)
        if index + 1 < len(lines):
            return lines[index + 1]
    return ""


def _most_common(values: Sequence[str]) -> str:
    counted = Counter(v for v in values if v)
    return counted.most_common(1)[0][0] if counted else ""


def _says_tu(message: MessageRecord) -> bool:
    return len(_TU.findall(message.text)) > len(_VOUS.findall(message.text))


def learn_style(
    mine: Sequence[MessageRecord], received: Sequence[MessageRecord] = ()
) -> StyleProfile:
    """The profile of the owner's own messages (an empty profile when there are none).
    `received`: messages to the owner; a French correspondent who says "tu" to the owner is
    answered with "tu" too, unless the owner has said "vous" to them."""
    profile = StyleProfile(messages=len(mine))
    by_language: dict[str, list[MessageRecord]] = {}
    for message in mine:
        by_language.setdefault(message.language, []).append(message)
    tu_to: set[str] = set()
    for language, messages in by_language.items():
        if language not in ("en", "fr"):
            continue
        style = LanguageStyle()
        style.greeting = _most_common(
            [_template(greeting_of(m.text), _first_names(m)) for m in messages]
        )
        sign_offs = [sign_off_of(m.text) for m in messages]
        style.sign_off = _most_common(sign_offs)
        style.name = _most_common(
            [_signed_name(m.text, s) for m, s in zip(messages, sign_offs, strict=True)]
        )
        style.words = int(statistics.median(len(m.text.split()) for m in messages))
        style.exclamations = sum(m.text.count("!") for m in messages) / len(messages)
        spaced = sum(len(_FRENCH_SPACE.findall(m.text)) for m in messages)
        tight = sum(len(_TIGHT_MARK.findall(m.text)) for m in messages)
        style.space_before_marks = spaced > tight
        if language == "fr":
            vous_to: set[str] = set()
            for message in messages:
                if _says_tu(message):
                    tu_to.update(p[1] for p in message.to)
                elif _VOUS.search(message.text):
                    vous_to.update(p[1] for p in message.to)
            tu_to |= {
                m.sender_address
                for m in received
                if m.language == "fr" and _says_tu(m) and m.sender_address not in vous_to
            }
            style.address = "vous" if len(vous_to) >= len(tu_to) else "tu"
            to_tu = [m for m in messages if {p[1] for p in m.to} & tu_to]
            others = [m for m in messages if m not in to_tu]
            style.greeting = _most_common([_template(greeting_of(m.text), _first_names(m))
                                           for m in others]) or style.greeting  # fmt: skip
            style.greeting_tu = _most_common(
                [_template(greeting_of(m.text), _first_names(m)) for m in to_tu]
            )
        profile.languages[language] = style
    profile.tu = sorted(tu_to)
    return profile
