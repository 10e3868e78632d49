"""Reading a CV and a job posting: the loaders of `causerie.ingest` (PDF, DOCX, Markdown, text,
a URL through the safe fetcher), then numbered lines under recognised sections.

    cv = read_cv("cv.pdf")          # CvText: lines, sections, language; InputError if not a CV
    job = read_posting("https://…") # PostingText; InputError naming the input when unusable

A line's number is its place among the document's non-empty lines (1-based): citations point
at it, and the tailored CV and the letter cite it back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from causerie import grounding, textproc
from causerie.errors import InputError, LoaderError
from causerie.ingest.loaders import load_bytes, load_source, loader_for_extension
from causerie.types import Document

LANGUAGES = ("en", "fr")
LANGUAGE_WORDS = {"en": "English", "fr": "French", "de": "German", "es": "Spanish",
                  "it": "Italian", "nl": "Dutch", "pt": "Portuguese"}  # fmt: skip

CV_SECTIONS: dict[str, tuple[str, ...]] = {
    "experience": ("experience", "experiences", "professional experience", "work experience",
                   "work history", "employment", "employment history", "career history",
                   "expérience", "expériences", "expérience professionnelle",
                   "expériences professionnelles", "parcours professionnel", "parcours"),
    "education": ("education", "academic background", "education and training", "formation",
                  "formations", "études", "diplômes", "diplômes et formations",
                  "formation initiale"),
    "skills": ("skills", "technical skills", "key skills", "core skills", "competencies",
               "skills and tools", "compétences", "compétences techniques", "compétences clés",
               "outils", "tools", "savoir-faire"),
    "languages": ("languages", "language skills", "langues", "langues étrangères"),
    "certifications": ("certifications", "certificates", "certificats", "licences",
                       "licenses", "licences and certifications", "licenses and certifications",
                       "habilitations", "certifications et habilitations"),
    "summary": ("summary", "profile", "professional summary", "about me", "objective", "profil",
                "résumé", "à propos", "objectif", "profil professionnel"),
    "projects": ("projects", "projets"),
    "interests": ("interests", "hobbies", "centres d'intérêt", "loisirs", "intérêts"),
}  # fmt: skip

POSTING_SECTIONS: dict[str, tuple[str, ...]] = {
    "required": ("requirements", "required", "must have", "must-have", "what you bring",
                 "what we are looking for", "what we're looking for", "your profile",
                 "qualifications", "required qualifications", "required skills", "profile",
                 "who you are", "profil", "profil recherché", "votre profil", "prérequis",
                 "compétences requises", "compétences", "ce que nous recherchons",
                 "exigences", "requis", "indispensable", "les indispensables"),
    "nice": ("nice to have", "nice-to-have", "bonus", "bonus points", "preferred", "desirable",
             "desired", "good to have", "assets", "additional skills",
             "preferred qualifications", "pluses", "a plus", "ideally", "un plus", "atouts",
             "les plus", "souhaité", "souhaités", "serait un plus", "idéalement", "apprécié"),
    "duties": ("responsibilities", "your role", "the role", "what you will do",
               "what you'll do", "missions", "vos missions", "le poste", "votre rôle",
               "vos responsabilités", "responsabilités", "your missions"),
    "ignored": ("about us", "who we are", "about the company", "benefits", "perks",
                "what we offer", "why join us", "how to apply", "à propos de nous",
                "qui sommes-nous", "l'entreprise", "avantages", "ce que nous offrons",
                "nous offrons",
                "pourquoi nous rejoindre", "rémunération", "salary", "compensation",
                "processus de recrutement", "recruitment process", "notre entreprise"),
}  # fmt: skip

_BULLET = re.compile(r"^\s*(?:#{1,6}\s*|[-*•·–]\s+|\d+[.)]\s+)?")
_INLINE_MARKS = re.compile(r"\*\*|__|`")
MIN_CV_SECTIONS = 2
STOP_SHARE = 0.15  # share of English or French stop words in a text written in them


@dataclass(frozen=True, slots=True)
class Line:
    """One non-empty line: its number (1-based), its words without bullet or heading marks,
    the section it stands in, and whether it is that section's heading."""

    number: int
    text: str
    section: str
    heading: bool = False
    raw: str = ""

    def cite(self) -> dict[str, Any]:
        return {"line": self.number, "section": self.section, "text": self.text}


@dataclass(frozen=True)
class Text:
    """A read document: its name as the user gave it, its lines and its language."""

    name: str
    lines: tuple[Line, ...]
    language: str
    document: Document | None = field(default=None, compare=False)

    def line(self, number: int) -> Line:
        return self.lines[number - 1]

    def body(self) -> list[Line]:
        return [line for line in self.lines if not line.heading]

    def in_section(self, *names: str) -> list[Line]:
        return [line for line in self.body() if line.section in names]

    def sections(self) -> list[str]:
        return list(dict.fromkeys(line.section for line in self.lines if line.heading))

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def markdown(self) -> str:
        """The lines as Markdown: headings as '## ', other lines as they were written."""
        out: list[str] = []
        for line in self.lines:
            if line.heading:
                out.extend(["", f"## {line.text}", ""])
            else:
                out.append(line.raw or line.text)
        return "\n".join(out).strip() + "\n"


def heading_kind(text: str, table: Mapping[str, tuple[str, ...]]) -> str | None:
    """The section a short line names ('EXPÉRIENCE PROFESSIONNELLE' -> 'experience'), or None."""
    words = textproc.fold(text).strip(" :#*-_").split()
    if not words or len(words) > 6:
        return None
    key = " ".join(words).replace("’", "'")
    for kind, names in table.items():
        if key in {textproc.fold(name) for name in names}:
            return kind
    return None


def split_lines(text: str, table: Mapping[str, tuple[str, ...]], first: str) -> tuple[Line, ...]:
    lines: list[Line] = []
    section = first
    for raw in text.splitlines():
        if not raw.strip():
            continue
        plain = " ".join(_INLINE_MARKS.sub("", _BULLET.sub("", raw, count=1)).split())
        if not plain:
            continue
        kind = heading_kind(plain, table) if len(plain) <= 60 else None
        if kind is not None:
            section = kind
        lines.append(Line(len(lines) + 1, plain, section, kind is not None, raw.rstrip()))
    return tuple(lines)


# ----------------------------------------------------------------------------- loading


def load(target: str, role: str) -> Document:
    """A CV or posting file or URL through the ingestion loaders; a scan gets its own words."""
    try:
        return load_source(target)
    except LoaderError as exc:
        raise explained(exc, role) from exc


def explained(exc: LoaderError, role: str) -> LoaderError:
    """The loader's error, in the CV assistant's words for a scanned PDF."""
    if "no extractable text" not in exc.problem:
        return exc
    return LoaderError(
        exc.input_name,
        f"no text found: this PDF is a scan (images of pages); the {role} must hold text "
        "(text recognition, OCR, is not supported): export it again as a text PDF, a DOCX or "
        "a Markdown file",
    )


def load_pasted(text: str, name: str) -> Document:
    """Text pasted in a form (a posting copied from a page), read as Markdown."""
    spec = loader_for_extension(".md")
    assert spec is not None
    if not text.strip():
        raise LoaderError(name, "is empty")
    return load_bytes(text.encode("utf-8"), name, spec)


def language_of(text: str, name: str, role: str) -> str:
    """'en' or 'fr'; InputError naming the input for a text in another language. A text that
    the identifier gives to a third language is refused only when English and French stop
    words are rare in it too (a CV full of tool names can fool the identifier)."""
    from causerie.ingest.language import UNDETERMINED, detect_language

    detected = detect_language(text)
    if detected in LANGUAGES:
        return detected
    voted = grounding.stop_word_vote(text)
    if detected != UNDETERMINED:
        words = textproc.words(text)
        stop = textproc.STOP_WORDS["en"] | textproc.STOP_WORDS["fr"]
        if sum(w in stop for w in words) < STOP_SHARE * max(1, len(words)):
            shown = LANGUAGE_WORDS.get(detected, detected)
            raise InputError(name, f"this {role} is written in {shown} ({detected}); the CV "
                             "assistant reads French and English only")  # fmt: skip
    return voted or "en"


def read_cv(target: str, document: Document | None = None) -> Text:
    """A CV from a file or URL (or a Document already loaded): numbered lines in sections.
    InputError naming it when it holds no text, is in another language or is not a CV."""
    doc = document or load(target, "CV")
    return parse_cv(target, doc.text, doc)


def parse_cv(name: str, text: str, document: Document | None = None) -> Text:
    """A CV's text (as a loader read it, or as saved) into numbered lines in sections."""
    cv = Text(name, split_lines(text, CV_SECTIONS, "header"), language_of(text, name, "CV"),
              document)  # fmt: skip
    check_is_cv(cv)
    return cv


def check_is_cv(cv: Text) -> None:
    from causerie.assistants.cv.experience import periods

    core = [s for s in cv.sections() if s in ("experience", "education", "skills")]
    dated = periods(cv.in_section("experience"), as_of=(2000, 1))  # any date range at all
    if len(core) >= MIN_CV_SECTIONS or (core and dated):
        return
    found = ", ".join(cv.sections()) or "no section heading"
    raise InputError(cv.name, "does not look like a CV: it needs at least two of the sections "
                     "experience, education and skills (headings such as 'Experience', "
                     "'Education', 'Skills' or 'Expérience', 'Formation', 'Compétences'); "
                     f"found: {found}")  # fmt: skip


def read_posting(target: str, document: Document | None = None) -> Text:
    """A job posting from a file or URL (or a Document already loaded)."""
    doc = document or load(target, "job posting")
    return parse_posting(target, doc.text, doc)


def parse_posting(name: str, text: str, document: Document | None = None) -> Text:
    """A posting's text (as a loader read it, or as saved) into numbered lines in sections."""
    lines = split_lines(text, POSTING_SECTIONS, "intro")
    return Text(name, lines, language_of(text, name, "job posting"), document)
