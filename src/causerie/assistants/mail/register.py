"""What the mail assistant adds to the app, in one `register(app)` call (causerie.assistants.
registry): its CLI group, its pages and API routes, its templates, its job kinds and its
French and English interface messages. Its data are owned records (no tables of its own).

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
        "mail.nav": "Mail",
        "mail.title": "Mail",
        "mail.threads": "Threads",
        "mail.no_threads": "No mail in this notebook yet: add a mailbox with "
        "`causerie mail add` or sync one with `causerie mail sync`.",
        "mail.status_needs_reply": "needs a reply from me",
        "mail.status_waiting": "waiting on others",
        "mail.status_info": "for information",
        "mail.status_newsletter": "newsletter",
        "mail.messages": "{n} message(s)",
        "mail.summary": "Summary",
        "mail.summarise": "Summarise",
        "mail.action_items": "Action items",
        "mail.deadlines": "Deadlines",
        "mail.due": "due {date}",
        "mail.no_items": "Nothing to do was found in this thread.",
        "mail.draft": "Reply draft",
        "mail.write_draft": "Draft a reply",
        "mail.instructions": "What the reply should say (optional)",
        "mail.copy": "Copy",
        "mail.save_draft": "Save as draft (.eml)",
        "mail.saved": "Draft saved: {path}. Nothing was sent.",
        "mail.never_sent": "Drafts are never sent: you send them from your own mail program.",
        "mail.cited": "Cited messages",
        "mail.rejected": "Left out (not supported by the thread)",
        "mail.privacy": "Your provider is a cloud API: the thread's text is sent to it. "
        "Addresses, phone numbers and IBANs are masked before they leave this machine.",
        "mail.style": "Your style",
        "mail.back": "Back to the threads",
        "mail.summary_failed": "No summary could be checked against the messages; try again "
        "or use a larger model.",
        "mail.draft_failed": "No draft passed the checks (no number, date or name the thread "
        "does not hold; the correspondent's language); try other instructions.",
        "mail.no_me": "Set your own address (the mail_me setting) to draft replies.",
    },
    "fr": {
        "mail.nav": "Courriel",
        "mail.title": "Courriel",
        "mail.threads": "Fils de discussion",
        "mail.no_threads": "Pas encore de courriel dans ce carnet : ajoutez une boîte avec "
        "`causerie mail add` ou synchronisez-en une avec `causerie mail sync`.",
        "mail.status_needs_reply": "attend ma réponse",
        "mail.status_waiting": "en attente des autres",
        "mail.status_info": "pour information",
        "mail.status_newsletter": "lettre d'information",
        "mail.messages": "{n} message(s)",
        "mail.summary": "Résumé",
        "mail.summarise": "Résumer",
        "mail.action_items": "À faire",
        "mail.deadlines": "Échéances",
        "mail.due": "pour le {date}",
        "mail.no_items": "Rien à faire n'a été trouvé dans ce fil.",
        "mail.draft": "Brouillon de réponse",
        "mail.write_draft": "Rédiger une réponse",
        "mail.instructions": "Ce que la réponse doit dire (facultatif)",
        "mail.copy": "Copier",
        "mail.save_draft": "Enregistrer le brouillon (.eml)",
        "mail.saved": "Brouillon enregistré : {path}. Rien n'a été envoyé.",
        "mail.never_sent": "Les brouillons ne sont jamais envoyés : vous les envoyez depuis "
        "votre propre logiciel de courriel.",
        "mail.cited": "Messages cités",
        "mail.rejected": "Écarté (non appuyé par le fil)",
        "mail.privacy": "Votre fournisseur est une API en ligne : le texte du fil lui est "
        "envoyé. Adresses, numéros de téléphone et IBAN sont masqués avant de quitter cette "
        "machine.",
        "mail.style": "Votre style",
        "mail.back": "Retour aux fils",
        "mail.summary_failed": "Aucun résumé n'a pu être vérifié contre les messages ; "
        "réessayez ou utilisez un modèle plus grand.",
        "mail.draft_failed": "Aucun brouillon n'a passé les vérifications (aucun nombre, date "
        "ou nom absent du fil ; la langue du correspondant) ; essayez d'autres consignes.",
        "mail.no_me": "Indiquez votre adresse (le réglage mail_me) pour rédiger des réponses.",
    },
}


def sync_job(*args: Any, **kwargs: Any) -> Any:
    """Job kind "mail.sync" (see causerie.assistants.mail.tasks.sync_job)."""
    from causerie.assistants.mail.tasks import sync_job as run

    return run(*args, **kwargs)


def register_job_kinds(kinds: MutableMapping[str, JobHandler]) -> None:
    kinds["mail.sync"] = sync_job


def register(app: AppRegistry) -> None:
    app.add(
        Assistant(
            name="mail",
            summary="Mail: threads, summaries, action items, reply drafts (never sent).",
            command="causerie.assistants.mail.cli:mail",
            router="causerie.assistants.mail.web:router",
            templates=HERE / "templates",
            static=HERE / "static",
            messages=MESSAGES,
            notebook_tab=True,
            job_kinds=register_job_kinds,
        )
    )
