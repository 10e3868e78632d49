"""What the CV assistant adds to the app, in one `register(app)` call
(causerie.assistants.registry): its CLI group, its pages and API routes, its templates, its
job kinds and its French and English interface messages. Its data are owned records
(kind "cv.analysis"); it has no tables of its own.

Imports nothing heavy: `causerie --help` reads this module to list the assistant.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from causerie.assistants.registry import AppRegistry, Assistant, JobHandler

HERE = Path(__file__).parent

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "cv.nav": "CV",
        "cv.title": "CV and job posting",
        "cv.intro": "Give a CV and a job posting: you get a match score that is the same "
        "every time, each point explained with the CV line that shows it, the gaps, a "
        "tailored CV and a cover letter that state nothing your CV does not.",
        "cv.cv_file": "Your CV (PDF, DOCX, Markdown or text)",
        "cv.job_file": "The job posting (a file)",
        "cv.job_url": "or its address (URL)",
        "cv.job_text": "or paste its text",
        "cv.analyse": "Score the match",
        "cv.analyses": "Earlier analyses",
        "cv.none": "No analysis yet.",
        "cv.score": "Match score",
        "cv.score_of": "{score} / 100",
        "cv.as_of": "CV dates read as of {month}; {years} years of experience found.",
        "cv.requirement": "Requirement",
        "cv.kind": "Kind",
        "cv.kind_required": "required",
        "cv.kind_nice": "nice to have",
        "cv.points": "Points",
        "cv.evidence": "In your CV",
        "cv.not_found": "not found",
        "cv.line": "line {n}",
        "cv.gaps": "Gaps",
        "cv.no_gaps": "No gap: your CV shows every requirement the posting states.",
        "cv.tailor": "Tailor my CV",
        "cv.letter": "Write a cover letter",
        "cv.working": "Working on it",
        "cv.working_refresh": "This page refreshes itself until it is ready.",
        "cv.tailored": "Tailored CV",
        "cv.diff": "Before / after",
        "cv.changes": "Changes, each with the CV line it comes from",
        "cv.rejected": "Refused as inventions",
        "cv.no_rejected": "Nothing was refused.",
        "cv.cover_letter": "Cover letter",
        "cv.download": "Download",
        "cv.missing_job": "Give the job posting: a file, an address or its text.",
        "cv.missing_cv": "Choose your CV file.",
        "cv.language": "Letter language",
        "cv.too_many_jobs": "You already have too many jobs waiting; try again when one has "
        "finished.",
    },
    "fr": {
        "cv.nav": "CV",
        "cv.title": "CV et offre d'emploi",
        "cv.intro": "Donnez un CV et une offre : vous obtenez un score de correspondance "
        "identique à chaque fois, chaque point expliqué par la ligne du CV qui le montre, les "
        "manques, un CV adapté et une lettre de motivation qui n'affirment rien que votre CV "
        "ne contienne.",
        "cv.cv_file": "Votre CV (PDF, DOCX, Markdown ou texte)",
        "cv.job_file": "L'offre d'emploi (un fichier)",
        "cv.job_url": "ou son adresse (URL)",
        "cv.job_text": "ou collez son texte",
        "cv.analyse": "Calculer la correspondance",
        "cv.analyses": "Analyses précédentes",
        "cv.none": "Aucune analyse pour l'instant.",
        "cv.score": "Score de correspondance",
        "cv.score_of": "{score} / 100",
        "cv.as_of": "Dates du CV lues au {month} ; {years} ans d'expérience trouvés.",
        "cv.requirement": "Exigence",
        "cv.kind": "Type",
        "cv.kind_required": "exigée",
        "cv.kind_nice": "un plus",
        "cv.points": "Points",
        "cv.evidence": "Dans votre CV",
        "cv.not_found": "absent",
        "cv.line": "ligne {n}",
        "cv.gaps": "Manques",
        "cv.no_gaps": "Aucun manque : votre CV montre chaque exigence de l'offre.",
        "cv.tailor": "Adapter mon CV",
        "cv.letter": "Écrire une lettre de motivation",
        "cv.working": "En cours",
        "cv.working_refresh": "Cette page se recharge jusqu'à ce que ce soit prêt.",
        "cv.tailored": "CV adapté",
        "cv.diff": "Avant / après",
        "cv.changes": "Modifications, chacune avec la ligne du CV d'où elle vient",
        "cv.rejected": "Refusé comme invention",
        "cv.no_rejected": "Rien n'a été refusé.",
        "cv.cover_letter": "Lettre de motivation",
        "cv.download": "Télécharger",
        "cv.missing_job": "Donnez l'offre d'emploi : un fichier, une adresse ou son texte.",
        "cv.missing_cv": "Choisissez votre fichier CV.",
        "cv.language": "Langue de la lettre",
        "cv.too_many_jobs": "Vous avez déjà trop de tâches en attente ; réessayez quand l'une "
        "d'elles sera terminée.",
    },
}


def tailor_job(*args: Any, **kwargs: Any) -> Any:
    """Job kind "cv.tailor" (see causerie.assistants.cv.tasks.tailor_job)."""
    from causerie.assistants.cv.tasks import tailor_job as run

    return run(*args, **kwargs)


def letter_job(*args: Any, **kwargs: Any) -> Any:
    """Job kind "cv.letter" (see causerie.assistants.cv.tasks.letter_job)."""
    from causerie.assistants.cv.tasks import letter_job as run

    return run(*args, **kwargs)


def register_job_kinds(kinds: MutableMapping[str, JobHandler]) -> None:
    kinds["cv.tailor"] = tailor_job
    kinds["cv.letter"] = letter_job


def register(app: AppRegistry) -> None:
    app.add(
        Assistant(
            name="cv",
            summary="Match a CV to a job posting: score, gaps, tailored CV, cover letter.",
            command="causerie.assistants.cv.cli:cv",
            router="causerie.assistants.cv.web:router",
            templates=HERE / "templates",
            static=HERE / "static",
            messages=MESSAGES,
            home="/cv",
            job_kinds=register_job_kinds,
        )
    )
