"""The embedded store: one SQLite file holding rows, an FTS5 index and float32 vectors.

schema    the tables, migrations, pragmas; opening and checking the file
rows      rows <-> dataclasses, and the checks on a NewSource before it is stored
lexical   FTS5 query building (quoting, LexicalPlan) and the BM25 search
vectors   the per-notebook matrix, its LRU cache, and cosine ranking
store     SQLiteStore: the Store Protocol's methods, transactions, ownership
"""

from causerie.store.sqlite.lexical import LexicalPlan, fts_phrase, query_phrases
from causerie.store.sqlite.schema import SCHEMA_VERSION
from causerie.store.sqlite.store import SQLiteStore

__all__ = ["SCHEMA_VERSION", "LexicalPlan", "SQLiteStore", "fts_phrase", "query_phrases"]
