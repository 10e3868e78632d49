"""Interface messages in French and English, and the language a request asks for.

The language comes from the `lang` cookie when it names a known language, else from the
Accept-Language header (first known language by quality), else English.
Templates call `t("key")`; a key missing in French falls back to English, then to the key.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request

DEFAULT_LANGUAGE = "en"
LANG_COOKIE = "lang"

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "app.name": "Causerie",
        "nav.notebooks": "Notebooks",
        "nav.signed_in_as": "Signed in as",
        "nav.logout": "Sign out",
        "nav.language": "Français",
        "login.title": "Sign in",
        "login.username": "User name",
        "login.password": "Password",
        "login.submit": "Sign in",
        "login.failed": "Wrong user name or password.",
        "login.throttled": "Too many attempts: try again in {seconds} s.",
        "login.no_account": "No account yet? Create one with `causerie users create NAME`.",
        "login.setup_link": "Create the first account",
        "setup.title": "Create the first account",
        "setup.intro": "No account exists yet. This one can read and write every notebook it "
        "creates; more accounts are made with `causerie users create NAME`.",
        "setup.password_hint": "At least {min} characters.",
        "setup.confirm": "Password again",
        "setup.submit": "Create the account",
        "setup.mismatch": "The two passwords differ.",
        "setup.code": "Setup code (printed by `causerie serve`)",
        "setup.bad_code": "Wrong setup code: copy the one `causerie serve` printed.",
        "error.csrf": "This form has expired; reload the page and try again.",
        "error.not_found": "Not found.",
        # pages (notebooks, sources, chat): causerie.web.pages
        "pages.back_to_notebooks": "Back to the notebooks",
        "notebook.sections": "Notebook sections",
        "notebook.chat": "Chat",
        "notebook.sources": "Sources",
        "notebooks.new_label": "New notebook",
        "notebooks.new_placeholder": "e.g. Thesis, Trip to Lyon, Tax papers",
        "notebooks.create": "Create",
        "notebooks.yours": "Your notebooks",
        "notebooks.none": "No notebook yet: create one, then add sources to it.",
        "notebooks.source_count": "Sources: {n}",
        "notebooks.delete": "Delete",
        "notebooks.delete_named": "Delete the notebook {name}",
        "notebooks.confirm_delete": "Delete the notebook “{name}” with its sources and "
        "conversations?",
        "notebooks.rename": "Rename",
        "notebooks.new_name": "New name",
        "notebooks.save": "Save",
        "notebooks.error_name": "A notebook needs a name.",
        "notebooks.error_taken": "Another notebook already has this name.",
        "sources.add": "Add sources",
        "sources.drop_here": "Drop files here",
        "sources.choose_files": "or choose files:",
        "sources.formats": "Accepted: {formats}",
        "sources.upload": "Upload",
        "sources.url_label": "Web page address",
        "sources.add_url": "Add the page",
        "sources.jobs": "Ingestion progress",
        "sources.in_notebook": "In this notebook",
        "sources.table_caption": "Sources of this notebook, with their status",
        "sources.col_title": "Source",
        "sources.col_status": "Status",
        "sources.col_passages": "Passages",
        "sources.col_actions": "Actions",
        "sources.none": "No source yet. Add files or a web page above.",
        "sources.delete": "Delete",
        "sources.delete_named": "Delete the source {name}",
        "sources.confirm_delete": "Delete the source “{name}”?",
        "sources.deleted": "Deleted: {name}",
        "sources.uploading": "Sending {n} file(s)…",
        "sources.upload_failed": "Could not add it:",
        "sources.url_added": "Fetching the page…",
        "sources.job_progress": "Indexing: {done} of {total}",
        "sources.job_embedding": "Computing vectors: {done} of {total} passages",
        "sources.job_done": "Done: {done} of {total} indexed",
        "sources.job_errors": "Done: {errors} of {total} could not be added",
        "sources.job_stopping": "Stopping after the current input: {done} of {total} done",
        "sources.job_cancelled": "Stopped: {done} of {total} processed",
        "sources.stop": "Stop",
        "sources.stop_named": "Stop adding {names}",
        "status.queued": "queued",
        "status.indexing": "indexing",
        "status.transcribing": "transcribed {done} of {total} s, about {eta} s left",
        "status.embedding": "computing vectors",
        "status.added": "added",
        "status.updated": "updated",
        "status.unchanged": "unchanged",
        "status.error": "error",
        "status.ready": "ready",
        "status.stopping": "stopping",
        "status.cancelled": "stopped",
        "chat.conversations": "Conversations",
        "chat.new": "New conversation",
        "chat.no_conversations": "No conversation yet.",
        "chat.delete_conversation": "Delete the conversation {title}",
        "chat.confirm_delete": "Delete this conversation?",
        "chat.deleted": "Conversation deleted.",
        "chat.messages": "Messages",
        "chat.empty": "Ask a question about this notebook's sources.",
        "chat.no_sources": "This notebook has no source yet.",
        "chat.add_sources": "Add sources",
        "chat.question_label": "Your question",
        "chat.placeholder": "Ask anything about your sources…",
        "chat.hint": "Enter sends; Shift+Enter starts a new line.",
        "chat.send": "Ask",
        "chat.stop": "Stop",
        "chat.searching": "Searching the sources…",
        "chat.writing": "{n} passage(s) found; writing the answer…",
        "chat.no_passages": "Nothing relevant found in the sources.",
        "chat.failed": "The answer could not be completed.",
        "chat.stopped": "Stopped.",
        "chat.interrupted": "The answer was interrupted.",
        "chat.abstained": "The sources do not hold the answer.",
        "chat.cite_label": "Open source {n}",
        "chat.sources_used": "Sources cited",
        "chat.close": "Close",
        "chat.passage": "The cited passage in its context",
        "chat.context_failed": "The surrounding text could not be loaded.",
        "error.signed_out": "You are signed out.",
    },
    "fr": {
        "nav.notebooks": "Carnets",
        "nav.signed_in_as": "Connecté en tant que",
        "nav.logout": "Se déconnecter",
        "nav.language": "English",
        "login.title": "Connexion",
        "login.username": "Nom d'utilisateur",
        "login.password": "Mot de passe",
        "login.submit": "Se connecter",
        "login.failed": "Nom d'utilisateur ou mot de passe incorrect.",
        "login.throttled": "Trop de tentatives : réessayez dans {seconds} s.",
        "login.no_account": "Pas encore de compte ? Créez-en un avec `causerie users create NOM`.",
        "login.setup_link": "Créer le premier compte",
        "setup.title": "Créer le premier compte",
        "setup.intro": "Aucun compte n'existe encore. Celui-ci pourra lire et modifier tous "
        "les carnets qu'il crée ; d'autres comptes se créent avec `causerie users create NOM`.",
        "setup.password_hint": "Au moins {min} caractères.",
        "setup.confirm": "Mot de passe, encore",
        "setup.submit": "Créer le compte",
        "setup.mismatch": "Les deux mots de passe diffèrent.",
        "setup.code": "Code d'installation (affiché par `causerie serve`)",
        "setup.bad_code": "Code d'installation incorrect : recopiez celui affiché par "
        "`causerie serve`.",
        "error.csrf": "Ce formulaire a expiré ; rechargez la page et réessayez.",
        "error.not_found": "Introuvable.",
        # pages (notebooks, sources, chat): causerie.web.pages
        "pages.back_to_notebooks": "Retour aux carnets",
        "notebook.sections": "Sections du carnet",
        "notebook.chat": "Discussion",
        "notebook.sources": "Sources",
        "notebooks.new_label": "Nouveau carnet",
        "notebooks.new_placeholder": "p. ex. Mémoire, Voyage à Lyon, Impôts",
        "notebooks.create": "Créer",
        "notebooks.yours": "Vos carnets",
        "notebooks.none": "Aucun carnet pour l'instant : créez-en un, puis ajoutez-y des sources.",
        "notebooks.source_count": "Sources : {n}",
        "notebooks.delete": "Supprimer",
        "notebooks.delete_named": "Supprimer le carnet {name}",
        "notebooks.confirm_delete": "Supprimer le carnet « {name} » avec ses sources et ses "
        "discussions ?",
        "notebooks.rename": "Renommer",
        "notebooks.new_name": "Nouveau nom",
        "notebooks.save": "Enregistrer",
        "notebooks.error_name": "Un carnet doit avoir un nom.",
        "notebooks.error_taken": "Un autre carnet porte déjà ce nom.",
        "sources.add": "Ajouter des sources",
        "sources.drop_here": "Déposez des fichiers ici",
        "sources.choose_files": "ou choisissez des fichiers :",
        "sources.formats": "Formats acceptés : {formats}",
        "sources.upload": "Envoyer",
        "sources.url_label": "Adresse d'une page web",
        "sources.add_url": "Ajouter la page",
        "sources.jobs": "Progression de l'indexation",
        "sources.in_notebook": "Dans ce carnet",
        "sources.table_caption": "Sources de ce carnet, avec leur état",
        "sources.col_title": "Source",
        "sources.col_status": "État",
        "sources.col_passages": "Passages",
        "sources.col_actions": "Actions",
        "sources.none": "Aucune source pour l'instant. Ajoutez des fichiers ou une page web "
        "ci-dessus.",
        "sources.delete": "Supprimer",
        "sources.delete_named": "Supprimer la source {name}",
        "sources.confirm_delete": "Supprimer la source « {name} » ?",
        "sources.deleted": "Supprimée : {name}",
        "sources.uploading": "Envoi de {n} fichier(s)…",
        "sources.upload_failed": "Ajout impossible :",
        "sources.url_added": "Récupération de la page…",
        "sources.job_progress": "Indexation : {done} sur {total}",
        "sources.job_embedding": "Calcul des vecteurs : {done} passages sur {total}",
        "sources.job_done": "Terminé : {done} sur {total} indexé(s)",
        "sources.job_errors": "Terminé : {errors} sur {total} n'ont pas pu être ajoutés",
        "sources.job_stopping": "Arrêt après l'élément en cours : {done} sur {total} traité(s)",
        "sources.job_cancelled": "Arrêté : {done} sur {total} traité(s)",
        "sources.stop": "Arrêter",
        "sources.stop_named": "Arrêter l'ajout de {names}",
        "status.queued": "en attente",
        "status.indexing": "indexation",
        "status.transcribing": "{done} s transcrites sur {total}, encore {eta} s environ",
        "status.embedding": "calcul des vecteurs",
        "status.added": "ajoutée",
        "status.updated": "mise à jour",
        "status.unchanged": "inchangée",
        "status.error": "erreur",
        "status.ready": "prête",
        "status.stopping": "arrêt en cours",
        "status.cancelled": "arrêtée",
        "chat.conversations": "Discussions",
        "chat.new": "Nouvelle discussion",
        "chat.no_conversations": "Aucune discussion pour l'instant.",
        "chat.delete_conversation": "Supprimer la discussion {title}",
        "chat.confirm_delete": "Supprimer cette discussion ?",
        "chat.deleted": "Discussion supprimée.",
        "chat.messages": "Messages",
        "chat.empty": "Posez une question sur les sources de ce carnet.",
        "chat.no_sources": "Ce carnet n'a pas encore de source.",
        "chat.add_sources": "Ajouter des sources",
        "chat.question_label": "Votre question",
        "chat.placeholder": "Posez une question sur vos sources…",
        "chat.hint": "Entrée envoie ; Maj+Entrée passe à la ligne.",
        "chat.send": "Demander",
        "chat.stop": "Arrêter",
        "chat.searching": "Recherche dans les sources…",
        "chat.writing": "{n} passage(s) trouvé(s) ; rédaction de la réponse…",
        "chat.no_passages": "Rien de pertinent dans les sources.",
        "chat.failed": "La réponse n'a pas pu être terminée.",
        "chat.stopped": "Arrêté.",
        "chat.interrupted": "La réponse a été interrompue.",
        "chat.abstained": "Les sources ne contiennent pas la réponse.",
        "chat.cite_label": "Ouvrir la source {n}",
        "chat.sources_used": "Sources citées",
        "chat.close": "Fermer",
        "chat.passage": "Le passage cité dans son contexte",
        "chat.context_failed": "Le texte environnant n'a pas pu être chargé.",
        "error.signed_out": "Vous êtes déconnecté.",
    },
}
LANGUAGES = tuple(MESSAGES)


def add_messages(tables: Mapping[str, Mapping[str, str]]) -> None:
    """Merge an assistant's messages ({"en": {...}, "fr": {...}}) into the table; a key that
    is already there with another text is an error (assistants prefix their keys)."""
    for language, table in tables.items():
        if language not in MESSAGES:
            raise ValueError(f"messages in {language!r}: known languages are {LANGUAGES}")
        for key, text in table.items():
            if MESSAGES[language].get(key, text) != text:
                raise ValueError(f"message {key!r} ({language}) is already defined otherwise")
        MESSAGES[language].update(table)


def translate(key: str, language: str, **values: object) -> str:
    """The message for `key` in `language` (English, then the key itself, when missing)."""
    table: Mapping[str, str] = MESSAGES.get(language, MESSAGES[DEFAULT_LANGUAGE])
    text = table.get(key) or MESSAGES[DEFAULT_LANGUAGE].get(key) or key
    return text.format(**values) if values else text


def parse_accept_language(header: str) -> str | None:
    """The known language the header prefers most ('fr-CH, fr;q=0.9, en;q=0.8' -> 'fr')."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().split("-")[0].lower()
        if primary in MESSAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else None


def request_language(request: Request) -> str:
    chosen = request.cookies.get(LANG_COOKIE, "")
    if chosen in MESSAGES:
        return chosen
    return parse_accept_language(request.headers.get("accept-language", "")) or DEFAULT_LANGUAGE
