"""One long piece (or a few) of a notebook becomes drafts in several formats.

    material = gather(store, owner, notebook, ["essay.md"])       # InputError: unknown, short
    result = repurpose(provider, embedder, material, ["x-thread", "newsletter"],
                       Options(tone="expert"), on_step=print)
    result.to_json()     # {"outputs": [...], "claims": {...}, ...} (the CLI's --json)

The steps: pick the source's passages (spread over the piece, at most `passages`, then in the
piece's order), draw checked claims from each (writer.Writer.claims), then for each format
write its frame (hook, title or headings), assemble the draft within the format's rule
(assemble), and check it again (check.check_draft). A draft that still fails is rewritten
without the failing sentences once, then withheld, never shipped as it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from causerie.assistants.kit.language import check_language
from causerie.assistants.kit.passages import notebook_passages
from causerie.assistants.repurpose.assemble import assemble
from causerie.assistants.repurpose.check import check_draft
from causerie.assistants.repurpose.drafts import Draft
from causerie.assistants.repurpose.formats import (
    DEFAULT_WORDS,
    check_words,
    parse_formats,
    rule_for,
)
from causerie.assistants.repurpose.writer import AUDIENCES, TONES, Claims, Style, Writer
from causerie.embedders.base import Embedder
from causerie.errors import InputError
from causerie.providers.base import Provider
from causerie.store.base import Store
from causerie.types import Hit, Notebook, Owner, Source

MIN_SOURCE_WORDS = 150  # fewer: nothing to repurpose (a note, a title)
DEFAULT_PASSAGES = 8
MAX_PASSAGES = 20
STYLE_FOLDER = "past-posts"


@dataclass(frozen=True, slots=True)
class Options:
    """What the person asks for besides the formats (`--language`, `--tone`, ...)."""

    language: str | None = None
    tone: str = "neutral"
    audience: str = "general"
    words: int = DEFAULT_WORDS
    passages: int = DEFAULT_PASSAGES
    style_folder: str = STYLE_FOLDER

    def checked(self) -> Options:
        """The options, or InputError naming the bad one."""
        check_language(self.language)
        if self.tone not in TONES:
            raise InputError("--tone", f"{self.tone!r} is not one of: {', '.join(TONES)}")
        if self.audience not in AUDIENCES:
            known = ", ".join(AUDIENCES)
            raise InputError("--audience", f"{self.audience!r} is not one of: {known}")
        check_words(self.words)
        if not 1 <= self.passages <= MAX_PASSAGES:
            raise InputError("--passages", f"must be between 1 and {MAX_PASSAGES} "
                             f"(got {self.passages})")  # fmt: skip
        return self

    def to_json(self) -> dict[str, Any]:
        return {"language": self.language, "tone": self.tone, "audience": self.audience,
                "words": self.words, "passages": self.passages,
                "style_folder": self.style_folder}  # fmt: skip


@dataclass
class Material:
    """What a run draws from: the chosen passages in the piece's order, its title and
    language, and the person's past posts (style examples)."""

    title: str
    language: str
    sources: list[Source]
    passages: list[Hit]
    words: int
    examples: list[str] = field(default_factory=list)


def source_name(source: Source) -> str:
    return PurePath(source.uri).name or source.title


def gather(
    store: Store,
    owner: Owner,
    notebook: Notebook,
    names: Sequence[str],
    passages: int = DEFAULT_PASSAGES,
    style_folder: str = STYLE_FOLDER,
) -> Material:
    """The passages of the named sources (file name, uri or title), spread over each piece,
    then in its order. InputError naming the source: not in the notebook (the sources it has
    are listed), or too short to repurpose."""
    if not names:
        raise InputError("SOURCE", "name at least one source of the notebook")
    chosen: list[Hit] = []
    sources: list[Source] = []
    words = 0
    per_source = max(1, passages // len(names))
    for name in names:
        try:
            pool = notebook_passages(store, owner, notebook, name)
        except InputError as exc:
            raise InputError(name, exc.problem) from None
        source_words = sum(len(h.chunk.text.split()) for h in pool.passages)
        if not pool.passages or source_words < MIN_SOURCE_WORDS:
            raise InputError(name, f"is too short to repurpose: {source_words} words (at least "
                             f"{MIN_SOURCE_WORDS}: an article, a talk, a transcript)")  # fmt: skip
        words += source_words
        sources.append(pool.passages[0].source)
        picked = pool.passages[:per_source]
        chosen += sorted(picked, key=lambda h: h.chunk.ordinal)
    first = sources[0]
    title = first.title or source_name(first)
    if len(sources) > 1:
        title = " · ".join(s.title or source_name(s) for s in sources)
    examples = style_examples(store, owner, notebook, style_folder, exclude=sources)
    return Material(title, first.language, sources, chosen, words, examples)


def style_examples(
    store: Store, owner: Owner, notebook: Notebook, folder: str, exclude: Sequence[Source] = ()
) -> list[str]:
    """The texts of the notebook's sources filed under a folder named `folder` (the person's
    past posts), at most three, each cut short: style examples, never facts."""
    if not folder:
        return []
    skip = {s.id for s in exclude}
    wanted = [s for s in store.list_sources(owner, notebook.id)
              if folder in PurePath(s.uri).parts[:-1] and s.id not in skip]  # fmt: skip
    if not wanted:
        return []
    ids = {s.id for s in wanted[:3]}
    texts: dict[str, list[str]] = {}
    for hit in store.get_hits(owner, notebook.id,
                              [c.id for c in store.list_chunks(owner, notebook.id)]):  # fmt: skip
        if hit.source.id in ids:
            texts.setdefault(hit.source.id, []).append(hit.chunk.text)
    return [" ".join(" ".join(parts).split()) for parts in texts.values()]


@dataclass
class Result:
    title: str
    language: str
    options: Options
    drafts: list[Draft]
    claims: Claims
    sources: list[str]
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.title,
            "sources": self.sources,
            "language": self.language,
            "options": self.options.to_json(),
            "outputs": [d.to_json() for d in self.drafts],
            "claims": {
                "accepted": len(self.claims.sentences),
                "rejected": [r.to_json() for r in self.claims.rejected],
                "model_calls": self.claims.calls,
                "seconds": round(self.claims.seconds, 2),
            },
            "seconds": round(self.seconds, 2),
        }


Step = Callable[[int, int, str], None]  # (done, total, what is being written)


def repurpose(
    provider: Provider,
    embedder: Embedder | None,
    material: Material,
    formats: Sequence[str],
    options: Options,
    on_step: Step | None = None,
) -> Result:
    """Drafts of the material in each format (names checked by formats.parse_formats)."""
    options.checked()
    names = parse_formats(",".join(formats))
    started = time.perf_counter()
    language = options.language or material.language
    style = Style(language, options.tone, options.audience, tuple(material.examples),
                  source_language=material.language)  # fmt: skip
    total = len(material.passages) + len(names)
    writer = Writer(provider, embedder)

    def passage_done(index: int) -> None:
        if on_step is not None:
            on_step(index, total, "claims")

    claims = writer.claims(material.passages, style, passage_done)
    drafts: list[Draft] = []
    languages = {s.uri: s.language for s in material.sources}
    for offset, name in enumerate(names, start=1):
        rule = rule_for(name, language, options.words)
        frame, rejected, seconds = writer.frame(name, claims.sentences, style)
        if claims.sentences:
            draft = assemble(rule, frame, claims.sentences, material.title, language)
            draft.rejected[:0] = rejected
            draft = _checked(draft, rule, frame, claims, material.title, language, languages,
                             embedder)  # fmt: skip
        else:  # nothing checked to say: no draft, rather than a title and a link alone
            draft = Draft(name, language, posts=[] if rule.shape == "posts" else None)
            draft.length = rule.check_length([])
            draft.notes.append("withheld: no claim drawn from the source passed the checks")
        draft.seconds = seconds
        drafts.append(draft)
        if on_step is not None:
            on_step(len(material.passages) + offset, total, name)
    return Result(material.title, language, options, drafts, claims,
                  [s.uri for s in material.sources], time.perf_counter() - started)  # fmt: skip


def _checked(
    draft: Draft,
    rule: Any,
    frame: Any,
    claims: Claims,
    title: str,
    language: str,
    languages: dict[str, str],
    embedder: Embedder | None,
) -> Draft:
    """The draft if it passes the checker; else rebuilt once without what failed; else
    withheld (its text emptied, every problem listed as rejected)."""
    problems = check_draft(draft, rule, passage_languages=languages, embedder=embedder)
    if not problems:
        return draft
    failing = {p.text for p in problems}
    if frame.hook is not None and frame.hook.text in failing:
        frame.hook = None
    if frame.title is not None and frame.title.text in failing:
        frame.title = None
    kept = [c for c in claims.sentences if c.text not in failing]
    again = assemble(rule, frame, kept, title, language)
    again.rejected[:0] = [*draft.rejected, *problems]
    problems = check_draft(again, rule, passage_languages=languages, embedder=embedder)
    if not problems:
        return again
    again.rejected += problems
    again.notes.append("withheld: the draft did not pass the checks (see rejected)")
    again.posts = [] if again.posts is not None else None
    again.text = None
    again.sentences = []
    return again
