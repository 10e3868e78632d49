"""AccountStore on a real SQLite file: password policy, argon2 hashes, hashed tokens and
sessions, the first-account rule."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from causerie.accounts import MIN_PASSWORD_CHARS, TOKEN_PREFIX, AccountStore
from causerie.errors import InputError, NotFound

PASSWORD = "a long enough passphrase"


@pytest.fixture
def accounts(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = AccountStore.in_folder(tmp_path)
    yield store
    store.close()


def test_passwords_are_argon2_hashes_and_authenticate(accounts: AccountStore) -> None:
    user = accounts.create_user("alice", PASSWORD)
    assert user.owner.id == "alice"
    assert accounts.authenticate("alice", PASSWORD) == user
    assert accounts.authenticate("alice", PASSWORD + "x") is None
    assert accounts.authenticate("nobody", PASSWORD) is None
    raw = sqlite3.connect(accounts.path).execute("SELECT password_hash FROM users").fetchone()[0]
    assert raw.startswith("$argon2id$") and PASSWORD not in raw


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", f"at least {MIN_PASSWORD_CHARS}"),
        (" " * 12, "only spaces"),
        ("x" * 2000, "too long"),
    ],
)
def test_weak_passwords_are_refused_with_a_clear_error(
    accounts: AccountStore, password: str, problem: str
) -> None:
    with pytest.raises(InputError, match=problem) as caught:
        accounts.create_user("alice", password)
    assert caught.value.input_name == "password"
    assert accounts.list_users() == []


@pytest.mark.parametrize("name", ["", " ", "../etc", "a b", "x" * 65, "-dash"])
def test_bad_user_names_are_refused_naming_them(accounts: AccountStore, name: str) -> None:
    with pytest.raises(InputError, match="not a valid user name"):
        accounts.create_user(name, PASSWORD)


def test_names_are_unique_whatever_the_case(accounts: AccountStore) -> None:
    accounts.create_user("Alice", PASSWORD)
    with pytest.raises(InputError, match="taken"):
        accounts.create_user("alice", PASSWORD)
    assert [u.name for u in accounts.list_users()] == ["Alice"]


def test_only_if_first_refuses_once_an_account_exists(accounts: AccountStore) -> None:
    accounts.create_user("alice", PASSWORD, only_if_first=True)
    with pytest.raises(InputError, match="already exists"):
        accounts.create_user("mallory", PASSWORD, only_if_first=True)
    assert [u.name for u in accounts.list_users()] == ["alice"]


def test_tokens_are_shown_once_stored_hashed_and_revocable(accounts: AccountStore) -> None:
    accounts.create_user("alice", PASSWORD)
    accounts.create_user("bob", PASSWORD)
    new = accounts.create_token("alice", "laptop")
    assert new.secret.startswith(TOKEN_PREFIX) and len(new.secret) > 40
    assert accounts.user_for_token(new.secret).name == "alice"  # type: ignore[union-attr]
    assert accounts.user_for_token(new.secret + "x") is None
    stored = sqlite3.connect(accounts.path).execute("SELECT * FROM tokens").fetchall()
    assert new.secret not in repr(stored)
    listed = accounts.list_tokens("alice")
    assert [(t.id, t.label) for t in listed] == [(new.token.id, "laptop")]
    assert listed[0].last_used_at is not None
    with pytest.raises(NotFound):
        accounts.revoke_token("bob", new.token.id)  # not bob's
    assert accounts.user_for_token(new.secret) is not None
    accounts.revoke_token("alice", new.token.id)
    assert accounts.user_for_token(new.secret) is None
    with pytest.raises(NotFound):
        accounts.create_token("nobody")


def test_sessions_end_at_logout_and_with_a_new_password(accounts: AccountStore) -> None:
    accounts.create_user("alice", PASSWORD)
    first, session = accounts.create_session("alice")
    second, _ = accounts.create_session("alice")
    assert accounts.session(first) == session
    assert session.csrf_token and session.csrf_token != first
    stored = sqlite3.connect(accounts.path).execute("SELECT id_hash FROM sessions").fetchall()
    assert first not in repr(stored)
    accounts.end_session(first)
    assert accounts.session(first) is None
    assert accounts.session(second) is not None
    accounts.set_password("alice", PASSWORD + "!")
    assert accounts.session(second) is None
    assert accounts.authenticate("alice", PASSWORD + "!") is not None
