"""The OwnedRecords contract: one suite that every assistants' records backend must pass.

A backend's test module subclasses the mixin and provides a `make_records` fixture: a function
that opens the backend on a fresh, empty database (called twice, it must give two handles on
the same database: a web server and a worker, or a server and its restart):

    class TestSQLiteRecords(OwnedRecordsContract):
        @pytest.fixture
        def make_records(self, tmp_path):
            opened = []
            def make():
                opened.append(SQLiteRecords(tmp_path / "causerie.sqlite3"))
                return opened[-1]
            yield make
            for records in opened:
                records.close()

What it pins down:
- add gives a new id and keeps the JSON object as given (nested values, any language); get
  reads it back; find lists the owner's records of one kind oldest first, about one notebook
  when asked, the newest `limit` when asked;
- every call names its owner: another owner's record reads, replaces and deletes like an
  unknown one (NotFound for get and delete), another owner's find is empty, and the same kind
  and id under two owners are two records;
- put creates under a chosen id or replaces the data and the notebook, keeping created_at and
  the record's place in find;
- delete, delete_notebook (any kind, this owner only) and delete_owner forget, and count;
- a kind is "<assistant>.<what>"; bad kinds, ids and data (not a JSON object, NaN, too big)
  are refused with InputError before anything is written;
- writes from several threads at once all land; a second handle sees the same records.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from causerie.assistants.records import MAX_RECORD_BYTES, OwnedRecords
from causerie.errors import InputError, NotFound
from causerie.types import Owner

ALICE = Owner("alice")
BOB = Owner("bob")
QUIZ = "contract.quiz"
DECK = "contract.deck"

MakeRecords = Callable[[], OwnedRecords]


class OwnedRecordsContract:
    @pytest.fixture
    def records(self, make_records: MakeRecords) -> OwnedRecords:
        return make_records()

    # ----------------------------------------------------------------- add, get, find

    def test_add_then_get_keeps_the_object_as_given(self, records: OwnedRecords) -> None:
        data: dict[str, Any] = {
            "title": "Photosynthèse — 光合作用",
            "items": [{"q": "Où ?", "n": 3, "ok": True, "score": 0.5, "none": None}],
        }
        added = records.add(ALICE, QUIZ, data, notebook_id="nb1")
        assert (added.owner, added.kind, added.notebook_id) == (ALICE, QUIZ, "nb1")
        assert added.id and added.data == data and added.created_at == added.updated_at
        assert records.get(ALICE, QUIZ, added.id) == added
        other = records.add(ALICE, QUIZ, {})
        assert other.id != added.id and other.notebook_id is None and other.data == {}

    def test_find_lists_one_kind_oldest_first(self, records: OwnedRecords) -> None:
        first = records.add(ALICE, QUIZ, {"n": 1}, notebook_id="nb1")
        deck = records.add(ALICE, DECK, {"n": 2}, notebook_id="nb1")
        second = records.add(ALICE, QUIZ, {"n": 3}, notebook_id="nb2")
        third = records.add(ALICE, QUIZ, {"n": 4}, notebook_id="nb1")
        assert [r.id for r in records.find(ALICE, QUIZ)] == [first.id, second.id, third.id]
        assert [r.id for r in records.find(ALICE, DECK)] == [deck.id]
        assert [r.id for r in records.find(ALICE, QUIZ, notebook_id="nb1")] == [
            first.id,
            third.id,
        ]
        assert [r.id for r in records.find(ALICE, QUIZ, limit=2)] == [second.id, third.id]
        assert records.find(ALICE, QUIZ, notebook_id="nb3") == []
        assert records.find(ALICE, "contract.other") == []
        with pytest.raises(InputError, match="limit"):
            records.find(ALICE, QUIZ, limit=0)

    # ----------------------------------------------------------------- owners

    def test_another_owners_record_reads_like_an_unknown_one(self, records: OwnedRecords) -> None:
        mine = records.add(ALICE, QUIZ, {"secret": "alice's"}, notebook_id="nb1")
        for call in (records.get, records.delete):
            with pytest.raises(NotFound) as foreign:
                call(BOB, QUIZ, mine.id)
            with pytest.raises(NotFound) as unknown:
                call(BOB, QUIZ, "f" * 32)
            assert str(foreign.value) == str(unknown.value).replace("f" * 32, mine.id)
        assert records.find(BOB, QUIZ) == [] and records.find(BOB, QUIZ, notebook_id="nb1") == []
        assert records.delete_notebook(BOB, "nb1") == 0 and records.delete_owner(BOB) == 0
        assert records.get(ALICE, QUIZ, mine.id).data == {"secret": "alice's"}

    def test_the_same_kind_and_id_under_two_owners_are_two_records(
        self, records: OwnedRecords
    ) -> None:
        records.put(ALICE, QUIZ, "today", {"who": "alice"})
        records.put(BOB, QUIZ, "today", {"who": "bob"})
        assert records.get(ALICE, QUIZ, "today").data == {"who": "alice"}
        assert records.get(BOB, QUIZ, "today").data == {"who": "bob"}
        records.delete(BOB, QUIZ, "today")
        assert records.get(ALICE, QUIZ, "today").data == {"who": "alice"}

    # ----------------------------------------------------------------- put

    def test_put_creates_under_an_id_then_replaces(self, records: OwnedRecords) -> None:
        created = records.put(ALICE, QUIZ, "week-1", {"v": 1}, notebook_id="nb1")
        later = records.add(ALICE, QUIZ, {"v": "later"})
        assert created.id == "week-1" and created.data == {"v": 1}
        replaced = records.put(ALICE, QUIZ, "week-1", {"v": 2}, notebook_id="nb2")
        assert replaced.data == {"v": 2} and replaced.notebook_id == "nb2"
        assert replaced.created_at == created.created_at
        assert replaced.updated_at >= created.updated_at
        assert records.get(ALICE, QUIZ, "week-1") == replaced
        assert [r.id for r in records.find(ALICE, QUIZ)] == ["week-1", later.id]
        assert records.find(ALICE, QUIZ, notebook_id="nb1") == []

    # ----------------------------------------------------------------- delete

    def test_delete_forgets_one_record(self, records: OwnedRecords) -> None:
        gone = records.add(ALICE, QUIZ, {})
        kept = records.add(ALICE, QUIZ, {})
        records.delete(ALICE, QUIZ, gone.id)
        with pytest.raises(NotFound):
            records.get(ALICE, QUIZ, gone.id)
        with pytest.raises(NotFound):
            records.delete(ALICE, QUIZ, gone.id)
        with pytest.raises(NotFound):
            records.delete(ALICE, DECK, kept.id)  # the kind is part of the address
        assert [r.id for r in records.find(ALICE, QUIZ)] == [kept.id]

    def test_delete_a_notebook_or_an_owner(self, records: OwnedRecords) -> None:
        records.add(ALICE, QUIZ, {}, notebook_id="nb1")
        records.add(ALICE, DECK, {}, notebook_id="nb1")
        other = records.add(ALICE, QUIZ, {}, notebook_id="nb2")
        loose = records.add(ALICE, DECK, {})
        bobs = records.add(BOB, QUIZ, {}, notebook_id="nb1")
        assert records.delete_notebook(ALICE, "nb1") == 2
        assert [r.id for r in records.find(ALICE, QUIZ)] == [other.id]
        assert [r.id for r in records.find(ALICE, DECK)] == [loose.id]
        assert records.get(BOB, QUIZ, bobs.id) == bobs
        assert records.delete_owner(ALICE) == 2
        assert records.find(ALICE, QUIZ) == [] and records.find(ALICE, DECK) == []
        assert records.get(BOB, QUIZ, bobs.id) == bobs

    # ----------------------------------------------------------------- what is refused

    @pytest.mark.parametrize("kind", ["", "quiz", "Study.quiz", ".quiz", "study.", "a b.c", 7])
    def test_bad_kinds_are_refused_naming_them(self, records: OwnedRecords, kind: Any) -> None:
        with pytest.raises(InputError, match="record kind") as caught:
            records.add(ALICE, kind, {})
        assert repr(kind) in str(caught.value)
        with pytest.raises(InputError, match="record kind"):
            records.find(ALICE, kind)

    @pytest.mark.parametrize("record_id", ["", "a/b", "../x", "x" * 129, " x"])
    def test_bad_ids_are_refused(self, records: OwnedRecords, record_id: str) -> None:
        with pytest.raises(InputError, match="record id"):
            records.put(ALICE, QUIZ, record_id, {})
        assert records.find(ALICE, QUIZ) == []

    @pytest.mark.parametrize(
        "data",
        [["a list"], "text", {"a set": {1, 2}}, {"nan": float("nan")}, {"x": object()}],
    )
    def test_data_must_be_a_json_object(self, records: OwnedRecords, data: Any) -> None:
        with pytest.raises(InputError, match="record data"):
            records.add(ALICE, QUIZ, data)
        assert records.find(ALICE, QUIZ) == []

    def test_data_has_a_size_cap(self, records: OwnedRecords) -> None:
        with pytest.raises(InputError, match=str(MAX_RECORD_BYTES)):
            records.add(ALICE, QUIZ, {"text": "x" * MAX_RECORD_BYTES})
        assert records.find(ALICE, QUIZ) == []

    # ----------------------------------------------------------------- concurrency, durability

    def test_writes_from_several_threads_all_land(self, records: OwnedRecords) -> None:
        errors: list[BaseException] = []

        def write(n: int) -> None:
            try:
                for i in range(10):
                    records.add(ALICE if n % 2 else BOB, QUIZ, {"n": n, "i": i})
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        for owner in (ALICE, BOB):
            found = records.find(owner, QUIZ)
            assert len(found) == 20 and len({r.id for r in found}) == 20

    def test_a_second_handle_sees_the_same_records(
        self, make_records: MakeRecords, records: OwnedRecords
    ) -> None:
        added = records.add(ALICE, QUIZ, {"n": 1}, notebook_id="nb1")
        other = make_records()
        assert other.get(ALICE, QUIZ, added.id) == added
        other.put(ALICE, QUIZ, added.id, {"n": 2})
        assert records.get(ALICE, QUIZ, added.id).data == {"n": 2}
