"""Issue 11, items 5, 6 and 7: the reserved name `local`; accounts disabled, deleted, given a
new password (ending their sessions and tokens); tokens and sessions bound to an immutable id;
tokens managed only from a signed-in session, and revoked all at once."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_helpers import PASSWORD, Actor, sign_in

from causerie.accounts import SQLiteAccountStore
from causerie.accounts.store import SESSION_MAX_AGE_S
from causerie.cli.main import cli
from causerie.errors import InputError
from causerie.types import LOCAL_OWNER, Owner


def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


# --------------------------------------------------------------------------- item 5


@pytest.mark.parametrize("name", ["local", "LOCAL", " Local "])
def test_the_cli_owner_name_is_reserved(tmp_path: Path, name: str) -> None:
    accounts = SQLiteAccountStore.in_folder(tmp_path)
    with pytest.raises(InputError, match="reserved"):
        accounts.create_user(name, PASSWORD)
    assert accounts.list_users() == []
    accounts.close()


def test_cli_refuses_to_create_local_and_its_data_stays_unreachable(isolated_home: Path) -> None:
    made = run("users", "create", "local", "--password-stdin", input=PASSWORD + "\n")
    assert made.exit_code == 1 and "reserved" in made.stderr
    assert LOCAL_OWNER.id == "local"


def _version_1_file(path: Path) -> None:
    """An accounts file as written before issue 11: rows joined to users by name."""
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE users (name TEXT PRIMARY KEY COLLATE NOCASE, password_hash TEXT NOT NULL,
                            created_at REAL NOT NULL);
        CREATE TABLE tokens (id TEXT PRIMARY KEY, user_name TEXT NOT NULL REFERENCES users(name)
            ON DELETE CASCADE, label TEXT NOT NULL, hint TEXT NOT NULL,
            secret_hash TEXT NOT NULL UNIQUE, created_at REAL NOT NULL, last_used_at REAL);
        CREATE TABLE sessions (id_hash TEXT PRIMARY KEY, user_name TEXT NOT NULL
            REFERENCES users(name) ON DELETE CASCADE, csrf_token TEXT NOT NULL,
            created_at REAL NOT NULL, last_seen REAL NOT NULL);
        """
    )
    from causerie.accounts.passwords import hash_password
    from causerie.accounts.store import _digest

    now = time.time()
    for name in ("alice", "local"):
        conn.execute("INSERT INTO users VALUES (?, ?, ?)", (name, hash_password(PASSWORD), now))
        conn.execute(
            "INSERT INTO tokens VALUES (?, ?, 'old', 'cz_xxxx', ?, ?, NULL)",
            (f"t-{name}", name, _digest(f"cz_secret-of-{name}"), now),
        )
    conn.commit()
    conn.close()


def test_migration_binds_rows_to_ids_and_disables_a_local_account(tmp_path: Path) -> None:
    _version_1_file(tmp_path / "accounts.sqlite3")
    accounts = SQLiteAccountStore.in_folder(tmp_path)
    alice = accounts.user_for_token("cz_secret-of-alice")
    assert alice is not None and alice.name == "alice" and len(alice.id) == 32
    assert accounts.user_for_token("cz_secret-of-local") is None
    assert accounts.authenticate("local", PASSWORD) is None
    assert [(u.name, u.disabled) for u in accounts.list_users()] == [
        ("alice", False), ("local", True)]  # fmt: skip
    accounts.close()
    again = SQLiteAccountStore.in_folder(tmp_path)  # opening twice changes nothing
    assert again.user_for_token("cz_secret-of-alice") == alice
    again.close()


# --------------------------------------------------------------------------- item 6


def test_disable_ends_sessions_and_tokens_and_blocks_sign_in(app: FastAPI, alice: Actor) -> None:
    accounts = app.state.accounts
    assert alice.browser.get("/api/me").status_code == 200
    accounts.disable_user("alice")
    assert alice.browser.get("/api/me").status_code == 401
    with TestClient(app) as other:
        assert other.get("/api/me", headers=alice.bearer).status_code == 401
    assert accounts.authenticate("alice", PASSWORD) is None
    with pytest.raises(AssertionError):
        sign_in(app, "alice")
    accounts.enable_user("alice")
    assert accounts.authenticate("alice", PASSWORD) is not None
    with TestClient(app) as other:  # old tokens stay revoked
        assert other.get("/api/me", headers=alice.bearer).status_code == 401


def test_passwd_ends_sessions_and_tokens(app: FastAPI, alice: Actor) -> None:
    app.state.accounts.set_password("alice", "a brand new passphrase")
    assert alice.browser.get("/api/me").status_code == 401
    with TestClient(app) as other:
        assert other.get("/api/me", headers=alice.bearer).status_code == 401
    assert app.state.accounts.authenticate("alice", "a brand new passphrase") is not None


def test_a_name_made_again_gets_neither_old_tokens_nor_sessions(app: FastAPI, alice: Actor) -> None:
    accounts = app.state.accounts
    old_id = accounts.get_user("alice").id
    accounts.delete_user("alice")
    accounts.create_user("alice", PASSWORD)
    assert accounts.get_user("alice").id != old_id
    with TestClient(app) as other:
        assert other.get("/api/me", headers=alice.bearer).status_code == 401
    assert alice.browser.get("/api/me").status_code == 401


def test_cli_disable_delete_passwd(isolated_home: Path) -> None:
    from causerie.config import load_settings
    from causerie.store.sqlite import SQLiteStore

    run("users", "create", "alice", "--password-stdin", input=PASSWORD + "\n")
    token = run("tokens", "create", "--user", "alice").stdout.strip()
    added = run("--user", "alice", "add", str(_note(isolated_home)))
    assert added.exit_code == 0, added.stderr

    disabled = run("users", "disable", "alice")
    assert disabled.exit_code == 0 and "ended" in disabled.stderr
    assert "\tdisabled" in run("users", "list").stdout
    accounts = SQLiteAccountStore.in_folder(isolated_home)
    assert accounts.user_for_token(token) is None
    assert run("users", "enable", "alice").exit_code == 0
    token = run("tokens", "create", "--user", "alice").stdout.strip()
    changed = run("users", "passwd", "alice", "--password-stdin", input="another passphrase\n")
    assert changed.exit_code == 0, changed.stderr
    assert accounts.user_for_token(token) is None
    assert accounts.authenticate("alice", "another passphrase") is not None
    token = run("tokens", "create", "--user", "alice").stdout.strip()

    deleted = run("users", "delete", "alice", "--yes")
    assert deleted.exit_code == 0 and "1 notebook" in deleted.stderr
    run("users", "create", "alice", "--password-stdin", input=PASSWORD + "\n")
    assert accounts.user_for_token(token) is None  # the old token does not revive
    store = SQLiteStore(load_settings().database_path)
    assert store.list_notebooks(Owner("alice")) == []  # nor the old data
    store.close()
    accounts.close()
    missing = run("users", "delete", "ghost", "--yes")
    assert missing.exit_code == 1 and "ghost" in missing.stderr


def _note(home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    note = home.parent / "note.md"
    note.write_text("# Note\n\nThe garden gate is green.\n")
    return note


def test_sessions_have_an_absolute_lifetime(app: FastAPI, alice: Actor, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Issue 11, item 12: a session in constant use still ends SESSION_MAX_AGE_S after sign-in."""
    import causerie.accounts.store as module

    real = time.time
    assert alice.browser.get("/api/me").status_code == 200
    for days in (10, 20, 29):  # used every ten days: never idle for long
        monkeypatch.setattr(module.time, "time", lambda d=days: real() + d * 86400)
        assert alice.browser.get("/api/me").status_code == 200
    monkeypatch.setattr(module.time, "time", lambda: real() + SESSION_MAX_AGE_S + 60)
    assert alice.browser.get("/api/me").status_code == 401


# --------------------------------------------------------------------------- item 7


def test_a_token_cannot_mint_or_revoke_tokens(app: FastAPI, alice: Actor) -> None:
    with TestClient(app) as by_token:
        minted = by_token.post("/api/tokens", json={"label": "child"}, headers=alice.bearer)
        assert minted.status_code == 403
        assert minted.json()["error"]["code"] == "session_required"
        other = app.state.accounts.create_token("alice", "other").token.id
        revoked = by_token.delete(f"/api/tokens/{other}", headers=alice.bearer)
        assert revoked.status_code == 403
        assert by_token.delete("/api/tokens", headers=alice.bearer).status_code == 403
        assert by_token.get("/api/tokens", headers=alice.bearer).status_code == 200
    assert {t.label for t in app.state.accounts.list_tokens("alice")} == {"tests", "other"}


def test_revoke_all_from_the_session(app: FastAPI, alice: Actor, make_actor) -> None:  # type: ignore[no-untyped-def]
    bob = make_actor("bob")
    alice.api("POST", "/api/tokens", json={"label": "second"})
    answer = alice.api("DELETE", "/api/tokens")
    assert answer.status_code == 200 and answer.json() == {"revoked": 2}
    assert app.state.accounts.list_tokens("alice") == []
    with TestClient(app) as other:
        assert other.get("/api/me", headers=alice.bearer).status_code == 401
        assert other.get("/api/me", headers=bob.bearer).status_code == 200
    assert alice.browser.get("/api/me").status_code == 200  # the session stays


def test_cli_revoke_all(isolated_home: Path) -> None:
    run("users", "create", "alice", "--password-stdin", input=PASSWORD + "\n")
    tokens = [run("tokens", "create", "--user", "alice").stdout.strip() for _ in range(2)]
    done = run("tokens", "revoke", "--all", "--user", "alice")
    assert done.exit_code == 0 and "2 token(s) revoked" in done.stderr
    accounts = SQLiteAccountStore.in_folder(isolated_home)
    assert all(accounts.user_for_token(t) is None for t in tokens)
    accounts.close()
    assert run("tokens", "revoke", "--user", "alice").exit_code == 2
