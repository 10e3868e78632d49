"""Answer rendering for the web page: Markdown to sanitised HTML, with [n] as citation chips.

Model text is untrusted. Two fences, each enough on its own for the cases tested:

1. markdown-it-py (CommonMark + tables) with raw HTML disabled: `<script>` and any other tag
   in the text come out escaped. Images are not parsed at all (`![alt](url)` stays a plain
   link), so an answer can never make the browser fetch a remote image. Links are never
   clickable: `[text](https://host/?q=...)` is shown as `text <https://host/?q=...>`, text with
   its whole destination, so a link built from a document's injected instructions cannot carry
   data out with one click (no exfiltration by Markdown).
2. nh3 (ammonia) over the result: a small tag set without `<a>` (and without `<img>`).

Citation markers `[n]` become `<button class="cite" data-marker="n">` chips, outside code
spans and links only, and only for markers the answer's checked citations hold (when given).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_inline import StateInline

_CITE = re.compile(r"\[(\d{1,3})\]")

_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "hr",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "s",
    "button", "span",
}  # fmt: skip

_ATTRIBUTES: dict[str, set[str]] = {
    "ol": {"start"},
    "button": {"type", "data-marker", "aria-label", "aria-haspopup"},
}


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "button" and attr == "type":
        return "button"
    if tag == "button" and attr == "data-marker" and not value.isdigit():
        return None
    return value


def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=_TAGS,
        clean_content_tags={"script", "style"},
        attributes=_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes=set(),
        link_rel=None,
        allowed_classes={"button": {"cite"}, "span": {"link-target"}},
        strip_comments=True,
    )


_CLEANER = _cleaner()


def _citation_rule(state: StateInline, silent: bool) -> bool:
    """Inline rule: `[n]` becomes a `citation` token (before the link rule sees it)."""
    if state.src[state.pos] != "[":
        return False
    match = _CITE.match(state.src, state.pos)
    if not match:
        return False
    marker = int(match.group(1))
    allowed = state.env.get("markers")
    if allowed is not None and marker not in allowed:
        return False
    if not silent:
        token = state.push("citation", "", 0)
        token.meta = {"marker": marker}
    state.pos = match.end()
    return True


def _make_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table").enable("strikethrough")
    md.disable(["image", "reference"])  # no images; "[1]: ..." at a line start stays text
    md.inline.ruler.before("link", "citation", _citation_rule)

    def render_citation(self, tokens, idx, options, env) -> str:  # type: ignore[no-untyped-def]
        marker = tokens[idx].meta["marker"]
        label = env.get("cite_label", "Source {n}").format(n=marker)
        label = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        return (
            f'<button type="button" class="cite" data-marker="{marker}" '
            f'aria-haspopup="dialog" aria-label="{label}">{marker}</button>'
        )

    def render_link_open(self, tokens, idx, options, env) -> str:  # type: ignore[no-untyped-def]
        env.setdefault("link_targets", []).append(tokens[idx].attrGet("href") or "")
        return ""

    def render_link_close(self, tokens, idx, options, env) -> str:  # type: ignore[no-untyped-def]
        target = env["link_targets"].pop() if env.get("link_targets") else ""
        shown = escapeHtml(str(target))
        return f' <span class="link-target">&lt;{shown}&gt;</span>' if shown else ""

    md.add_render_rule("citation", render_citation)
    md.add_render_rule("link_open", render_link_open)
    md.add_render_rule("link_close", render_link_close)
    # every target is shown as text, never followed; replacing validateLink is markdown-it's
    # documented way to change the check (mypy objects to assigning to a method)
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


_MD = _make_parser()


def sanitise(html: str) -> str:
    """Clean an HTML fragment with the answer policy (exposed for tests and other renderers)."""
    return _CLEANER.clean(html)


def render_answer(
    text: str,
    markers: Iterable[int] | None = None,
    cite_label: str = "Source {n}",
) -> str:
    """Markdown answer text to safe HTML; `[n]` chips for the given markers (all when None)."""
    env: dict[str, object] = {"cite_label": cite_label}
    if markers is not None:
        env["markers"] = set(markers)
    return sanitise(_MD.render(text or "", env))


def render_answer_json(answer: dict[str, object], cite_label: str = "Source {n}") -> str:
    """The `html` of an Answer.to_json() payload: chips only for its checked citations."""
    citations = answer.get("citations")
    listed = citations if isinstance(citations, list) else []
    markers = [int(c["marker"]) for c in listed if isinstance(c, dict) and "marker" in c]
    return render_answer(str(answer.get("answer") or ""), markers, cite_label)


def with_html(answer: dict[str, object]) -> dict[str, object]:
    """An answer payload plus its `html` (the SSE `answer` event the chat page swaps in)."""
    return {**answer, "html": render_answer_json(answer)}
