"""What the study assistant adds to the app, in one `register(app)` call (causerie.assistants.
registry): its CLI group, its pages and API routes, its templates and scripts, its job kinds,
its records-store schema and its French and English interface messages.

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
        "study.nav": "Study",
        "study.title": "Study",
        "study.pick_notebook": "Choose a notebook to study.",
        "study.no_notebooks": "No notebook yet: create one and add sources to it first.",
        "study.make_quiz": "Make a quiz",
        "study.count": "Questions",
        "study.kind": "Kind",
        "study.kind_mixed": "Mixed",
        "study.kind_mcq": "Multiple choice",
        "study.kind_short": "Short answer",
        "study.make": "Make the quiz",
        "study.making_note": "Each question is written from one passage and checked against "
        "it; this takes a moment per question.",
        "study.quizzes": "Quizzes",
        "study.no_quizzes": "No quiz yet.",
        "study.quiz_score": "{correct} right of {attempts} answers",
        "study.take": "Take it",
        "study.no_question": "No question could be drawn from these sources that their passages "
        "support. Try other sources or a larger model.",
        "study.no_sources": "This notebook has no sources yet: add some first.",
        "study.question_n": "Question {n}",
        "study.your_answer": "Your answer",
        "study.submit_answers": "Grade my answers",
        "study.results": "Results",
        "study.score": "Score: {right} of {answered}",
        "study.verdict_correct": "Correct",
        "study.verdict_partial": "Partly right",
        "study.verdict_wrong": "Wrong",
        "study.verdict_skipped": "Not answered",
        "study.expected": "Expected answer",
        "study.given": "You answered",
        "study.passage": "The cited passage",
        "study.again": "Take it again",
        "study.cards_from_quiz": "Turn into flashcards",
        "study.cards_added": "{n} card(s) added.",
        "study.cards": "Flashcards",
        "study.card_count": "{cards} card(s), {due} due now",
        "study.make_cards": "Make flashcards",
        "study.cards_count": "Cards",
        "study.review": "Review the due cards",
        "study.review_title": "Review",
        "study.nothing_due": "No card is due.",
        "study.next_due": "Next one due {when}.",
        "study.show_answer": "Show the answer",
        "study.rate": "How well did you recall it?",
        "study.rating_1": "Again",
        "study.rating_2": "Hard",
        "study.rating_3": "Good",
        "study.rating_4": "Easy",
        "study.keys_hint": "Keys: Space shows the answer; 1 to 4 rate it.",
        "study.remaining": "{n} card(s) due",
        "study.progress": "Progress",
        "study.chart_alt": "Reviews per day over {days} days: {reviews} reviews, recall rate "
        "{rate}",
        "study.export": "Export",
        "study.export_apkg": "Download for Anki (.apkg)",
        "study.export_csv": "Download as CSV",
        "study.no_cards": "No flashcard yet: make some from a quiz or from the sources.",
        "study.back_to_study": "Back to the study page",
        "study.error_count": "Choose between 1 and {most} questions.",
        "study.too_many_jobs": "You already have too many jobs waiting; try again when one "
        "has finished.",
        "study.making": "Writing the quiz",
        "study.making_cards": "Writing flashcards",
        "study.making_progress": "{done} of {total} written",
        "study.making_refresh": "This page refreshes itself until the quiz is ready.",
        "study.cancel": "Stop",
    },
    "fr": {
        "study.nav": "Réviser",
        "study.title": "Réviser",
        "study.pick_notebook": "Choisissez un carnet à réviser.",
        "study.no_notebooks": "Aucun carnet : créez-en un et ajoutez-y des sources d'abord.",
        "study.make_quiz": "Créer un quiz",
        "study.count": "Questions",
        "study.kind": "Type",
        "study.kind_mixed": "Mélangé",
        "study.kind_mcq": "Choix multiple",
        "study.kind_short": "Réponse courte",
        "study.make": "Créer le quiz",
        "study.making_note": "Chaque question est écrite à partir d'un passage et vérifiée "
        "contre lui ; cela prend un moment par question.",
        "study.quizzes": "Quiz",
        "study.no_quizzes": "Aucun quiz pour l'instant.",
        "study.quiz_score": "{correct} bonne(s) réponse(s) sur {attempts}",
        "study.take": "Le passer",
        "study.no_question": "Aucune question appuyée sur leurs passages n'a pu être tirée de "
        "ces sources. Essayez d'autres sources ou un modèle plus grand.",
        "study.no_sources": "Ce carnet n'a pas encore de sources : ajoutez-en d'abord.",
        "study.question_n": "Question {n}",
        "study.your_answer": "Votre réponse",
        "study.submit_answers": "Corriger mes réponses",
        "study.results": "Résultats",
        "study.score": "Score : {right} sur {answered}",
        "study.verdict_correct": "Juste",
        "study.verdict_partial": "En partie juste",
        "study.verdict_wrong": "Faux",
        "study.verdict_skipped": "Sans réponse",
        "study.expected": "Réponse attendue",
        "study.given": "Votre réponse",
        "study.passage": "Le passage cité",
        "study.again": "Le repasser",
        "study.cards_from_quiz": "En faire des cartes",
        "study.cards_added": "{n} carte(s) ajoutée(s).",
        "study.cards": "Cartes mémoire",
        "study.card_count": "{cards} carte(s), {due} à revoir maintenant",
        "study.make_cards": "Créer des cartes",
        "study.cards_count": "Cartes",
        "study.review": "Revoir les cartes dues",
        "study.review_title": "Révision",
        "study.nothing_due": "Aucune carte à revoir.",
        "study.next_due": "Prochaine le {when}.",
        "study.show_answer": "Voir la réponse",
        "study.rate": "Vous en souveniez-vous ?",
        "study.rating_1": "À revoir",
        "study.rating_2": "Difficile",
        "study.rating_3": "Bien",
        "study.rating_4": "Facile",
        "study.keys_hint": "Touches : Espace montre la réponse ; 1 à 4 la notent.",
        "study.remaining": "{n} carte(s) à revoir",
        "study.progress": "Progrès",
        "study.chart_alt": "Révisions par jour sur {days} jours : {reviews} révisions, taux de "
        "rappel {rate}",
        "study.export": "Exporter",
        "study.export_apkg": "Télécharger pour Anki (.apkg)",
        "study.export_csv": "Télécharger en CSV",
        "study.no_cards": "Aucune carte : créez-en à partir d'un quiz ou des sources.",
        "study.back_to_study": "Retour à la page de révision",
        "study.error_count": "Choisissez entre 1 et {most} questions.",
        "study.too_many_jobs": "Vous avez déjà trop de tâches en attente ; réessayez quand "
        "l'une d'elles sera terminée.",
        "study.making": "Écriture du quiz",
        "study.making_cards": "Écriture des cartes",
        "study.making_progress": "{done} sur {total} écrite(s)",
        "study.making_refresh": "Cette page se recharge jusqu'à ce que le quiz soit prêt.",
        "study.cancel": "Arrêter",
    },
}


def make_quiz_job(*args: Any, **kwargs: Any) -> Any:
    """Job kind "study.quiz" (see causerie.assistants.study.tasks.quiz_job)."""
    from causerie.assistants.study.tasks import quiz_job

    return quiz_job(*args, **kwargs)


def make_cards_job(*args: Any, **kwargs: Any) -> Any:
    """Job kind "study.cards" (see causerie.assistants.study.tasks.cards_job)."""
    from causerie.assistants.study.tasks import cards_job

    return cards_job(*args, **kwargs)


def register_job_kinds(kinds: MutableMapping[str, JobHandler]) -> None:
    kinds["study.quiz"] = make_quiz_job
    kinds["study.cards"] = make_cards_job


def register(app: AppRegistry) -> None:
    app.add(
        Assistant(
            name="study",
            summary="Study a notebook: explain, tutor, quiz, cards.",
            command="causerie.assistants.study.cli:study",
            router="causerie.assistants.study.web:router",
            templates=HERE / "templates",
            static=HERE / "static",
            messages=MESSAGES,
            home="/study",
            notebook_tab=True,
            job_kinds=register_job_kinds,
            migrations="causerie.assistants.study.db:MIGRATIONS",
            forget="causerie.assistants.study.db:forget",
            postgres_migrations="causerie.assistants.study.db:POSTGRES_MIGRATIONS",
        )
    )
