"""A cover letter in French or English (the posting's language by default), one page, every
claim about the person cited to the CV line it rests on, with the same invention check as the
tailored CV.

    result = letter(report, provider, language=None)
    result.text, result.citations, result.rejected

Code builds the letter: the greeting, the opening (which names the posting's title, a claim
about the posting, not the person) and the closing are fixed sentences; the body is one short
paragraph per point, a point being a CV line that shows requirements of the posting (required
ones first, at most MAX_POINTS). The model writes each paragraph from its line (with the line
that opens its job: employer, title, dates); code keeps it only if it names what the line
shows and adds nothing to those lines (`checks.inventions`), else
asks again, else writes a plain sentence quoting the line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from causerie.assistants.cv import checks
from causerie.assistants.cv.reading import Line
from causerie.assistants.cv.score import Report
from causerie.assistants.cv.taxonomy import taxonomy
from causerie.assistants.kit.language import Phrasebook, prompt_name
from causerie.assistants.kit.structured import Rejected, generate, text_field
from causerie.providers.base import Provider
from causerie.types import Message

MAX_POINTS = 3
MAX_PARAGRAPH = 420

WORDS = Phrasebook({
    "greeting": {"en": "Dear Hiring Team,", "fr": "Madame, Monsieur,"},
    "opening": {
        "en": "I am writing to apply for the position “{title}”. Here is what my CV shows "
              "for the needs your posting describes.",
        "fr": "Je vous adresse ma candidature pour le poste « {title} ». Voici ce que mon CV "
              "montre au regard des besoins décrits dans votre offre.",
    },
    "quoted": {"en": "For {skills}, my CV states: “{line}”.",
               "fr": "Pour {skills}, mon CV indique : « {line} »."},
    "closing": {
        "en": "I would welcome the chance to discuss how this experience meets your needs.",
        "fr": "Je serais heureux d'échanger avec vous sur la manière dont cette expérience "
              "répond à vos besoins.",
    },
    "signoff": {"en": "Kind regards,", "fr": "Je vous prie d'agréer, Madame, Monsieur, "
                                              "l'expression de mes salutations distinguées."},
})  # fmt: skip

SYSTEM = (
    "You write one short paragraph of a cover letter, in the first person, from one line of "
    "the applicant's CV. State only what that line states: no new skill, tool, employer, job "
    "title, date, number, degree, certification, language level, team size or result. Copy "
    "numbers and dates exactly. Two sentences at most."
)
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"paragraph": {"type": "string", "maxLength": MAX_PARAGRAPH}},
    "required": ["paragraph"],
}


@dataclass
class Letter:
    text: str
    language: str
    citations: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"letter": self.text, "language": self.language, "citations": self.citations,
                "rejected": self.rejected}  # fmt: skip


def points(report: Report, most: int = MAX_POINTS) -> list[tuple[Line, list[str]]]:
    """CV lines that show the posting's skills, each with the names of what it shows, chosen
    greedily: experience lines before others, then the line that shows the most skills not
    shown yet (required ones weigh more), earlier lines first among equals."""
    found = [m for m in report.matches if m.found and m.requirement.category == "skill"]
    weight = {m.requirement.key: 10 if m.requirement.kind == "required" else 1 for m in found}
    names = {m.requirement.key: m.requirement.name for m in found}
    lines = {line.number: line for m in found for line in m.evidence}
    shown = {n: taxonomy().ids(line.text) & set(weight) for n, line in lines.items()}
    chosen: list[tuple[Line, list[str]]] = []
    used: set[str] = set()
    while len(chosen) < most:

        def gain(number: int) -> tuple[bool, int, int]:
            new = shown[number] - used
            return (lines[number].section == "experience", sum(weight[k] for k in new), -number)

        candidates = [n for n in lines if shown[n] - used]
        if not candidates:
            break
        best = max(candidates, key=gain)
        new_keys = [k for k in names if k in shown[best] - used]
        chosen.append((lines[best], [names[k] for k in new_keys]))
        used.update(new_keys)
    return chosen


def job_of(report: Report, line: Line) -> Line | None:
    """The line that opens the job a bullet belongs to (the nearest earlier dated line of the
    experience section): its employer and title may be named with the bullet."""
    if line.section != "experience":
        return None
    dated = {p.line.number for p in report.periods}
    for number in range(line.number - 1, 0, -1):
        if number in dated:
            return report.cv.line(number)
        if report.cv.line(number).heading:
            break
    return None


def letter(
    report: Report,
    provider: Provider | None,
    *,
    language: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Letter:
    """The cover letter for `report` (quoted CV lines only when provider is None)."""
    lang = language or report.posting.language
    title = report.posting.lines[0].text if report.posting.lines else ""
    result = Letter("", lang)
    paragraphs = [WORDS.say("greeting", lang), WORDS.say("opening", lang, title=title)]
    chosen = points(report)
    for done, (line, names) in enumerate(chosen, 1):
        job = job_of(report, line)
        sources = [line] if job is None else [job, line]
        text = _paragraph(sources, names, title, lang, provider, result) if provider else None
        if text is None:
            text = WORDS.say("quoted", lang, skills=", ".join(names), line=line.text)
        for cited in sources:
            result.citations.append({"paragraph": len(paragraphs) + 1, **cited.cite()})
        paragraphs.append(text)
        if progress is not None:
            progress(done, len(chosen))
    paragraphs.append(WORDS.say("closing", lang))
    name = report.cv.lines[0].text if report.cv.lines else ""
    paragraphs.append(f"{WORDS.say('signoff', lang)}\n{name}".strip())
    result.text = "\n\n".join(paragraphs) + "\n"
    return result


def _paragraph(sources: list[Line], names: list[str], title: str, language: str,
               provider: Provider, result: Letter) -> str | None:  # fmt: skip
    line = sources[-1]
    shown = taxonomy().ids(line.text)

    def validate(data: dict[str, Any]) -> str:
        text = text_field(data, "paragraph", MAX_PARAGRAPH)
        added = checks.inventions(text, [s.text for s in sources], names_allowed=title)
        if added:
            reason = checks.reason(added, [], language)
        elif not taxonomy().ids(text) & shown:
            reason = checks.WORDS.say("off_point", language, names=", ".join(names))
        else:
            return text
        listed = [{"kind": a.kind, "text": a.text} for a in added]
        result.rejected.append({"text": text, "why": reason, "line": line.number, "added": listed})
        raise Rejected(reason)

    context = "".join(f"<job>{s.text}</job>\n" for s in sources[:-1])
    request = (f"The job posting asks for: {', '.join(names)}.\n"
               f"The CV line:\n{context}<line>{line.text}</line>\n"
               f"Write the paragraph in {prompt_name(language)}, in the first person, about "
               "what this line shows.\n"
               'Reply with JSON: {"paragraph": "..."}')  # fmt: skip
    outcome = generate(provider, [Message("system", SYSTEM), Message("user", request)],
                       SCHEMA, validate, max_tokens=160)  # fmt: skip
    return outcome.value
