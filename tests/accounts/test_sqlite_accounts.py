"""The SQLite accounts store: the AccountStore contract, plus what only its file can show."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

if "causerie.testing.accounts_contract" not in sys.modules:
    pytest.register_assert_rewrite("causerie.testing.accounts_contract")

from causerie.accounts import AccountStore, SQLiteAccountStore
from causerie.backends import open_accounts
from causerie.config import load_settings
from causerie.testing.accounts_contract import PASSWORD, AccountStoreContract, Clock


@pytest.fixture
def make_accounts(tmp_path: Path) -> Iterator[Callable[..., SQLiteAccountStore]]:
    opened: list[SQLiteAccountStore] = []

    def make(clock: Callable[[], float] | None = None) -> SQLiteAccountStore:
        opened.append(SQLiteAccountStore.in_folder(tmp_path / "home", clock=clock))
        return opened[-1]

    yield make
    for accounts in opened:
        accounts.close()


class TestSQLiteAccountStore(AccountStoreContract):
    pass


def test_secrets_are_stored_only_as_hashes(
    make_accounts: Callable[..., SQLiteAccountStore],
) -> None:
    accounts = make_accounts(clock=Clock())
    accounts.create_user("alice", PASSWORD)
    token = accounts.create_token("alice").secret
    session_id, _ = accounts.create_session("alice")
    raw = sqlite3.connect(accounts.path)
    try:
        dump = "\n".join(raw.iterdump())
    finally:
        raw.close()
    assert "$argon2id$" in dump
    for secret in (PASSWORD, token, session_id):
        assert secret not in dump


def test_open_accounts_is_the_file_in_the_data_folder(isolated_home: Path) -> None:
    accounts: AccountStore = open_accounts(load_settings())
    try:
        assert isinstance(accounts, SQLiteAccountStore)
        assert accounts.path == isolated_home / "accounts.sqlite3"
        accounts.create_user("alice", PASSWORD)
    finally:
        accounts.close()
    again = SQLiteAccountStore.in_folder(isolated_home)
    try:
        assert [u.name for u in again.list_users()] == ["alice"]
    finally:
        again.close()
