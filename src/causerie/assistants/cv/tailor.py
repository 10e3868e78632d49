"""A CV tailored to a posting, that states nothing the CV does not.

    result = tailor(report, provider)      # report: score.match(cv, posting)
    result.markdown, result.changes, result.rejected, result.diff

Three steps, each traceable to CV lines:
1. order (code): the sections the posting cares about first (summary, skills, experience...),
   within each job the bullets that meet the most requirements first, within a skills line the
   skills the posting asks for first. Jobs keep their dates and their order.
2. wording (code): a skill the CV names in other words is given the posting's name too
   ('Airflow' -> 'Apache Airflow', 'star schema' -> 'star schema (dimensional modelling)').
3. rewording (the model): the experience lines that meet requirements are reworded for the
   posting, one line at a time. Each rewrite is checked against its line
   (`checks.inventions`): a rewrite that adds a skill, employer, title, date, number, degree,
   certification or language level, or drops a figure, is refused (the model is asked again,
   then the line is kept as it was) and listed in `rejected` with why.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from causerie.assistants.cv import checks
from causerie.assistants.cv.experience import periods
from causerie.assistants.cv.reading import Line
from causerie.assistants.cv.score import Report
from causerie.assistants.cv.taxonomy import taxonomy, tokens
from causerie.assistants.kit.language import prompt_name
from causerie.assistants.kit.structured import Rejected, generate, text_field
from causerie.providers.base import Provider
from causerie.types import Message

SECTION_ORDER = ("header", "summary", "skills", "experience", "projects", "certifications",
                 "education", "languages", "other", "interests")  # fmt: skip
MAX_REWRITES = 8
_PREFIX = re.compile(r"^\s*(?:#{1,6}\s+|[-*•·–]\s+|\d+[.)]\s+)?")
_ITEMS = re.compile(r"\s*[,;|]\s*")

SYSTEM = (
    "You reword one line of a CV so that it speaks to a job posting. Keep every fact of the "
    "line and add none: no new skill, tool, employer, job title, date, number, degree, "
    "certification, language or level, and no bigger team or scope. Copy every number and "
    "date exactly as written. Do not invent results. Write one line, without a bullet mark."
)
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"text": {"type": "string", "maxLength": 300}},
    "required": ["text"],
}

Progress = Callable[[int, int], None]


@dataclass
class Change:
    before: str
    after: str
    citations: list[int]  # CV line numbers
    how: str  # "order", "wording" or "rewording"

    def to_json(self) -> dict[str, Any]:
        return {"before": self.before, "after": self.after, "citations": self.citations,
                "how": self.how}  # fmt: skip


@dataclass
class Tailored:
    markdown: str
    original: str
    changes: list[Change] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)

    @property
    def diff(self) -> str:
        return "\n".join(difflib.unified_diff(self.original.splitlines(),
                                              self.markdown.splitlines(), "cv", "tailored",
                                              lineterm=""))  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {"cv": self.markdown, "changes": [c.to_json() for c in self.changes],
                "rejected": self.rejected, "diff": self.diff}  # fmt: skip


@dataclass
class _Row:
    line: Line
    text: str

    def markdown(self) -> str:
        if self.line.heading:
            return f"\n## {self.text}\n"
        prefix = _PREFIX.match(self.line.raw or "")
        return f"{prefix.group() if prefix else ''}{self.text}"


def tailor(
    report: Report,
    provider: Provider | None,
    *,
    max_rewrites: int = MAX_REWRITES,
    progress: Progress | None = None,
) -> Tailored:
    """The tailored CV of `report.cv` for `report.posting` (no model calls when provider is
    None: order and wording only)."""
    cv = report.cv
    wanted = {m.requirement.key for m in report.matches if m.requirement.category == "skill"}
    names = {m.requirement.key: m.requirement.name for m in report.matches}
    rows = [_Row(line, line.text) for line in cv.lines]
    result = Tailored(markdown="", original=cv.markdown())
    for row in rows:
        if row.line.heading:
            continue
        if row.line.section == "skills":
            row.text = _skills_first(row.text, wanted)
        row.text = _posting_words(row.text, names)
        if row.text != row.line.text:
            result.changes.append(Change(row.line.text, row.text, [row.line.number], "wording"))
    candidates = _to_reword(rows, wanted)[:max_rewrites]
    if provider is not None:
        for done, row in enumerate(candidates, 1):
            _reword(row, report, provider, names, result)
            if progress is not None:
                progress(done, len(candidates))
    ordered = _ordered(rows, wanted)
    result.markdown = "\n".join(r.markdown() for r in ordered).strip() + "\n"
    result.markdown = re.sub(r"\n{3,}", "\n\n", result.markdown)
    return result


def _relevance(text: str, wanted: set[str]) -> int:
    return len(taxonomy().ids(text) & wanted)


def _skills_first(text: str, wanted: set[str]) -> str:
    """A list of skills with the ones asked for first (separators normalised to ', ')."""
    label, colon, rest = text.rpartition(":") if ":" in text else ("", "", text)
    items = [i for i in _ITEMS.split(rest.strip()) if i]
    if len(items) < 2:
        return text
    ordered = sorted(items, key=lambda item: -min(1, _relevance(item, wanted)))
    head = f"{label}{colon} " if colon else ""
    return head + ", ".join(ordered) if ordered != items else text


def _posting_words(text: str, names: dict[str, str]) -> str:
    """Give a skill the posting's name where the CV calls it otherwise."""
    found = [f for f in taxonomy().find(text) if f.skill.id in names]
    for hit in sorted(found, key=lambda f: -f.start):
        label = names[hit.skill.id]
        if tokens(label) == tokens(hit.text) or _contains(tokens(text), tokens(label)):
            continue
        said, asked = tokens(hit.text), tokens(label)
        if said and _contains(asked, said):
            text = text[: hit.start] + label + text[hit.end :]
        else:
            text = f"{text[: hit.end]} ({label}){text[hit.end :]}"
    return text


def _contains(longer: list[str], shorter: list[str]) -> bool:
    size = len(shorter)
    return any(longer[i : i + size] == shorter for i in range(len(longer) - size + 1))


def _to_reword(rows: list[_Row], wanted: set[str]) -> list[_Row]:
    dated = {p.line.number for p in periods([r.line for r in rows], as_of=(9999, 12))}
    chosen = [r for r in rows if r.line.section == "experience" and not r.line.heading
              and r.line.number not in dated and _relevance(r.text, wanted)]  # fmt: skip
    return sorted(chosen, key=lambda r: (-_relevance(r.text, wanted), r.line.number))


def _reword(row: _Row, report: Report, provider: Provider, names: dict[str, str],
            result: Tailored) -> None:  # fmt: skip
    source = row.line.text
    asked = [names[s] for s in sorted(taxonomy().ids(row.text)) if s in names]
    allowed = "\n".join(asked)
    refused: list[dict[str, Any]] = []

    def validate(data: dict[str, Any]) -> str:
        text = text_field(data, "text", 300).lstrip("-*• ")
        added = checks.inventions(text, [source, row.text], allowed=allowed)
        dropped = checks.dropped_figures(text, source)
        if added or dropped:
            reason = checks.reason(added, dropped, report.cv.language)
            listed = [{"kind": a.kind, "text": a.text} for a in added]
            refused.append({"text": text, "why": reason, "line": row.line.number, "added": listed})
            raise Rejected(reason)
        return text

    language = report.cv.language
    request = (f"The job posting asks for: {', '.join(asked)}.\n"
               f"Reword this CV line in {prompt_name(language)} so that it speaks to those "
               f"needs, with the same facts:\n<line>{row.text}</line>\n"
               'Reply with JSON: {"text": "the reworded line"}')  # fmt: skip
    outcome = generate(provider, [Message("system", SYSTEM), Message("user", request)],
                       SCHEMA, validate, max_tokens=120)  # fmt: skip
    result.rejected.extend(refused)
    if outcome.value is None or outcome.value == row.text:
        return
    result.changes = [c for c in result.changes if c.citations != [row.line.number]]
    result.changes.append(Change(source, outcome.value, [row.line.number], "rewording"))
    row.text = outcome.value


def _ordered(rows: list[_Row], wanted: set[str]) -> list[_Row]:
    """Sections in SECTION_ORDER (the header first); within a job, the most relevant bullets
    first; a job starts at a line with a date range or a sub-heading."""
    blocks: dict[str, list[_Row]] = {}
    for row in rows:
        blocks.setdefault(row.line.section if row.line.section in SECTION_ORDER else "other",
                          []).append(row)  # fmt: skip
    if "experience" in blocks:
        blocks["experience"] = _bullets_by_relevance(blocks["experience"], wanted)
    ordered: list[_Row] = []
    for section in SECTION_ORDER:
        ordered.extend(blocks.get(section, []))
    return ordered


def _bullet_mark(raw: str) -> str:
    found = _PREFIX.match(raw)
    return found.group().strip() if found else ""


def _bullets_by_relevance(rows: list[_Row], wanted: set[str]) -> list[_Row]:
    dated = {p.line.number for p in periods([r.line for r in rows], as_of=(9999, 12))}
    out: list[_Row] = []
    bullets: list[_Row] = []

    def flush() -> None:
        bullets.sort(key=lambda r: -_relevance(r.text, wanted))  # stable: ties keep order
        out.extend(bullets)
        bullets.clear()

    for row in rows:
        mark = _bullet_mark(row.line.raw or "")
        if row.line.heading or row.line.number in dated or not mark or mark.startswith("#"):
            flush()
            out.append(row)
        else:
            bullets.append(row)
    flush()
    return out
