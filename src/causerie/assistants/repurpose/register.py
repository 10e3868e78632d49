"""What the repurpose assistant adds to the app, in one `register(app)` call
(causerie.assistants.registry): its CLI command, its pages, its script and styles, its job kind
and its French and English interface messages. It keeps its runs as owned records (kind
"repurpose.run"), so it has no tables and no migrations of its own.

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
        "repurpose.nav": "Repurpose",
        "repurpose.title": "Repurpose",
        "repurpose.pick_notebook": "Choose the notebook that holds your long piece.",
        "repurpose.no_notebooks": "No notebook yet: create one and add your piece to it first.",
        "repurpose.intro": "One long piece becomes posts for each platform. Every sentence "
        "cites its passage and is checked against it; no draft goes over its limit.",
        "repurpose.sources": "Sources",
        "repurpose.formats": "Formats",
        "repurpose.format.x-thread": "X thread",
        "repurpose.format.linkedin": "LinkedIn post",
        "repurpose.format.newsletter": "Newsletter section",
        "repurpose.format.outline": "Blog outline",
        "repurpose.format.video-script": "Short-video script",
        "repurpose.format.bluesky": "Bluesky posts",
        "repurpose.format.mastodon": "Mastodon posts",
        "repurpose.tone": "Tone",
        "repurpose.tone.neutral": "Neutral",
        "repurpose.tone.enthusiastic": "Enthusiastic",
        "repurpose.tone.expert": "Expert",
        "repurpose.audience": "Audience",
        "repurpose.audience.general": "General public",
        "repurpose.audience.peers": "Peers",
        "repurpose.language": "Language",
        "repurpose.language_source": "The source's",
        "repurpose.words": "Newsletter words",
        "repurpose.make": "Write the drafts",
        "repurpose.making_note": "Claims are drawn from each passage and checked, then each "
        "format is written; this takes a moment per passage.",
        "repurpose.style_note": "Files under a folder named “{folder}” are your past posts: "
        "they set the style, never the facts.",
        "repurpose.runs": "Earlier runs",
        "repurpose.no_runs": "No run yet.",
        "repurpose.open": "Open",
        "repurpose.no_sources": "This notebook has no sources yet: add your piece first.",
        "repurpose.pick_source": "Choose at least one source.",
        "repurpose.pick_format": "Choose at least one format.",
        "repurpose.too_many_jobs": "You already have too many jobs waiting; try again when one "
        "has finished.",
        "repurpose.making": "Writing the drafts",
        "repurpose.making_progress": "Step {done} of {total}",
        "repurpose.making_refresh": "This page refreshes itself until the drafts are ready.",
        "repurpose.cancel": "Stop",
        "repurpose.failed": "The drafts could not be written: {error}",
        "repurpose.length": "Length",
        "repurpose.within": "within the limit",
        "repurpose.over": "not within the limit",
        "repurpose.copy": "Copy",
        "repurpose.copy_post": "Copy post {n}",
        "repurpose.copied": "Copied.",
        "repurpose.export": "Export as Markdown",
        "repurpose.passage": "The passage behind the sentence",
        "repurpose.passage_hint": "Click a sentence to see the passage it rests on.",
        "repurpose.sentences": "Each sentence and its passage",
        "repurpose.rejected": "Rejected ({n})",
        "repurpose.withheld": "No draft: nothing in this format passed the checks.",
        "repurpose.notes": "Notes",
        "repurpose.back": "Back to the repurpose page",
    },
    "fr": {
        "repurpose.nav": "Déclinaisons",
        "repurpose.title": "Déclinaisons",
        "repurpose.pick_notebook": "Choisissez le carnet qui contient votre texte long.",
        "repurpose.no_notebooks": "Aucun carnet : créez-en un et ajoutez-y votre texte d'abord.",
        "repurpose.intro": "Un texte long devient des publications pour chaque plateforme. "
        "Chaque phrase cite son passage et est vérifiée contre lui ; aucun brouillon ne "
        "dépasse sa limite.",
        "repurpose.sources": "Sources",
        "repurpose.formats": "Formats",
        "repurpose.format.x-thread": "Fil X",
        "repurpose.format.linkedin": "Publication LinkedIn",
        "repurpose.format.newsletter": "Section de newsletter",
        "repurpose.format.outline": "Plan d'article",
        "repurpose.format.video-script": "Script de vidéo courte",
        "repurpose.format.bluesky": "Publications Bluesky",
        "repurpose.format.mastodon": "Publications Mastodon",
        "repurpose.tone": "Ton",
        "repurpose.tone.neutral": "Neutre",
        "repurpose.tone.enthusiastic": "Enthousiaste",
        "repurpose.tone.expert": "Expert",
        "repurpose.audience": "Public",
        "repurpose.audience.general": "Grand public",
        "repurpose.audience.peers": "Pairs",
        "repurpose.language": "Langue",
        "repurpose.language_source": "Celle de la source",
        "repurpose.words": "Mots de la newsletter",
        "repurpose.make": "Écrire les brouillons",
        "repurpose.making_note": "Des affirmations sont tirées de chaque passage et vérifiées, "
        "puis chaque format est écrit ; cela prend un moment par passage.",
        "repurpose.style_note": "Les fichiers d'un dossier nommé « {folder} » sont vos "
        "anciennes publications : elles donnent le style, jamais les faits.",
        "repurpose.runs": "Déclinaisons précédentes",
        "repurpose.no_runs": "Aucune pour l'instant.",
        "repurpose.open": "Ouvrir",
        "repurpose.no_sources": "Ce carnet n'a pas encore de sources : ajoutez d'abord votre "
        "texte.",
        "repurpose.pick_source": "Choisissez au moins une source.",
        "repurpose.pick_format": "Choisissez au moins un format.",
        "repurpose.too_many_jobs": "Vous avez déjà trop de tâches en attente ; réessayez quand "
        "l'une d'elles sera terminée.",
        "repurpose.making": "Écriture des brouillons",
        "repurpose.making_progress": "Étape {done} sur {total}",
        "repurpose.making_refresh": "Cette page se recharge jusqu'à ce que les brouillons "
        "soient prêts.",
        "repurpose.cancel": "Arrêter",
        "repurpose.failed": "Les brouillons n'ont pas pu être écrits : {error}",
        "repurpose.length": "Longueur",
        "repurpose.within": "dans la limite",
        "repurpose.over": "hors limite",
        "repurpose.copy": "Copier",
        "repurpose.copy_post": "Copier le message {n}",
        "repurpose.copied": "Copié.",
        "repurpose.export": "Exporter en Markdown",
        "repurpose.passage": "Le passage derrière la phrase",
        "repurpose.passage_hint": "Cliquez sur une phrase pour voir le passage sur lequel elle "
        "repose.",
        "repurpose.sentences": "Chaque phrase et son passage",
        "repurpose.rejected": "Refusé ({n})",
        "repurpose.withheld": "Pas de brouillon : rien dans ce format n'a passé les vérifications.",
        "repurpose.notes": "Remarques",
        "repurpose.back": "Retour à la page des déclinaisons",
    },
}


def make_drafts_job(*args: Any, **kwargs: Any) -> Any:
    """Job kind "repurpose.drafts" (see causerie.assistants.repurpose.tasks.drafts_job)."""
    from causerie.assistants.repurpose.tasks import drafts_job

    return drafts_job(*args, **kwargs)


def register_job_kinds(kinds: MutableMapping[str, JobHandler]) -> None:
    kinds["repurpose.drafts"] = make_drafts_job


def register(app: AppRegistry) -> None:
    app.add(
        Assistant(
            name="repurpose",
            summary="Turn a long piece into a thread, posts, a newsletter, an outline.",
            command="causerie.assistants.repurpose.cli:repurpose",
            router="causerie.assistants.repurpose.web:router",
            templates=HERE / "templates",
            static=HERE / "static",
            messages=MESSAGES,
            home="/repurpose",
            notebook_tab=True,
            job_kinds=register_job_kinds,
        )
    )
