"""Text normalisation shared by indexing and querying: tokens, stop words, Snowball stems.

Both sides go through the same functions, so a term indexed from a French page matches the
same term in a French question. Queries are stemmed in every supported language, because a
question's language is not always its sources' language.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import Stemmer  # PyStemmer: the Snowball stemmers

# Numbers keep their inner separators (10:00, 0.25, 1,5) so that facts match as a whole.
_WORD = re.compile(r"\d+(?:[:.,]\d+)+|[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)

# Snowball's algorithm names by ISO 639-1 code, for the languages we detect and stem.
SNOWBALL = {
    "ar": "arabic", "da": "danish", "de": "german", "el": "greek", "en": "english",
    "es": "spanish", "fi": "finnish", "fr": "french", "hu": "hungarian", "it": "italian",
    "nl": "dutch", "no": "norwegian", "pt": "portuguese", "ro": "romanian", "ru": "russian",
    "sv": "swedish", "tr": "turkish",
}  # fmt: skip

QUERY_LANGUAGES = ("en", "fr")

# Function words only (articles, pronouns, auxiliaries, prepositions, question words): a short
# list in the spirit of Lucene's defaults, so that content words never disappear.
STOP_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        """a an and are as at be been being but by can could did do does doing for from had has
        have having he her hers him his how i if in into is it its itself me my no nor not of
        on or our ours she should so such than that the their theirs them then there these they
        this those to too us was we were what when where which while who whom why will with
        would you your yours about also any all some very just tell please say says said
        according does much many more most other""".split()
    ),
    "fr": frozenset(
        """a à au aux avec ce ces c cela ceci celle celui comme comment d dans de des du elle
        elles en est et été être eu il ils j je l la le les leur leurs lui m ma mais me même mes
        moi mon n ne nos notre nous on ont ou où par pas pour qu que quel quelle quelles quels
        qui s sa sans se ses si son sont sur t ta te tes toi ton tu un une vos votre vous y
        était étaient sera serait peut peuvent fait faire selon quoi dont cette cet aussi très
        plus moins entre chez""".split()
    ),
}


def fold(text: str) -> str:
    """Lowercase and strip diacritics (é -> e), as the lexical index does."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Lowercased word tokens; elisions split (l'heure -> l, heure)."""
    tokens: list[str] = []
    for match in _WORD.finditer(text.lower()):
        token = match.group()
        tokens.extend([token] if token[0].isdigit() else re.split(r"['’]", token))
    return [t for t in tokens if t]


@cache
def _stemmer(language: str) -> Stemmer.Stemmer | None:
    algorithm = SNOWBALL.get(language)
    return Stemmer.Stemmer(algorithm) if algorithm else None


def _is_stop(word: str, language: str) -> bool:
    return word in STOP_WORDS.get(language, frozenset())


def terms(text: str, language: str) -> list[str]:
    """Content terms of a text: stop words dropped, stemmed in its language, accents folded."""
    stemmer = _stemmer(language)
    kept = [w for w in words(text) if not _is_stop(w, language)]
    stems = stemmer.stemWords(kept) if stemmer else kept
    return [fold(s) for s in stems]


def index_text(text: str, language: str) -> str:
    """The text a lexical index stores for a chunk (space-separated terms)."""
    return " ".join(terms(text, language))


def query_terms(text: str, languages: tuple[str, ...] = QUERY_LANGUAGES) -> list[str]:
    """Distinct terms of a question, stemmed in each query language, stop words of all dropped."""
    stop = frozenset().union(*(STOP_WORDS.get(lang, frozenset()) for lang in languages))
    content = [w for w in words(text) if w not in stop]
    found: dict[str, None] = {}
    for language in languages:
        stemmer = _stemmer(language)
        for stem in stemmer.stemWords(content) if stemmer else content:
            found[fold(stem)] = None
    return list(found)


def content_words(text: str, languages: tuple[str, ...] = QUERY_LANGUAGES) -> list[str]:
    """Words of a text minus stop words (not stemmed): for support checks and heuristics."""
    stop = frozenset().union(*(STOP_WORDS.get(lang, frozenset()) for lang in languages))
    return [w for w in words(text) if w not in stop]
