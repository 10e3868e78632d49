"""The checker: every draft is checked in code before it is shipped, never trusted.

    problems = check_draft(draft, rule_for("x-thread", "en"))
    if problems:                        # [Rejection(text, why), ...]
        ...                             # cut, rewrite, or withhold: never shipped as is

A draft passes when (1) each post, or the text, is within its format's rule (formats.py), and
a LinkedIn post opens with a hook of at most HOOK_CHARS before its first blank line;
(2) every sentence the model wrote cites a passage, and states no number, date, name or quote
that the cited passage lacks, with each quote word for word and its speaker named as the
passage names them (the kit's support checks); a claim or a hook must also be written mostly in
the passage's words (`answer_support`); an excerpt must be the passage's own words; and
(3) the draft holds no text but its sentences and the format's own markup (numbering "2/5",
headings' "#", quotes' ">", list dashes): nothing unchecked slips in between.
"""

from __future__ import annotations

import re

from causerie import grounding
from causerie.assistants.kit.support import (
    answer_support,
    missing_dates,
    missing_names_and_quotes,
    unattributed_quotes,
)
from causerie.assistants.repurpose.drafts import Draft, Rejection, Sentence
from causerie.assistants.repurpose.formats import HOOK_CHARS, Format, fold_key
from causerie.embedders.base import Embedder

# what a draft may hold besides its sentences: thread numbers, Markdown markup, separators
_MARKUP = re.compile(r"(?m)^\s*(?:\d+/\d+|#{1,6}|>|[-*•→])(?=\s|$)|[—–:()\[\]]")


def passage_text(sentence: Sentence) -> str:
    """What a sentence is checked against: its cited passages with their headings."""
    parts = []
    for cited in sentence.citations:
        heading = " ".join(cited.locator.heading_path)
        parts.append(f"{heading}\n{cited.text}" if heading else cited.text)
    return "\n\n".join(parts)


def sentence_problems(
    sentence: Sentence,
    language: str,
    *,
    passage_language: str | None = None,
    embedder: Embedder | None = None,
) -> list[str]:
    """Why a sentence may not be shipped (empty: it may). `language` is the draft's;
    `passage_language` the cited source's, when known (another one: no word-share check, the
    embedder's similarity stands in; numbers, dates, names and quotes are still checked)."""
    if sentence.role == "call":
        return []
    if not sentence.citations:
        return ["cites no passage"]
    passage = passage_text(sentence)
    text = sentence.text
    if sentence.role == "excerpt":
        if fold_key(text) not in fold_key(passage):
            return ["is not the passage's own words"]
        return []
    problems: list[str] = []
    changed = sorted(grounding.numbers_in(text) - grounding.numbers_in(passage, with_parts=True))
    if changed:
        problems.append(f"states {', '.join(changed)}, which its passage does not "
                        "(a changed or invented figure)")  # fmt: skip
    dates = missing_dates(text, passage)
    if dates:
        problems.append(f"states the date {', '.join(dates)}, which its passage does not")
    absent = missing_names_and_quotes(text, passage)
    quotes = [a for a in absent if a.startswith("“")]
    names = [a for a in absent if not a.startswith("“")]
    if quotes:
        problems.append(f"quotes {', '.join(quotes)}, which its passage does not hold word "
                        "for word (an invented or altered quote)")  # fmt: skip
    if names:
        problems.append(f"names {', '.join(names)}, which its passage does not")
    speakerless = unattributed_quotes(text, passage)
    if speakerless:
        problems.append(f"quotes {', '.join(speakerless)} without naming who said it, as "
                        "its passage does")  # fmt: skip
    if problems or sentence.role not in ("claim", "hook"):
        return problems
    cross = passage_language is not None and passage_language != language
    found = answer_support(text, passage, embedder=embedder, cross_language=cross)
    if not found.supported and not (cross and embedder is None):
        problems.append(f"is not what its passage says: it {found.reason}")
    return problems


def check_draft(
    draft: Draft,
    rule: Format,
    *,
    passage_languages: dict[str, str] | None = None,
    embedder: Embedder | None = None,
) -> list[Rejection]:
    """Every reason the draft may not be shipped as it is (empty: it may), each with the text
    it is about: a post or text over its limit, a sentence its passage does not support, text
    that is none of the draft's checked sentences."""
    problems: list[Rejection] = []
    parts = draft.parts
    length = rule.check_length(parts)
    if not length.within:
        over = [p for p in parts if rule.measure(p) > rule.limit] or parts or [""]
        problems.append(Rejection(over[0], f"{draft.format}: {length.why}"))
    languages = passage_languages or {}
    for sentence in draft.sentences:
        source_language = next((languages[c.source] for c in sentence.citations
                                if c.source in languages), None)  # fmt: skip
        for why in sentence_problems(sentence, draft.language, passage_language=source_language,
                                     embedder=embedder):  # fmt: skip
            problems.append(Rejection(sentence.text, why))
    if draft.format == "linkedin" and parts:
        hook = parts[0].split("\n\n", 1)[0]
        if len(hook) > HOOK_CHARS:
            problems.append(Rejection(hook, f"linkedin: the hook (before the first blank line) "
                                      f"is {len(hook)} characters, over {HOOK_CHARS}"))  # fmt: skip
    leftover = unchecked_text(parts, draft.sentences)
    if leftover:
        problems.append(Rejection(leftover, "is text that no checked sentence of the draft holds"))
    return problems


def unchecked_text(parts: list[str], sentences: list[Sentence]) -> str:
    """What the draft's posts or text hold besides its sentences and the format's markup."""
    rest = "\n".join(parts)
    for sentence in sorted(sentences, key=lambda s: -len(s.text)):
        rest = rest.replace(sentence.text, "\n")
    rest = _MARKUP.sub(" ", rest)
    return " ".join(rest.split()) if re.search(r"\w", rest) else ""
