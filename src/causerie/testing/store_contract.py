"""The Store contract: one suite that every storage backend must pass.

A backend's test module subclasses the mixin and provides a `store` fixture on a fresh, empty
store (haystack's DocumentStore tests work the same way):

    class TestSQLiteStore(StoreContract):
        @pytest.fixture
        def store(self, tmp_path):
            db = SQLiteStore(tmp_path / "causerie.db")
            yield db
            db.close()

What it pins down beyond the Protocol's signatures:
- notebook names are unique per owner, lists come sorted (notebooks by name, sources by uri,
  conversations and messages in creation order; list_chunks source by source in the order
  they were put, each in ordinal order); notebook_by_id and source_counts (0 for an empty
  notebook) see the owner's notebooks only;
- put_source replaces a source with the same uri (keeping its id) or changes nothing at all;
  a source whose content is already in the notebook under another uri is refused (InputError);
- get_hits is scoped to a notebook: it returns each id of that notebook once, in the order
  asked, with that notebook's source (the same file can be in two notebooks); chunks
  (locators included) come back equal to what was put;
- chunks_without_vectors and source_chunks list a source's chunks in ordinal order;
- put_vectors applies to every notebook of the owner that holds the chunk, and skips ids the
  owner does not hold; vector_search scores are cosine similarities; delete_vectors removes one
  model's vectors of one notebook only;
- delete_conversation takes the conversation's messages with it;
- errors: NotFound for a missing notebook/source/conversation (list_* return empty instead,
  delete_vectors 0), InputError for a bad name or source, ValueError for bad vectors or role,
  TypeError for an owner that is not an Owner (every method, before anything else);
- an owner using another owner's ids gets exactly what an unknown id gets, and changes nothing.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pytest

from causerie.errors import InputError, NotFound, StoreError
from causerie.store.base import NewSource, ScoredId, Store
from causerie.types import (
    Chunk,
    Citation,
    Locator,
    Notebook,
    Owner,
    Source,
    content_hash,
)

ALICE = Owner("alice")
BOB = Owner("bob")
MODEL = "contract-model"
DIM = 8


# --------------------------------------------------------------------------- helpers


def index_text(text: str) -> str:
    """A stand-in for causerie.textproc.index_text: lowercased words."""
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


def make_source(
    uri: str,
    texts: Sequence[str],
    *,
    locators: Sequence[Locator] | None = None,
    ordinals: Sequence[int] | None = None,
    raw: str | None = None,
) -> NewSource:
    """A NewSource whose chunk ids derive from its content, as the chunker's do."""
    source_hash = content_hash(raw if raw is not None else uri + "\n" + "\n".join(texts))
    ordinals = list(ordinals) if ordinals is not None else list(range(len(texts)))
    chunks = [
        Chunk(
            id=Chunk.make_id(source_hash, ordinal, text),
            ordinal=ordinal,
            text=text,
            locator=locators[i] if locators else Locator(char_start=i * 100, char_end=i * 100 + 99),
            token_count=len(text.split()),
        )
        for i, (ordinal, text) in enumerate(zip(ordinals, texts, strict=True))
    ]
    return NewSource(
        uri=uri,
        title=uri.rsplit("/", 1)[-1],
        media_type="text/plain",
        language="en",
        content_hash=source_hash,
        chunks=chunks,
        index_texts=[index_text(t) for t in texts],
    )


def unit(*values: float) -> np.ndarray:
    vector = np.zeros(DIM, dtype=np.float32)
    vector[: len(values)] = values
    return vector / np.linalg.norm(vector)


def basis(i: int) -> np.ndarray:
    vector = np.zeros(DIM, dtype=np.float32)
    vector[i] = 1.0
    return vector


def random_id() -> str:
    return uuid.uuid4().hex


def ids_of(results: Sequence[ScoredId]) -> list[str]:
    return [r.chunk_id for r in results]


FILLER = [
    "the river runs past the old mill",
    "bread rises slowly in a warm kitchen",
    "a quiet library opens at nine",
    "trains leave the station every hour",
    "the garden needs water in summer",
]


class ExplodingChunks(Sequence[Chunk]):
    """Chunks that fail when the store reaches the third one."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        self._chunks = list(chunks)

    def __len__(self) -> int:
        return len(self._chunks)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, int) and index >= 2:
            raise RuntimeError("disk on fire")
        return self._chunks[index]


# --------------------------------------------------------------------------- the world of the
# isolation tests: two owners, a notebook each with the same name, the same file in both


@dataclass
class World:
    alice_book: Notebook
    alice_diary: Notebook  # a name Bob does not have
    alice_source: Source
    alice_only_chunks: list[str]
    shared_chunks: list[str]  # the same file added by both owners: the same chunk ids
    alice_conversation: str
    bob_book: Notebook
    bob_source: Source
    bob_conversation: str
    all_chunks: list[str]
    terms: list[str]


def build_world(store: Store) -> World:
    alice_book = store.ensure_notebook(ALICE, "Shared name")
    alice_diary = store.ensure_notebook(ALICE, "Alice diary")
    bob_book = store.ensure_notebook(BOB, "Shared name")
    secret = make_source("alice-secrets.txt", ["alpaca ledger figures", "alpaca pasture plans"])
    shared = make_source("handbook.txt", ["onboarding handbook page", "holiday policy page"])
    bob_own = make_source("bob-notes.txt", ["bob walrus notes", "walrus feeding times"])
    alice_source = store.put_source(ALICE, alice_book.id, secret)
    store.put_source(ALICE, alice_book.id, shared)
    store.put_source(ALICE, alice_diary.id, make_source("diary.txt", ["dear diary alpaca"]))
    bob_source = store.put_source(BOB, bob_book.id, bob_own)
    store.put_source(BOB, bob_book.id, shared)
    alice_only = [c.id for c in secret.chunks]
    shared_ids = [c.id for c in shared.chunks]
    bob_ids = [c.id for c in bob_own.chunks]
    store.put_vectors(ALICE, MODEL, alice_only + shared_ids, np.stack([basis(i) for i in range(4)]))
    store.put_vectors(BOB, MODEL, bob_ids + shared_ids, np.stack([basis(7 - i) for i in range(4)]))
    alice_talk = store.create_conversation(ALICE, alice_book.id, "alpaca accounts")
    store.add_message(ALICE, alice_talk.id, "user", "How many alpacas?")
    store.add_message(
        ALICE,
        alice_talk.id,
        "assistant",
        "Twelve [1].",
        citations=[Citation(1, "alice-secrets.txt", Locator(page=2), alice_only[0], "alpaca")],
    )
    bob_talk = store.create_conversation(BOB, bob_book.id, "walrus care")
    store.add_message(BOB, bob_talk.id, "user", "When do walruses eat?")
    return World(
        alice_book=alice_book,
        alice_diary=alice_diary,
        alice_source=alice_source,
        alice_only_chunks=alice_only,
        shared_chunks=shared_ids,
        alice_conversation=alice_talk.id,
        bob_book=bob_book,
        bob_source=bob_source,
        bob_conversation=bob_talk.id,
        all_chunks=alice_only + shared_ids + bob_ids,
        terms=["alpaca", "handbook", "walrus", "page", "diary"],
    )


def snapshot(store: Store, owner: Owner, world: World) -> dict[str, Any]:
    """Everything an owner can read, through every read method."""
    state: dict[str, Any] = {
        "notebooks": store.list_notebooks(owner),
        "source_counts": store.source_counts(owner),
    }
    for book in state["notebooks"]:
        conversations = store.list_conversations(owner, book.id)
        sources = store.list_sources(owner, book.id)
        state[book.id] = {
            "sources": sources,
            "found": [store.find_source(owner, book.id, s.uri) for s in sources],
            "hits": store.get_hits(owner, book.id, world.all_chunks),
            "chunks": store.count_chunks(owner, book.id),
            "all_chunks": store.list_chunks(owner, book.id),
            "book": store.notebook_by_id(owner, book.id),
            "lexical": store.lexical_search(owner, book.id, world.terms, 50),
            "vectors": store.count_vectors(owner, book.id, MODEL),
            "missing": store.chunks_without_vectors(owner, book.id, MODEL, 50),
            "dense": [store.vector_search(owner, book.id, MODEL, basis(i), 50) for i in range(DIM)],
            "conversations": conversations,
            "messages": [store.list_messages(owner, c.id) for c in conversations],
            "by_id": [store.get_conversation(owner, c.id) for c in conversations],
        }
    return state


@dataclass(frozen=True)
class Target:
    """The ids an intruder aims at (another owner's, or made-up ones)."""

    notebook_id: str
    notebook_name: str
    uri: str
    source_id: str
    chunk_ids: tuple[str, ...]
    conversation_id: str


Probe = Callable[[Store, Owner, Target], object]

# One probe per Protocol method that takes an id or a name (all but list_notebooks, close).
PROBES: dict[str, Probe] = {
    "ensure_notebook": lambda s, o, t: s.ensure_notebook(o, t.notebook_name).name,
    "get_notebook": lambda s, o, t: s.get_notebook(o, t.notebook_name),
    "notebook_by_id": lambda s, o, t: s.notebook_by_id(o, t.notebook_id),
    "list_chunks": lambda s, o, t: s.list_chunks(o, t.notebook_id),
    "rename_notebook": lambda s, o, t: s.rename_notebook(o, t.notebook_id, "Renamed"),
    "delete_notebook": lambda s, o, t: s.delete_notebook(o, t.notebook_id),
    "find_source": lambda s, o, t: s.find_source(o, t.notebook_id, t.uri),
    "put_source": lambda s, o, t: s.put_source(
        o, t.notebook_id, make_source("intruder.txt", ["intruder text"])
    ),
    "list_sources": lambda s, o, t: s.list_sources(o, t.notebook_id),
    "delete_source": lambda s, o, t: s.delete_source(o, t.source_id),
    "get_hits": lambda s, o, t: s.get_hits(o, t.notebook_id, t.chunk_ids),
    "count_chunks": lambda s, o, t: s.count_chunks(o, t.notebook_id),
    "source_chunks": lambda s, o, t: s.source_chunks(o, t.source_id, 0, 10),
    "lexical_search": lambda s, o, t: s.lexical_search(o, t.notebook_id, ["alpaca", "page"], 10),
    "chunks_without_vectors": lambda s, o, t: s.chunks_without_vectors(
        o, t.notebook_id, "model-without-vectors", 10
    ),
    "put_vectors": lambda s, o, t: s.put_vectors(
        o, MODEL, t.chunk_ids, np.ones((len(t.chunk_ids), DIM), dtype=np.float32)
    ),
    "delete_vectors": lambda s, o, t: s.delete_vectors(o, t.notebook_id, MODEL),
    "count_vectors": lambda s, o, t: s.count_vectors(o, t.notebook_id, MODEL),
    "vector_search": lambda s, o, t: s.vector_search(o, t.notebook_id, MODEL, basis(0), 10),
    "create_conversation": lambda s, o, t: s.create_conversation(o, t.notebook_id, "x").title,
    "get_conversation": lambda s, o, t: s.get_conversation(o, t.conversation_id),
    "list_conversations": lambda s, o, t: s.list_conversations(o, t.notebook_id),
    "delete_conversation": lambda s, o, t: s.delete_conversation(o, t.conversation_id),
    "add_message": lambda s, o, t: s.add_message(o, t.conversation_id, "user", "hi").content,
    "list_messages": lambda s, o, t: s.list_messages(o, t.conversation_id),
}
# Methods that take only the owner.
OWNER_ONLY = ("list_notebooks", "source_counts")
# Probes that only read: the owner's own call must find something, or the probe proves nothing.
READ_PROBES = {
    "get_notebook",
    "notebook_by_id",
    "list_chunks",
    "find_source",
    "list_sources",
    "get_hits",
    "count_chunks",
    "source_chunks",
    "lexical_search",
    "chunks_without_vectors",
    "count_vectors",
    "vector_search",
    "get_conversation",
    "list_conversations",
    "list_messages",
}


def outcome(call: Callable[[], object], target: Target) -> tuple[str, ...]:
    """What a call did, with the target's ids masked so two targets can be compared."""
    try:
        value = call()
    except Exception as exc:  # the comparison is the assertion
        return ("raised", type(exc).__name__, _mask(str(exc), target))
    return ("returned", _mask(repr(value), target))


def _mask(text: str, target: Target) -> str:
    for known in (
        target.notebook_id,
        target.source_id,
        target.conversation_id,
        target.uri,
        target.notebook_name,
    ):
        text = text.replace(known, "<id>")
    return text


# --------------------------------------------------------------------------- the contract


class StoreContract:
    """Mixin of contract tests; subclasses provide a `store` fixture on a fresh store."""

    @pytest.fixture
    def book(self, store: Store) -> Notebook:
        return store.ensure_notebook(ALICE, "research")

    @pytest.fixture
    def world(self, store: Store) -> World:
        return build_world(store)

    def test_is_a_store(self, store: Store) -> None:
        assert isinstance(store, Store)

    # ------------------------------------------------------------------- notebooks

    def test_ensure_notebook_creates_once(self, store: Store) -> None:
        first = store.ensure_notebook(ALICE, "research")
        again = store.ensure_notebook(ALICE, "research")
        assert again == first
        assert first.name == "research"
        assert first.created_at > 0
        assert store.list_notebooks(ALICE) == [first]

    def test_get_notebook_by_name(self, store: Store) -> None:
        created = store.ensure_notebook(ALICE, "research")
        assert store.get_notebook(ALICE, "research") == created
        assert store.get_notebook(ALICE, "missing") is None

    def test_list_notebooks_sorted_by_name(self, store: Store) -> None:
        for name in ("beta", "alpha", "gamma"):
            store.ensure_notebook(ALICE, name)
        assert [n.name for n in store.list_notebooks(ALICE)] == ["alpha", "beta", "gamma"]
        assert store.list_notebooks(BOB) == []

    def test_notebook_by_id(self, store: Store) -> None:
        created = store.ensure_notebook(ALICE, "research")
        assert store.notebook_by_id(ALICE, created.id) == created
        missing = random_id()
        with pytest.raises(NotFound, match=missing):
            store.notebook_by_id(ALICE, missing)
        with pytest.raises(NotFound):
            store.notebook_by_id(BOB, created.id)

    def test_source_counts(self, store: Store, book: Notebook) -> None:
        empty = store.ensure_notebook(ALICE, "empty")
        store.put_source(ALICE, book.id, make_source("a.txt", ["alpha"]))
        store.put_source(ALICE, book.id, make_source("b.txt", ["beta"]))
        assert store.source_counts(ALICE) == {book.id: 2, empty.id: 0}
        store.put_source(ALICE, book.id, make_source("a.txt", ["alpha again"]))  # replaced
        assert store.source_counts(ALICE) == {book.id: 2, empty.id: 0}
        assert store.source_counts(BOB) == {}

    def test_list_chunks_in_stored_order(self, store: Store, book: Notebook) -> None:
        first = make_source("b.txt", ["c", "a", "b"], ordinals=[2, 0, 1])
        second = make_source("a.txt", ["z", "y"])
        store.put_source(ALICE, book.id, first)
        store.put_source(ALICE, book.id, second)
        other = store.ensure_notebook(ALICE, "other")
        store.put_source(ALICE, other.id, make_source("c.txt", ["elsewhere"]))
        by_ordinal = sorted(first.chunks, key=lambda c: c.ordinal)
        assert store.list_chunks(ALICE, book.id) == [*by_ordinal, *second.chunks]
        assert store.count_chunks(ALICE, book.id) == 5
        assert store.list_chunks(ALICE, random_id()) == []

    def test_notebook_names_unique_per_owner_only(self, store: Store) -> None:
        alice = store.ensure_notebook(ALICE, "work")
        bob = store.ensure_notebook(BOB, "work")
        assert alice.id != bob.id
        assert store.get_notebook(BOB, "work") == bob
        assert store.list_notebooks(ALICE) == [alice]

    @pytest.mark.parametrize("name", ["", "   "])
    def test_blank_notebook_name_refused(self, store: Store, name: str) -> None:
        with pytest.raises(InputError):
            store.ensure_notebook(ALICE, name)
        assert store.list_notebooks(ALICE) == []

    def test_rename_notebook(self, store: Store, book: Notebook) -> None:
        renamed = store.rename_notebook(ALICE, book.id, "thesis")
        assert (renamed.id, renamed.name, renamed.created_at) == (
            book.id,
            "thesis",
            book.created_at,
        )
        assert store.get_notebook(ALICE, "thesis") == renamed
        assert store.get_notebook(ALICE, "research") is None
        assert store.rename_notebook(ALICE, book.id, "thesis") == renamed  # same name: fine

    def test_rename_to_a_taken_name_refused(self, store: Store, book: Notebook) -> None:
        other = store.ensure_notebook(ALICE, "thesis")
        with pytest.raises(InputError):
            store.rename_notebook(ALICE, book.id, "thesis")
        assert store.list_notebooks(ALICE) == [book, other]

    def test_missing_notebook_not_found(self, store: Store) -> None:
        missing = random_id()
        with pytest.raises(NotFound):
            store.rename_notebook(ALICE, missing, "x")
        with pytest.raises(NotFound):
            store.delete_notebook(ALICE, missing)
        with pytest.raises(NotFound):
            store.put_source(ALICE, missing, make_source("a.txt", ["text"]))
        with pytest.raises(NotFound):
            store.create_conversation(ALICE, missing, "x")

    def test_delete_notebook_cascades(self, store: Store, book: Notebook) -> None:
        kept = store.ensure_notebook(ALICE, "kept")
        new = make_source("a.txt", ["zebra facts", "lion facts"])
        store.put_source(ALICE, book.id, new)
        store.put_source(ALICE, kept.id, make_source("b.txt", ["zebra elsewhere"]))
        ids = [c.id for c in new.chunks]
        store.put_vectors(ALICE, MODEL, ids, np.stack([basis(0), basis(1)]))
        talk = store.create_conversation(ALICE, book.id, "zebras")
        store.add_message(ALICE, talk.id, "user", "zebras?")

        store.delete_notebook(ALICE, book.id)

        assert store.list_notebooks(ALICE) == [kept]
        assert store.list_sources(ALICE, book.id) == []
        assert store.count_chunks(ALICE, book.id) == 0
        assert store.get_hits(ALICE, book.id, ids) == []
        assert store.lexical_search(ALICE, book.id, ["zebra"], 10) == []
        assert store.count_vectors(ALICE, book.id, MODEL) == 0
        assert store.vector_search(ALICE, book.id, MODEL, basis(0), 10) == []
        assert store.list_conversations(ALICE, book.id) == []
        assert store.list_messages(ALICE, talk.id) == []
        with pytest.raises(NotFound):
            store.get_conversation(ALICE, talk.id)
        assert len(store.lexical_search(ALICE, kept.id, ["zebra"], 10)) == 1
        again = store.ensure_notebook(ALICE, "research")  # the name is free again
        assert again.id != book.id
        assert store.count_chunks(ALICE, again.id) == 0

    # ------------------------------------------------------------------- sources and chunks

    def test_put_source_inserts(self, store: Store, book: Notebook) -> None:
        new = make_source("notes/a.txt", FILLER)
        source = store.put_source(ALICE, book.id, new)
        assert source.notebook_id == book.id
        assert (source.uri, source.title, source.media_type) == (
            "notes/a.txt",
            "a.txt",
            "text/plain",
        )
        assert (source.language, source.content_hash) == ("en", new.content_hash)
        assert source.chunk_count == len(FILLER)
        assert source.added_at > 0
        assert store.find_source(ALICE, book.id, "notes/a.txt") == source
        assert store.find_source(ALICE, book.id, "notes/b.txt") is None
        assert store.list_sources(ALICE, book.id) == [source]
        assert store.count_chunks(ALICE, book.id) == len(FILLER)

    def test_put_source_replaces_same_uri(self, store: Store, book: Notebook) -> None:
        old = make_source("a.txt", ["zebra stripes", "zebra herds", "old mill"])
        first = store.put_source(ALICE, book.id, old)
        store.put_source(ALICE, book.id, make_source("b.txt", FILLER))
        new = make_source("a.txt", ["giraffe necks", "giraffe spots"])
        second = store.put_source(ALICE, book.id, new)

        assert second.id == first.id
        assert second.chunk_count == 2
        assert second.content_hash == new.content_hash
        assert store.find_source(ALICE, book.id, "a.txt") == second
        assert [s.uri for s in store.list_sources(ALICE, book.id)] == ["a.txt", "b.txt"]
        assert store.count_chunks(ALICE, book.id) == 2 + len(FILLER)
        assert store.get_hits(ALICE, book.id, [c.id for c in old.chunks]) == []
        assert store.lexical_search(ALICE, book.id, ["zebra"], 10) == []
        found = ids_of(store.lexical_search(ALICE, book.id, ["giraffe"], 10))
        assert sorted(found) == sorted(c.id for c in new.chunks)

    @pytest.mark.parametrize("failure", ["index_texts_short", "text_not_str", "chunks_explode"])
    def test_failed_put_source_keeps_previous_version(
        self, store: Store, book: Notebook, failure: str
    ) -> None:
        before = make_source("a.txt", ["zebra stripes", "zebra herds"])
        stored = store.put_source(ALICE, book.id, before)
        store.put_vectors(ALICE, MODEL, [c.id for c in before.chunks], np.stack([basis(0)] * 2))
        good = make_source("a.txt", ["giraffe one", "giraffe two", "giraffe three", "four"])
        if failure == "index_texts_short":
            bad = replace(good, index_texts=good.index_texts[:2])
            expected: Any = InputError
        elif failure == "text_not_str":
            chunks = list(good.chunks)
            chunks[2] = Chunk(chunks[2].id, 2, b"bytes", chunks[2].locator, 1)  # type: ignore[arg-type]
            bad = replace(good, chunks=chunks)
            expected = InputError
        else:
            bad = replace(good, chunks=ExplodingChunks(good.chunks))
            expected = (RuntimeError, StoreError, InputError)

        with pytest.raises(expected) as raised:
            store.put_source(ALICE, book.id, bad)

        if isinstance(raised.value, InputError):
            assert "a.txt" in str(raised.value)
        assert store.find_source(ALICE, book.id, "a.txt") == stored
        assert store.count_chunks(ALICE, book.id) == 2
        hits = store.get_hits(ALICE, book.id, [c.id for c in before.chunks])
        assert [h.chunk for h in hits] == list(before.chunks)
        assert len(store.lexical_search(ALICE, book.id, ["zebra"], 10)) == 2
        assert store.lexical_search(ALICE, book.id, ["giraffe"], 10) == []
        assert store.count_vectors(ALICE, book.id, MODEL) == 2

    def test_same_content_under_another_uri_refused(self, store: Store, book: Notebook) -> None:
        first = store.put_source(ALICE, book.id, make_source("a.txt", ["zebra"], raw="same"))
        copy = make_source("copy-of-a.txt", ["zebra"], raw="same")
        with pytest.raises(InputError) as raised:
            store.put_source(ALICE, book.id, copy)
        assert "copy-of-a.txt" in str(raised.value)
        assert store.list_sources(ALICE, book.id) == [first]
        assert len(store.lexical_search(ALICE, book.id, ["zebra"], 10)) == 1

    def test_same_file_in_two_notebooks(self, store: Store, book: Notebook) -> None:
        other = store.ensure_notebook(ALICE, "other")
        new = make_source("a.txt", ["zebra stripes", "lion manes"])
        store.put_source(ALICE, book.id, new)
        in_other = store.put_source(ALICE, other.id, new)
        ids = [c.id for c in new.chunks]
        for notebook in (book, other):
            assert sorted(
                ids_of(store.lexical_search(ALICE, notebook.id, ["zebra", "lion"], 10))
            ) == (sorted(ids))
        store.put_vectors(ALICE, MODEL, ids, np.stack([basis(0), basis(1)]))
        assert store.count_vectors(ALICE, book.id, MODEL) == 2
        assert store.count_vectors(ALICE, other.id, MODEL) == 2

        store.delete_source(ALICE, in_other.id)
        assert store.count_chunks(ALICE, other.id) == 0
        assert store.count_vectors(ALICE, other.id, MODEL) == 0
        assert [h.chunk.id for h in store.get_hits(ALICE, book.id, ids)] == ids
        assert store.get_hits(ALICE, other.id, ids) == []
        assert ids_of(store.vector_search(ALICE, book.id, MODEL, basis(1), 1)) == [ids[1]]

    def test_list_sources_sorted_by_uri(self, store: Store, book: Notebook) -> None:
        for uri in ("c.txt", "a.txt", "b.txt"):
            store.put_source(ALICE, book.id, make_source(uri, [f"text of {uri}"]))
        assert [s.uri for s in store.list_sources(ALICE, book.id)] == ["a.txt", "b.txt", "c.txt"]

    def test_delete_source(self, store: Store, book: Notebook) -> None:
        gone = make_source("gone.txt", ["zebra stripes", "zebra herds"])
        kept = make_source("kept.txt", ["zebra crossing"])
        gone_source = store.put_source(ALICE, book.id, gone)
        kept_source = store.put_source(ALICE, book.id, kept)
        ids = [c.id for c in [*gone.chunks, *kept.chunks]]
        store.put_vectors(ALICE, MODEL, ids, np.stack([basis(0), basis(1), basis(2)]))
        assert len(store.vector_search(ALICE, book.id, MODEL, basis(0), 10)) == 3  # warm any cache

        store.delete_source(ALICE, gone_source.id)

        assert store.list_sources(ALICE, book.id) == [kept_source]
        assert store.find_source(ALICE, book.id, "gone.txt") is None
        assert store.count_chunks(ALICE, book.id) == 1
        assert [h.chunk.id for h in store.get_hits(ALICE, book.id, ids)] == [kept.chunks[0].id]
        assert ids_of(store.lexical_search(ALICE, book.id, ["zebra"], 10)) == [kept.chunks[0].id]
        assert store.count_vectors(ALICE, book.id, MODEL) == 1
        assert ids_of(store.vector_search(ALICE, book.id, MODEL, basis(0), 10)) == [
            kept.chunks[0].id
        ]
        with pytest.raises(NotFound):
            store.delete_source(ALICE, gone_source.id)

    def test_get_hits_in_the_order_asked(self, store: Store, book: Notebook) -> None:
        new = make_source("a.txt", ["first", "second", "third"])
        source = store.put_source(ALICE, book.id, new)
        c0, c1, c2 = (c.id for c in new.chunks)
        hits = store.get_hits(ALICE, book.id, [c2, random_id(), c0, c1, c2])
        assert [h.chunk.id for h in hits] == [c2, c0, c1]
        assert all(h.source == source for h in hits)
        assert store.get_hits(ALICE, book.id, []) == []
        assert store.get_hits(ALICE, random_id(), [c0, c1]) == []

    def test_get_hits_returns_the_notebooks_own_source(self, store: Store, book: Notebook) -> None:
        """The same file in two notebooks: the same chunk ids, a different Source in each."""
        other = store.ensure_notebook(ALICE, "other")
        new = make_source("a.txt", ["zebra stripes", "lion manes"])
        here = store.put_source(ALICE, book.id, new)
        there = store.put_source(ALICE, other.id, replace(new, uri="copies/a.txt"))
        assert here.id != there.id
        ids = [c.id for c in new.chunks]
        for notebook, source in ((other, there), (book, here), (other, there)):
            hits = store.get_hits(ALICE, notebook.id, ids)
            assert [h.chunk for h in hits] == list(new.chunks)
            assert [h.source for h in hits] == [source, source]
            assert {h.source.notebook_id for h in hits} == {notebook.id}

        store.delete_source(ALICE, here.id)
        assert store.get_hits(ALICE, book.id, ids) == []
        assert [h.source for h in store.get_hits(ALICE, other.id, ids)] == [there, there]

    def test_get_hits_round_trip_chunks_and_locators(self, store: Store, book: Notebook) -> None:
        locators = [
            Locator(char_start=0, char_end=120, page=3, heading_path=("Guide", "Setup")),
            Locator(char_start=121, char_end=240, start_s=61.5, end_s=69.25),
            Locator(char_start=241, char_end=300, message_id="<m1@example.org>"),
            Locator(),
        ]
        texts = ["Crème brûlée, naïve café", "zebra 🦓 emoji", 'quotes "and" \\ slashes', "x"]
        new = make_source("a.txt", texts, locators=locators, ordinals=[0, 1, 2, 7])
        store.put_source(ALICE, book.id, new)
        hits = store.get_hits(ALICE, book.id, [c.id for c in new.chunks])
        assert [h.chunk for h in hits] == list(new.chunks)
        assert hits[0].chunk.locator.heading_path == ("Guide", "Setup")
        assert hits[1].chunk.locator.label() == "00:01:01-00:01:09"

    def test_source_chunks_gives_a_passage_and_its_neighbours(
        self, store: Store, book: Notebook
    ) -> None:
        new = make_source("a.txt", ["one", "two", "three", "four"], ordinals=[0, 1, 2, 5])
        source = store.put_source(ALICE, book.id, new)
        middle = store.source_chunks(ALICE, source.id, 0, 2)
        assert [c.text for c in middle] == ["one", "two", "three"]
        assert middle == list(new.chunks[:3])
        assert [c.ordinal for c in store.source_chunks(ALICE, source.id, 2, 9)] == [2, 5]
        assert store.source_chunks(ALICE, source.id, 3, 4) == []
        assert store.source_chunks(ALICE, random_id(), 0, 9) == []
        store.delete_source(ALICE, source.id)
        assert store.source_chunks(ALICE, source.id, 0, 9) == []

    # ------------------------------------------------------------------- lexical index

    def test_lexical_more_matches_of_a_rare_term_rank_first(
        self, store: Store, book: Notebook
    ) -> None:
        texts = [*FILLER, "a zebra by the river", "zebra zebra zebra in a herd"]
        new = make_source("a.txt", texts)
        store.put_source(ALICE, book.id, new)
        once, thrice = new.chunks[-2].id, new.chunks[-1].id
        results = store.lexical_search(ALICE, book.id, ["zebra"], 10)
        assert ids_of(results) == [thrice, once]
        assert results[0].score > results[1].score > 0

    def test_lexical_matches_any_term_and_ranks_more_terms_higher(
        self, store: Store, book: Notebook
    ) -> None:
        texts = [*FILLER, "zebra alone here", "lion alone here", "zebra and lion together"]
        new = make_source("a.txt", texts)
        store.put_source(ALICE, book.id, new)
        zebra, lion, both = (c.id for c in new.chunks[-3:])
        results = store.lexical_search(ALICE, book.id, ["zebra", "lion"], 10)
        assert results[0].chunk_id == both
        assert set(ids_of(results)) == {zebra, lion, both}
        scores = [r.score for r in results]
        assert scores == sorted(scores, reverse=True)

    def test_lexical_limit_and_empty_queries(self, store: Store, book: Notebook) -> None:
        store.put_source(ALICE, book.id, make_source("a.txt", [f"zebra {i}" for i in range(8)]))
        assert len(store.lexical_search(ALICE, book.id, ["zebra"], 3)) == 3
        assert store.lexical_search(ALICE, book.id, [], 10) == []
        assert store.lexical_search(ALICE, book.id, ["", "  "], 10) == []
        assert store.lexical_search(ALICE, book.id, ["zebra"], 0) == []
        assert store.lexical_search(ALICE, book.id, ["unicorn"], 10) == []

    @pytest.mark.parametrize(
        ("term", "expected"),
        [
            ('"', set()),
            (":", set()),
            ("*", set()),
            ("(", set()),
            ("NEAR", {"near"}),
            ("OR", {"or"}),
            ("AND", {"and"}),
            ("NOT", {"not"}),
            ("a*", set()),  # no prefix search: 'apple' and 'alpha' must not match
            ("-x", {"x"}),
            ("^x", {"x"}),
            ('zebra" OR "lion', set()),  # quotes cannot open an OR
            ("zebra OR lion", set()),  # nor can a bare OR inside one term
            ("index_text:zebra", set()),  # no column filters
            ("notebook_id:zebra", set()),
            ("NEAR(zebra lion)", set()),
            ("zebra\x00lion", set()),
        ],
    )
    def test_lexical_hostile_terms_are_plain_text(
        self, store: Store, book: Notebook, term: str, expected: set[str]
    ) -> None:
        words = ["near", "or", "and", "not", "x", "zebra", "lion", "apple", "alpha"]
        new = make_source("a.txt", [f"{w} marks the spot" for w in words])
        store.put_source(ALICE, book.id, new)
        by_word = dict(zip(words, (c.id for c in new.chunks), strict=True))
        results = store.lexical_search(ALICE, book.id, [term], 20)
        assert set(ids_of(results)) == {by_word[w] for w in expected}
        # The hostile term does not spoil a sane one beside it.
        mixed = store.lexical_search(ALICE, book.id, [term, "zebra"], 20)
        assert by_word["zebra"] in ids_of(mixed)

    def test_lexical_restricted_to_the_notebook(self, store: Store, book: Notebook) -> None:
        other = store.ensure_notebook(ALICE, "other")
        here = make_source("a.txt", ["zebra here", *FILLER])
        there = make_source("b.txt", ["zebra there", "zebra again there"])
        store.put_source(ALICE, book.id, here)
        store.put_source(ALICE, other.id, there)
        assert ids_of(store.lexical_search(ALICE, book.id, ["zebra"], 10)) == [here.chunks[0].id]
        assert set(ids_of(store.lexical_search(ALICE, other.id, ["zebra"], 10))) == {
            c.id for c in there.chunks
        }

    # ------------------------------------------------------------------- vectors

    def test_chunks_without_vectors(self, store: Store, book: Notebook) -> None:
        new = make_source("a.txt", ["c", "a", "b", "d"], ordinals=[2, 0, 1, 3])
        store.put_source(ALICE, book.id, new)
        by_ordinal = sorted(new.chunks, key=lambda c: c.ordinal)
        assert store.chunks_without_vectors(ALICE, book.id, MODEL, 10) == by_ordinal
        assert store.chunks_without_vectors(ALICE, book.id, MODEL, 2) == by_ordinal[:2]
        assert store.chunks_without_vectors(ALICE, book.id, MODEL, 0) == []
        assert store.count_vectors(ALICE, book.id, MODEL) == 0

        store.put_vectors(
            ALICE, MODEL, [by_ordinal[0].id, by_ordinal[2].id], np.stack([basis(0)] * 2)
        )

        assert store.chunks_without_vectors(ALICE, book.id, MODEL, 10) == [
            by_ordinal[1],
            by_ordinal[3],
        ]
        assert store.count_vectors(ALICE, book.id, MODEL) == 2
        assert store.chunks_without_vectors(ALICE, book.id, "other-model", 10) == by_ordinal
        assert store.count_vectors(ALICE, book.id, "other-model") == 0

    def test_put_vectors_checks_shapes(self, store: Store, book: Notebook) -> None:
        new = make_source("a.txt", ["one", "two"])
        store.put_source(ALICE, book.id, new)
        ids = [c.id for c in new.chunks]
        with pytest.raises(ValueError):
            store.put_vectors(ALICE, MODEL, ids, np.ones((3, DIM), dtype=np.float32))
        with pytest.raises(ValueError):
            store.put_vectors(ALICE, MODEL, ids, np.ones(DIM, dtype=np.float32))
        assert store.count_vectors(ALICE, book.id, MODEL) == 0
        store.put_vectors(ALICE, MODEL, [], np.zeros((0, DIM), dtype=np.float32))
        assert store.count_vectors(ALICE, book.id, MODEL) == 0

    def test_vector_search_ranks_by_cosine(self, store: Store, book: Notebook) -> None:
        new = make_source("a.txt", ["east", "north-east", "north", "west"])
        store.put_source(ALICE, book.id, new)
        vectors = np.stack([unit(1, 0), unit(1, 1), unit(0, 1), unit(-1, 0)])
        ids = [c.id for c in new.chunks]
        store.put_vectors(ALICE, MODEL, ids, vectors)

        results = store.vector_search(ALICE, book.id, MODEL, unit(1, 0.2), 10)
        assert ids_of(results) == [ids[0], ids[1], ids[2], ids[3]]
        expected = vectors @ unit(1, 0.2)
        assert [r.score for r in results] == pytest.approx(list(expected), abs=1e-5)
        assert ids_of(store.vector_search(ALICE, book.id, MODEL, unit(0, 1), 2)) == [ids[2], ids[1]]
        assert store.vector_search(ALICE, book.id, MODEL, unit(0, 1), 0) == []
        assert store.vector_search(ALICE, book.id, "other-model", unit(0, 1), 5) == []

    def test_vector_search_without_vectors_is_empty(self, store: Store, book: Notebook) -> None:
        assert store.vector_search(ALICE, book.id, MODEL, basis(0), 5) == []
        store.put_source(ALICE, book.id, make_source("a.txt", ["one"]))
        assert store.vector_search(ALICE, book.id, MODEL, basis(0), 5) == []

    def test_vector_search_follows_replaced_sources(self, store: Store, book: Notebook) -> None:
        old = make_source("a.txt", ["old one", "old two"])
        store.put_source(ALICE, book.id, old)
        store.put_vectors(ALICE, MODEL, [c.id for c in old.chunks], np.stack([basis(0), basis(1)]))
        assert ids_of(store.vector_search(ALICE, book.id, MODEL, basis(0), 1)) == [old.chunks[0].id]

        new = make_source("a.txt", ["new one", "new two", "new three"])
        store.put_source(ALICE, book.id, new)
        assert store.vector_search(ALICE, book.id, MODEL, basis(0), 5) == []  # old vectors gone
        assert store.count_vectors(ALICE, book.id, MODEL) == 0

        new_ids = [c.id for c in new.chunks]
        store.put_vectors(ALICE, MODEL, new_ids, np.stack([basis(2), basis(0), basis(1)]))
        assert ids_of(store.vector_search(ALICE, book.id, MODEL, basis(0), 1)) == [new_ids[1]]
        assert set(ids_of(store.vector_search(ALICE, book.id, MODEL, basis(0), 10))) == set(new_ids)

    def test_put_vectors_overwrites(self, store: Store, book: Notebook) -> None:
        new = make_source("a.txt", ["one", "two"])
        store.put_source(ALICE, book.id, new)
        ids = [c.id for c in new.chunks]
        store.put_vectors(ALICE, MODEL, ids, np.stack([basis(0), unit(1, 1)]))
        assert ids_of(store.vector_search(ALICE, book.id, MODEL, basis(0), 1)) == [ids[0]]
        store.put_vectors(ALICE, MODEL, ids[:1], basis(3)[None, :])
        assert ids_of(store.vector_search(ALICE, book.id, MODEL, basis(3), 1)) == [ids[0]]
        assert ids_of(store.vector_search(ALICE, book.id, MODEL, basis(0), 2)) == [ids[1], ids[0]]
        assert store.count_vectors(ALICE, book.id, MODEL) == 2

    def test_put_vectors_skips_unknown_ids(self, store: Store, book: Notebook) -> None:
        new = make_source("a.txt", ["one"])
        store.put_source(ALICE, book.id, new)
        store.put_vectors(
            ALICE, MODEL, [random_id(), new.chunks[0].id], np.stack([basis(0), basis(1)])
        )
        assert store.count_vectors(ALICE, book.id, MODEL) == 1
        results = store.vector_search(ALICE, book.id, MODEL, basis(1), 5)
        assert ids_of(results) == [new.chunks[0].id]
        assert results[0].score == pytest.approx(1.0, abs=1e-5)

    def test_delete_vectors(self, store: Store, book: Notebook) -> None:
        other = store.ensure_notebook(ALICE, "other")
        new = make_source("a.txt", ["one", "two", "three"])
        store.put_source(ALICE, book.id, new)
        store.put_source(ALICE, other.id, new)
        ids = [c.id for c in new.chunks]
        vectors = np.stack([basis(0), basis(1), basis(2)])
        store.put_vectors(ALICE, MODEL, ids, vectors)
        store.put_vectors(ALICE, "other-model", ids, vectors)
        assert len(store.vector_search(ALICE, book.id, MODEL, basis(0), 10)) == 3  # warm any cache

        assert store.delete_vectors(ALICE, book.id, MODEL) == 3

        assert store.count_vectors(ALICE, book.id, MODEL) == 0
        assert store.vector_search(ALICE, book.id, MODEL, basis(0), 10) == []
        assert store.chunks_without_vectors(ALICE, book.id, MODEL, 10) == list(new.chunks)
        # Other models, other notebooks with the same chunks, and the chunks themselves stay.
        assert store.count_vectors(ALICE, book.id, "other-model") == 3
        assert store.count_vectors(ALICE, other.id, MODEL) == 3
        assert ids_of(store.vector_search(ALICE, other.id, MODEL, basis(1), 1)) == [ids[1]]
        assert store.count_chunks(ALICE, book.id) == 3
        assert ids_of(store.lexical_search(ALICE, book.id, ["two"], 10)) == [ids[1]]
        # Nothing left, or no such notebook: nothing deleted.
        assert store.delete_vectors(ALICE, book.id, MODEL) == 0
        assert store.delete_vectors(ALICE, random_id(), MODEL) == 0
        # The notebook can be given vectors for the model again.
        store.put_vectors(ALICE, MODEL, ids[:1], basis(5)[None, :])
        assert ids_of(store.vector_search(ALICE, book.id, MODEL, basis(5), 10)) == [ids[0]]

    # ------------------------------------------------------------------- conversations

    def test_conversations(self, store: Store, book: Notebook) -> None:
        first = store.create_conversation(ALICE, book.id, "first talk")
        second = store.create_conversation(ALICE, book.id, "second talk")
        assert (first.notebook_id, first.title) == (book.id, "first talk")
        assert first.id != second.id
        assert store.get_conversation(ALICE, first.id) == first
        assert store.list_conversations(ALICE, book.id) == [first, second]
        other = store.ensure_notebook(ALICE, "other")
        assert store.list_conversations(ALICE, other.id) == []

    def test_missing_conversation(self, store: Store) -> None:
        missing = random_id()
        with pytest.raises(NotFound):
            store.get_conversation(ALICE, missing)
        with pytest.raises(NotFound):
            store.add_message(ALICE, missing, "user", "hello")
        with pytest.raises(NotFound):
            store.delete_conversation(ALICE, missing)
        assert store.list_messages(ALICE, missing) == []

    def test_delete_conversation_takes_its_messages(self, store: Store, book: Notebook) -> None:
        gone = store.create_conversation(ALICE, book.id, "gone")
        kept = store.create_conversation(ALICE, book.id, "kept")
        store.add_message(ALICE, gone.id, "user", "first")
        store.add_message(ALICE, gone.id, "assistant", "second")
        kept_message = store.add_message(ALICE, kept.id, "user", "stays")

        store.delete_conversation(ALICE, gone.id)

        assert store.list_conversations(ALICE, book.id) == [kept]
        assert store.list_messages(ALICE, gone.id) == []
        assert store.list_messages(ALICE, kept.id) == [kept_message]
        with pytest.raises(NotFound):
            store.get_conversation(ALICE, gone.id)
        with pytest.raises(NotFound):
            store.add_message(ALICE, gone.id, "user", "still there?")
        with pytest.raises(NotFound):
            store.delete_conversation(ALICE, gone.id)
        assert store.list_notebooks(ALICE) == [book]

    def test_messages_round_trip(self, store: Store, book: Notebook) -> None:
        talk = store.create_conversation(ALICE, book.id, "talk")
        citations = [
            Citation(1, "guide.pdf", Locator(0, 40, page=3, heading_path=("A", "B")), "c1", "x"),
            Citation(2, "talk.srt", Locator(5, 9, start_s=61.5, end_s=69.0), "c2", "ça « va »"),
        ]
        asked = store.add_message(ALICE, talk.id, "user", "What is in the guide?")
        answered = store.add_message(
            ALICE, talk.id, "assistant", "This [1] and that [2].", citations=citations
        )
        declined = store.add_message(
            ALICE, talk.id, "assistant", "Not in the sources.", abstained=True
        )
        cut = store.add_message(ALICE, talk.id, "assistant", "Half an ans", interrupted=True)
        system = store.add_message(ALICE, talk.id, "system", "Be brief.")

        messages = store.list_messages(ALICE, talk.id)
        assert messages == [asked, answered, declined, cut, system]
        assert [m.role for m in messages] == [
            "user",
            "assistant",
            "assistant",
            "assistant",
            "system",
        ]
        assert messages[1].citations == tuple(citations)
        assert messages[1].citations[0].locator.heading_path == ("A", "B")
        assert (messages[2].abstained, messages[2].interrupted) == (True, False)
        assert (messages[3].abstained, messages[3].interrupted) == (False, True)
        assert messages[0].citations == ()
        assert all(m.conversation_id == talk.id for m in messages)
        assert len({m.id for m in messages}) == 5
        assert [m.created_at for m in messages] == sorted(m.created_at for m in messages)

    def test_add_message_refuses_unknown_role(self, store: Store, book: Notebook) -> None:
        talk = store.create_conversation(ALICE, book.id, "talk")
        with pytest.raises(ValueError):
            store.add_message(ALICE, talk.id, "robot", "beep")  # type: ignore[arg-type]
        assert store.list_messages(ALICE, talk.id) == []

    # ------------------------------------------------------------------- the owner argument

    @pytest.mark.parametrize("name", sorted([*PROBES, *OWNER_ONLY]))
    @pytest.mark.parametrize("bad_owner", ["alice", None, ALICE.id.encode()])
    def test_every_method_needs_an_owner(
        self, store: Store, world: World, name: str, bad_owner: object
    ) -> None:
        target = _alice_target(world)
        before = snapshot(store, ALICE, world)
        with pytest.raises(TypeError):
            if name in OWNER_ONLY:
                getattr(store, name)(bad_owner)
            else:
                PROBES[name](store, bad_owner, target)  # type: ignore[arg-type]
        assert snapshot(store, ALICE, world) == before

    def test_probes_cover_the_protocol(self) -> None:
        methods = {n for n in dir(Store) if not n.startswith("_")}
        assert methods == {*PROBES, *OWNER_ONLY, "close"}

    # ------------------------------------------------------------------- isolation

    @pytest.mark.parametrize("name", sorted(PROBES))
    def test_other_owners_ids_behave_like_unknown_ids(
        self, store: Store, world: World, name: str
    ) -> None:
        probe = PROBES[name]
        alice = _alice_target(world)
        made_up = Target(
            notebook_id=random_id(),
            notebook_name="No such notebook",
            uri="no-such-file.txt",
            source_id=random_id(),
            chunk_ids=tuple(random_id() for _ in alice.chunk_ids),
            conversation_id=random_id(),
        )
        if name in READ_PROBES:  # Alice herself finds something there
            assert outcome(lambda: probe(store, ALICE, alice), alice) != outcome(
                lambda: probe(store, BOB, made_up), made_up
            )
        before = {owner.id: snapshot(store, owner, world) for owner in (ALICE, BOB)}

        foreign = outcome(lambda: probe(store, BOB, alice), alice)
        after_foreign = {owner.id: snapshot(store, owner, world) for owner in (ALICE, BOB)}
        unknown = outcome(lambda: probe(store, BOB, made_up), made_up)

        assert foreign == unknown
        assert after_foreign[ALICE.id] == before[ALICE.id]
        if name != "ensure_notebook":  # which gives Bob a notebook of his own, as it should
            assert after_foreign[BOB.id] == before[BOB.id]

    def test_shared_chunk_ids_resolve_to_each_owners_copy(self, store: Store, world: World) -> None:
        alice_hits = store.get_hits(ALICE, world.alice_book.id, world.shared_chunks)
        bob_hits = store.get_hits(BOB, world.bob_book.id, world.shared_chunks)
        assert [h.chunk.id for h in alice_hits] == world.shared_chunks
        assert [h.chunk.id for h in bob_hits] == world.shared_chunks
        assert {h.source.notebook_id for h in alice_hits} == {world.alice_book.id}
        assert {h.source.notebook_id for h in bob_hits} == {world.bob_book.id}
        assert not {h.source.id for h in alice_hits} & {h.source.id for h in bob_hits}
        # Each owner's vectors for the same chunk ids stay their own.
        top_alice = store.vector_search(ALICE, world.alice_book.id, MODEL, basis(2), 1)
        top_bob = store.vector_search(BOB, world.bob_book.id, MODEL, basis(5), 1)
        assert ids_of(top_alice) == ids_of(top_bob) == [world.shared_chunks[0]]

        bob_copy = store.find_source(BOB, world.bob_book.id, "handbook.txt")
        assert bob_copy is not None
        store.delete_source(BOB, bob_copy.id)
        assert store.get_hits(BOB, world.bob_book.id, world.shared_chunks) == []
        assert store.get_hits(ALICE, world.alice_book.id, world.shared_chunks) == alice_hits
        assert store.count_vectors(ALICE, world.alice_book.id, MODEL) == 4

    def test_another_owner_cannot_delete(self, store: Store, world: World) -> None:
        alice_before = snapshot(store, ALICE, world)
        with pytest.raises(NotFound):
            store.delete_conversation(BOB, world.alice_conversation)
        assert store.delete_vectors(BOB, world.alice_book.id, MODEL) == 0
        with pytest.raises(NotFound):
            store.delete_source(BOB, world.alice_source.id)
        with pytest.raises(NotFound):
            store.delete_notebook(BOB, world.alice_book.id)
        assert snapshot(store, ALICE, world) == alice_before

        # Bob deleting his own: his vectors of the very chunk ids Alice also holds.
        assert store.delete_vectors(BOB, world.bob_book.id, MODEL) == 4
        store.delete_conversation(BOB, world.bob_conversation)
        assert store.count_vectors(BOB, world.bob_book.id, MODEL) == 0
        assert store.list_conversations(BOB, world.bob_book.id) == []
        assert snapshot(store, ALICE, world) == alice_before
        assert store.count_vectors(ALICE, world.alice_book.id, MODEL) == 4
        assert len(store.list_messages(ALICE, world.alice_conversation)) == 2

    def test_searches_never_cross_owners(self, store: Store, world: World) -> None:
        bob_lexical = store.lexical_search(BOB, world.bob_book.id, world.terms, 50)
        bob_chunks = {h.chunk.id for h in store.get_hits(BOB, world.bob_book.id, world.all_chunks)}
        assert ids_of(bob_lexical)
        assert set(ids_of(bob_lexical)) <= bob_chunks
        assert not set(ids_of(bob_lexical)) & set(world.alice_only_chunks)
        for i in range(DIM):
            dense = store.vector_search(BOB, world.bob_book.id, MODEL, basis(i), 50)
            assert set(ids_of(dense)) <= bob_chunks
        assert store.chunks_without_vectors(BOB, world.bob_book.id, MODEL, 50) == []
        assert {s.uri for s in store.list_sources(BOB, world.bob_book.id)} == {
            "bob-notes.txt",
            "handbook.txt",
        }

    def test_same_notebook_name_gives_each_owner_their_own(
        self, store: Store, world: World
    ) -> None:
        bob_diary = store.ensure_notebook(BOB, "Alice diary")
        assert bob_diary.id != world.alice_diary.id
        assert store.count_chunks(BOB, bob_diary.id) == 0
        assert store.get_notebook(ALICE, "Alice diary") == world.alice_diary
        assert store.count_chunks(ALICE, world.alice_diary.id) == 1


def _alice_target(world: World) -> Target:
    return Target(
        notebook_id=world.alice_book.id,
        notebook_name=world.alice_diary.name,
        uri=world.alice_source.uri,
        source_id=world.alice_source.id,
        chunk_ids=tuple(world.alice_only_chunks),
        conversation_id=world.alice_conversation,
    )
