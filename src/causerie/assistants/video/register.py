"""What the video assistant adds to the app, in one `register(app)` call (causerie.assistants.
registry): its CLI group, its pages, its templates and script, its job kinds, its ingestion hook
(a transcript's timed cues are kept beside their source) and its French and English messages.

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
        "video.nav": "Video",
        "video.title": "Recordings",
        "video.none": "No recording or subtitle file in this notebook yet: add an audio or "
        "video file, a .srt/.vtt file or a YouTube link.",
        "video.duration": "{duration}",
        "video.open": "Open",
        "video.player": "Player",
        "video.no_media": "The recording itself is not on this server; the times below still "
        "say where each passage is.",
        "video.youtube": "Watch on YouTube",
        "video.ask": "Ask about this recording",
        "video.ask_button": "Ask",
        "video.answer": "Answer",
        "video.chapters": "Chapters",
        "video.make_chapters": "Find the chapters",
        "video.summary": "Summary",
        "video.make_summary": "Summarise",
        "video.transcript": "Transcript",
        "video.download": "Download",
        "video.seek": "Play from {time}",
        "video.abstained": "The recording does not cover this question.",
        "video.no_summary": "No summary the passages support.",
    },
    "fr": {
        "video.nav": "Vidéo",
        "video.title": "Enregistrements",
        "video.none": "Aucun enregistrement ni sous-titre dans ce carnet : ajoutez un fichier "
        "audio ou vidéo, un fichier .srt/.vtt ou un lien YouTube.",
        "video.duration": "{duration}",
        "video.open": "Ouvrir",
        "video.player": "Lecteur",
        "video.no_media": "L'enregistrement lui-même n'est pas sur ce serveur ; les temps "
        "ci-dessous disent quand chaque passage est dit.",
        "video.youtube": "Regarder sur YouTube",
        "video.ask": "Poser une question sur cet enregistrement",
        "video.ask_button": "Demander",
        "video.answer": "Réponse",
        "video.chapters": "Chapitres",
        "video.make_chapters": "Trouver les chapitres",
        "video.summary": "Résumé",
        "video.make_summary": "Résumer",
        "video.transcript": "Transcription",
        "video.download": "Télécharger",
        "video.seek": "Lire à partir de {time}",
        "video.abstained": "L'enregistrement ne couvre pas cette question.",
        "video.no_summary": "Aucun résumé appuyé par les passages.",
    },
}


def chapters_job(*args: Any, **kwargs: Any) -> Any:
    """Job kind "video.chapters" (see causerie.assistants.video.tasks.chapters_job)."""
    from causerie.assistants.video.tasks import chapters_job as run

    return run(*args, **kwargs)


def summary_job(*args: Any, **kwargs: Any) -> Any:
    """Job kind "video.summary" (see causerie.assistants.video.tasks.summary_job)."""
    from causerie.assistants.video.tasks import summary_job as run

    return run(*args, **kwargs)


def register_job_kinds(kinds: MutableMapping[str, JobHandler]) -> None:
    kinds["video.chapters"] = chapters_job
    kinds["video.summary"] = summary_job


def register(app: AppRegistry) -> None:
    app.add(
        Assistant(
            name="video",
            summary="Recordings and subtitles: transcripts, chapters, cited summaries.",
            command="causerie.assistants.video.cli:video",
            router="causerie.assistants.video.web:router",
            templates=HERE / "templates",
            static=HERE / "static",
            messages=MESSAGES,
            notebook_tab=True,
            job_kinds=register_job_kinds,
            on_source="causerie.assistants.video.transcript:on_source",
        )
    )
