"""Drafts put together in code from checked sentences, each format within its rule by
construction: a thread is packed post by post under the limit, a text is cut at sentence
boundaries (claims dropped from the end) until it fits. `check.check_draft` then checks the
result again, independently.

    draft = assemble(rule_for("x-thread", "en"), frame, claims, source_title, "en")

`Frame` holds the format's own sentences (a hook, a title, headings), the claims are the
checked sentences drawn from the source, in the source's order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from causerie.assistants.kit.language import Phrasebook
from causerie.assistants.kit.support import sentences as split_sentences
from causerie.assistants.repurpose.drafts import Draft, Rejection, Sentence
from causerie.assistants.repurpose.formats import HOOK_CHARS, Format
from causerie.types import Citation

CLAIMS_PER_POST = 2
EXCERPT_CHARS = 320  # an outline's passage excerpt: its first sentences up to this

WORDS = Phrasebook({
    "read": {"en": "Read the original: {title}", "fr": "Lire l'original : {title}"},
    "more": {"en": "The full piece is linked below: {title}.",
             "fr": "L'article complet est en lien : {title}."},
    "points": {"en": "Key points", "fr": "Points clés"},
    "dropped": {"en": "left out to stay within the {rule}",
                "fr": "laissé de côté pour tenir dans la limite ({rule})"},
    "too_long": {"en": "longer than one post ({value:g} {unit}, limit {limit})",
                 "fr": "plus long qu'un message ({value:g} {unit}, limite {limit})"},
    "too_short": {"en": "the checked claims make only {value:g} s of speech (at least {low} s "
                        "needed)",
                  "fr": "les affirmations vérifiées ne font que {value:g} s de parole (au moins "
                        "{low} s)"},
})  # fmt: skip


@dataclass
class Frame:
    """A format's own sentences, written and checked before assembly."""

    hook: Sentence | None = None
    title: Sentence | None = None
    headings: dict[str, Sentence] = field(default_factory=dict)  # chunk id -> heading


def assemble(
    rule: Format,
    frame: Frame,
    claims: Sequence[Sentence],
    source_title: str,
    language: str,
) -> Draft:
    """The format's draft from its frame and the claims, within its rule."""
    draft = Draft(rule.name, language)
    if rule.shape == "posts":
        _thread(draft, rule, frame, claims, language)
    elif rule.name == "outline":
        _outline(draft, rule, frame, claims, source_title, language)
    else:
        _text(draft, rule, frame, claims, source_title, language)
    draft.length = rule.check_length(draft.parts)
    return draft


def _thread(
    draft: Draft, rule: Format, frame: Frame, claims: Sequence[Sentence], language: str
) -> None:
    numbering = f"{rule.max_posts}/{rule.max_posts} "  # the widest number a post can carry
    posts: list[list[Sentence]] = []
    hook = [frame.hook] if frame.hook else []
    ordered = hook + [c for c in claims if not hook or c.text != hook[0].text]
    for sentence in ordered:
        alone = rule.measure(numbering + sentence.text)
        if alone > rule.limit:
            draft.rejected.append(
                Rejection(
                    sentence.text,
                    WORDS.say("too_long", language, value=alone, unit=rule.unit, limit=rule.limit),
                )
            )
            continue
        current = posts[-1] if posts else None
        if (
            current is not None
            and len(current) < CLAIMS_PER_POST
            and current[0].role != "hook"
            and rule.measure(numbering + _joined([*current, sentence])) <= rule.limit
        ):
            current.append(sentence)
        elif len(posts) < rule.max_posts:
            posts.append([sentence])
        else:
            draft.rejected.append(
                Rejection(
                    sentence.text, WORDS.say("dropped", language, rule=f"{rule.max_posts} posts")
                )
            )
    total = len(posts)
    draft.posts = [f"{i}/{total} {_joined(post)}" for i, post in enumerate(posts, start=1)]
    draft.sentences = [s for post in posts for s in post]


def _text(
    draft: Draft,
    rule: Format,
    frame: Frame,
    claims: Sequence[Sentence],
    source_title: str,
    language: str,
) -> None:
    head: list[Sentence] = []
    if rule.name == "newsletter":
        head = [frame.title or Sentence(source_title, "call")]
        call = Sentence(WORDS.say("read", language, title=source_title), "call")
    elif rule.name == "video-script":
        call = Sentence(WORDS.say("more", language, title=source_title), "call")
    else:
        call = Sentence(WORDS.say("read", language, title=source_title), "call")
    hook = frame.hook if rule.name != "newsletter" else None
    if hook is not None and rule.name == "linkedin" and len(hook.text) > HOOK_CHARS:
        draft.rejected.append(Rejection(hook.text, f"a hook longer than {HOOK_CHARS} characters"))
        hook = None
    body = list(claims)
    if hook is None and rule.name == "linkedin":  # no hook written: the first short claim opens
        hook = next((c for c in body if len(c.text) <= HOOK_CHARS), None)
    if hook is not None:
        body = [c for c in body if c.text != hook.text]
    while True:
        sentences = [*head, *([hook] if hook else []), *body, call]
        text = _layout(rule.name, head, hook, body, call)
        value = rule.measure(text)
        if value <= rule.limit or not body:
            break
        dropped = body.pop()
        draft.rejected.append(
            Rejection(
                dropped.text, WORDS.say("dropped", language, rule=f"{rule.limit} {rule.unit}")
            )
        )
    if value < rule.minimum:
        draft.notes.append(WORDS.say("too_short", language, value=round(value),
                                     low=rule.minimum))  # fmt: skip
    draft.text = text
    draft.sentences = sentences


def _layout(
    name: str, head: list[Sentence], hook: Sentence | None, body: list[Sentence], call: Sentence
) -> str:
    if name == "newsletter":
        title = head[0].text
        return f"## {title}\n\n{_joined(body)}\n\n{call.text}"
    if name == "linkedin":
        opening = f"{hook.text}\n\n" if hook else ""
        paragraphs = "\n\n".join(s.text for s in body)
        return f"{opening}{paragraphs}\n\n→ {call.text}"
    # video script: one sentence a line, as it is read
    return "\n".join(s.text for s in [*([hook] if hook else []), *body, call])


def _outline(
    draft: Draft,
    rule: Format,
    frame: Frame,
    claims: Sequence[Sentence],
    source_title: str,
    language: str,
) -> None:
    title = Sentence(source_title, "call")
    lines = [f"# {title.text}", ""]
    sentences = [title]
    by_passage: dict[str, list[Sentence]] = {}
    passages: dict[str, Citation] = {}
    for claim in claims:
        cited = claim.citations[0]
        by_passage.setdefault(cited.chunk_id, []).append(claim)
        passages.setdefault(cited.chunk_id, cited)
    for count, (chunk_id, cited) in enumerate(passages.items()):
        if count >= rule.limit:
            for claim in by_passage[chunk_id]:
                draft.rejected.append(
                    Rejection(
                        claim.text, WORDS.say("dropped", language, rule=f"{rule.limit} {rule.unit}")
                    )
                )
            continue
        heading = frame.headings.get(chunk_id) or _heading_of(
            cited.locator.heading_path, by_passage[chunk_id][0], cited
        )
        excerpt = Sentence(_excerpt(cited.text), "excerpt", (cited,))
        lines += [f"## {heading.text}", ""]
        lines += [f"- {c.text}" for c in by_passage[chunk_id]]
        lines += ["", f"> {excerpt.text}", ""]
        sentences += [heading, *by_passage[chunk_id], excerpt]
    draft.text = "\n".join(lines).rstrip() + "\n"
    draft.sentences = sentences


def _heading_of(path: tuple[str, ...], first: Sentence, cited: Citation) -> Sentence:
    """A passage's own heading (its locator's last one), else its first claim's opening."""
    if path:
        return Sentence(path[-1], "heading", first.citations)
    words = first.text.rstrip(".!?").split()
    return Sentence(" ".join(words[:8]), "heading", first.citations)


def _excerpt(text: str) -> str:
    """A passage's first sentences (whole ones) up to EXCERPT_CHARS: its own words."""
    found = split_sentences(text)
    kept: list[str] = []
    for sentence in found:
        if kept and len(" ".join([*kept, sentence])) > EXCERPT_CHARS:
            break
        kept.append(sentence)
    excerpt = " ".join(kept) or " ".join(text.split())
    if len(excerpt) <= EXCERPT_CHARS * 2:
        return excerpt
    return excerpt[: EXCERPT_CHARS * 2].rsplit(" ", 1)[0]  # whole words only


def _joined(sentences: Sequence[Sentence]) -> str:
    return " ".join(s.text for s in sentences)
