"""SQLiteAccountStore: the AccountStore Protocol (causerie.accounts.base) in one small SQLite
file: users, API tokens and browser sessions.

Why a file of its own (`$CAUSERIE_HOME/accounts.sqlite3`) and not tables in the notebook
database: credentials stay apart from content (the notebook database can be copied, shared or
moved to PostgreSQL without carrying password hashes), and the Store protocol stays about owned
content only. The link between the two is the user name: a user's rows there belong to
`Owner(user.name)` (so `causerie --user alice add` and alice in the browser agree); deleting an
account deletes its notebooks too (`causerie users delete`), so a name made again starts empty.

Tokens and sessions are bound to the account's immutable id (a random value given at
creation), never to its name: a token of a deleted account never opens an account made later
under the same name. Disabling an account, deleting it or changing its password ends its
sessions and revokes its tokens. The name `local` is reserved: it is the owner of what the CLI
adds without `--user`.

Secrets: passwords are argon2id hashes; API tokens (`cz_...`) and session ids are 256-bit random
values stored only as SHA-256 hashes (high-entropy secrets need no slow hash), so neither can be
read back. Thread safety: one connection guarded by one lock.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from causerie.accounts.base import (
    RESERVED_NAMES,
    SESSION_LIFETIME_S,
    SESSION_MAX_AGE_S,
    SESSION_TOUCH_S,
    TOKEN_PREFIX,
    ApiToken,
    NewToken,
    User,
    WebSession,
    check_username,
)
from causerie.accounts.passwords import hash_password, needs_rehash, verify_password
from causerie.errors import InputError, NotFound
from causerie.sqlite_db import connect, write_transaction

ACCOUNTS_FILE = "accounts.sqlite3"  # in the data folder, beside the notebook database
SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    created_at    REAL NOT NULL,
    disabled_at   REAL
);
CREATE TABLE IF NOT EXISTS tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    label        TEXT NOT NULL,
    hint         TEXT NOT NULL,
    secret_hash  TEXT NOT NULL UNIQUE,
    created_at   REAL NOT NULL,
    last_used_at REAL
);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at REAL NOT NULL,
    last_seen  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS tokens_by_user ON tokens(user_id);
CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions(user_id);
"""

# Version 1 (no user_version) joined tokens and sessions to users by name.
_MIGRATE_FROM_V1 = """
ALTER TABLE users RENAME TO users_v1;
ALTER TABLE tokens RENAME TO tokens_v1;
ALTER TABLE sessions RENAME TO sessions_v1;
DROP INDEX IF EXISTS tokens_by_user;
DROP INDEX IF EXISTS sessions_by_user;
"""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class SQLiteAccountStore:
    """The AccountStore Protocol (causerie.accounts.base) on one SQLite file. `clock` (seconds
    since the epoch) is for tests of session lifetimes; by default the wall clock."""

    @classmethod
    def in_folder(
        cls, home: str | Path, *, clock: Callable[[], float] | None = None
    ) -> SQLiteAccountStore:
        """The accounts file of a data folder ($CAUSERIE_HOME)."""
        return cls(Path(home) / ACCOUNTS_FILE, clock=clock)

    def __init__(self, path: str | Path, *, clock: Callable[[], float] | None = None) -> None:
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.Lock()
        self._conn = connect(self.path, self._setup)  # the shared bootstrap

    def _setup(self, conn: sqlite3.Connection, path: Path) -> None:
        self._migrate(conn)
        conn.execute("PRAGMA foreign_keys=ON")  # the migration turns it off

    def _migrate(self, conn: sqlite3.Connection) -> None:
        """Create the tables, or bring a version-1 file (rows joined by name) to version 2:
        every user gets an immutable id, tokens and sessions are re-bound to it, and an
        account named 'local' (now reserved) is disabled."""
        if conn.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
            return
        columns = {r[1] for r in conn.execute("PRAGMA table_info(users)")}
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute("BEGIN IMMEDIATE")
        try:
            old = bool(columns) and "id" not in columns
            script = (_MIGRATE_FROM_V1 if old else "") + _SCHEMA
            for statement in script.split(";"):  # executescript would COMMIT first
                if statement.strip():
                    conn.execute(statement)
            if old:
                self._copy_v1(conn)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _now(self) -> float:
        return self._clock() if self._clock is not None else time.time()

    @staticmethod
    def _copy_v1(conn: sqlite3.Connection) -> None:
        now = time.time()
        for row in conn.execute("SELECT * FROM users_v1").fetchall():
            reserved = row["name"].lower() in RESERVED_NAMES
            conn.execute(
                "INSERT INTO users (id, name, password_hash, created_at, disabled_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (uuid.uuid4().hex, row["name"], row["password_hash"], row["created_at"],
                 now if reserved else None),
            )  # fmt: skip
        conn.execute(
            "INSERT INTO tokens SELECT t.id, u.id, t.label, t.hint, t.secret_hash, t.created_at,"
            " t.last_used_at FROM tokens_v1 t JOIN users u ON u.name = t.user_name"
            " WHERE u.disabled_at IS NULL"
        )
        conn.execute(
            "INSERT INTO sessions SELECT s.id_hash, u.id, s.csrf_token, s.created_at, s.last_seen"
            " FROM sessions_v1 s JOIN users u ON u.name = s.user_name WHERE u.disabled_at IS NULL"
        )
        for table in ("sessions_v1", "tokens_v1", "users_v1"):
            conn.execute(f"DROP TABLE {table}")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with write_transaction(self._conn, self._lock, self.path) as conn:
            yield conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # ------------------------------------------------------------------ users

    def has_users(self) -> bool:
        with self._transaction() as conn:
            return conn.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None

    def create_user(self, name: str, password: str, *, only_if_first: bool = False) -> User:
        """A new account. InputError for a bad name or password, or a name already taken;
        with only_if_first, InputError too when any account exists (the /setup page)."""
        name = check_username(name)
        password_hash = hash_password(password)  # the policy check, before any write
        now = self._now()
        user_id = uuid.uuid4().hex
        with self._transaction() as conn:
            if only_if_first and conn.execute("SELECT 1 FROM users LIMIT 1").fetchone():
                raise InputError("setup", "an account already exists; sign in instead")
            taken = conn.execute("SELECT name FROM users WHERE name = ?", (name,)).fetchone()
            if taken:
                raise InputError(repr(name), f"the user name is taken (by {taken['name']!r})")
            conn.execute(
                "INSERT INTO users (id, name, password_hash, created_at) VALUES (?, ?, ?, ?)",
                (user_id, name, password_hash, now),
            )
        return User(name, now, user_id)

    def get_user(self, name: str) -> User | None:
        with self._transaction() as conn:
            found = conn.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
        return _to_user(found) if found else None

    def _require(self, conn: sqlite3.Connection, name: str) -> sqlite3.Row:
        row: sqlite3.Row | None = conn.execute(
            "SELECT * FROM users WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            raise NotFound(f"user {name!r} not found (`causerie users list`)")
        return row

    def list_users(self) -> list[User]:
        with self._transaction() as conn:
            rows = conn.execute("SELECT * FROM users ORDER BY name").fetchall()
        return [_to_user(r) for r in rows]

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when the password matches and the account is enabled; None otherwise
        (an unknown name or a disabled account costs as long as a wrong password)."""
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT * FROM users WHERE name = ?",
                (name.strip() if isinstance(name, str) else "",),
            ).fetchone()
        if not verify_password(row["password_hash"] if row else None, password):
            return None
        assert row is not None
        if row["disabled_at"] is not None:
            return None
        if needs_rehash(row["password_hash"]):
            with self._transaction() as conn:
                conn.execute(
                    "UPDATE users SET password_hash = ? WHERE id = ?",
                    (hash_password(password), row["id"]),
                )
        return _to_user(row)

    def set_password(self, name: str, password: str) -> None:
        """A new password; every session of the account ends and every token is revoked."""
        password_hash = hash_password(password)
        with self._transaction() as conn:
            row = self._require(conn, name)
            conn.execute(
                "UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, row["id"])
            )
            self._end_all(conn, row["id"])

    def disable_user(self, name: str) -> User:
        """Disable the account: no sign-in; its sessions end and its tokens are revoked.
        Its notebooks are kept (`enable_user` lets it sign in again)."""
        with self._transaction() as conn:
            row = self._require(conn, name)
            conn.execute(
                "UPDATE users SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL",
                (self._now(), row["id"]),
            )
            self._end_all(conn, row["id"])
        return User(row["name"], row["created_at"], row["id"], disabled=True)

    def enable_user(self, name: str) -> User:
        with self._transaction() as conn:
            row = self._require(conn, name)
            if row["name"].lower() in RESERVED_NAMES:
                raise InputError(repr(row["name"]), "is a reserved name; it stays disabled")
            conn.execute("UPDATE users SET disabled_at = NULL WHERE id = ?", (row["id"],))
        return User(row["name"], row["created_at"], row["id"])

    def delete_user(self, name: str) -> User:
        """Delete the account with its tokens and sessions (its notebooks are the caller's
        to delete: they live in the notebook store). NotFound when there is no such user."""
        with self._transaction() as conn:
            row = self._require(conn, name)
            self._end_all(conn, row["id"])
            conn.execute("DELETE FROM users WHERE id = ?", (row["id"],))
        return _to_user(row)

    @staticmethod
    def _end_all(conn: sqlite3.Connection, user_id: str) -> None:
        conn.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))
        conn.execute("DELETE FROM tokens WHERE user_id = ?", (user_id,))

    # ------------------------------------------------------------------ API tokens

    def create_token(self, user_name: str, label: str = "") -> NewToken:
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        label = (label or "").strip()[:100]
        now = self._now()
        token_id = uuid.uuid4().hex[:16]
        with self._transaction() as conn:
            user = self._require(conn, user_name)
            if user["disabled_at"] is not None:
                raise InputError(repr(user["name"]), "the account is disabled")
            conn.execute(
                "INSERT INTO tokens (id, user_id, label, hint, secret_hash, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (token_id, user["id"], label, secret[:7], _digest(secret), now),
            )
        return NewToken(ApiToken(token_id, user["name"], label, secret[:7], now, None), secret)

    def list_tokens(self, user_name: str) -> list[ApiToken]:
        with self._transaction() as conn:
            rows = conn.execute(
                "SELECT t.*, u.name AS user_name FROM tokens t JOIN users u ON u.id = t.user_id"
                " WHERE u.name = ? ORDER BY t.created_at, t.id",
                (user_name,),
            ).fetchall()
        return [_to_token(r) for r in rows]

    def revoke_token(self, user_name: str, token_id: str) -> None:
        """Revoke one of the user's tokens, by id or by its secret; NotFound otherwise."""
        with self._transaction() as conn:
            deleted = conn.execute(
                "DELETE FROM tokens WHERE user_id = (SELECT id FROM users WHERE name = ?)"
                " AND (id = ? OR secret_hash = ?)",
                (user_name, token_id, _digest(token_id)),
            ).rowcount
        if not deleted:
            raise NotFound(f"token {token_id!r} not found")

    def revoke_all_tokens(self, user_name: str) -> int:
        """Revoke every token of the user; the number revoked."""
        with self._transaction() as conn:
            row = self._require(conn, user_name)
            return int(conn.execute("DELETE FROM tokens WHERE user_id = ?", (row["id"],)).rowcount)

    def user_for_token(self, secret: str) -> User | None:
        if not isinstance(secret, str) or not secret.startswith(TOKEN_PREFIX):
            return None
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT t.id AS token_id, u.* FROM tokens t JOIN users u ON u.id = t.user_id"
                " WHERE t.secret_hash = ? AND u.disabled_at IS NULL",
                (_digest(secret),),
            ).fetchone()
            if row is None:
                return None
            conn.execute(
                "UPDATE tokens SET last_used_at = ? WHERE id = ?", (self._now(), row["token_id"])
            )
        return _to_user(row)

    # ------------------------------------------------------------------ browser sessions

    def create_session(self, user_name: str) -> tuple[str, WebSession]:
        """A new session: (the id for the cookie, shown only here; the session)."""
        session_id = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = self._now()
        with self._transaction() as conn:
            row = self._require(conn, user_name)
            if row["disabled_at"] is not None:
                raise InputError(repr(row["name"]), "the account is disabled")
            conn.execute(
                "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen)"
                " VALUES (?, ?, ?, ?, ?)",
                (_digest(session_id), row["id"], csrf, now, now),
            )
        return session_id, WebSession(_to_user(row), csrf, now)

    def session(self, session_id: str) -> WebSession | None:
        """The live session for this cookie value; None when unknown, ended or expired (idle
        for SESSION_LIFETIME_S, or signed in more than SESSION_MAX_AGE_S ago)."""
        if not isinstance(session_id, str) or not session_id:
            return None
        now = self._now()
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT s.id_hash, s.csrf_token, s.created_at AS session_created, s.last_seen,"
                " u.* FROM sessions s JOIN users u ON u.id = s.user_id"
                " WHERE s.id_hash = ? AND u.disabled_at IS NULL",
                (_digest(session_id),),
            ).fetchone()
            if row is None:
                return None
            idle = now - row["last_seen"] > SESSION_LIFETIME_S
            if idle or now - row["session_created"] > SESSION_MAX_AGE_S:
                conn.execute("DELETE FROM sessions WHERE id_hash = ?", (row["id_hash"],))
                return None
            if now - row["last_seen"] > SESSION_TOUCH_S:
                conn.execute(
                    "UPDATE sessions SET last_seen = ? WHERE id_hash = ?", (now, row["id_hash"])
                )
        return WebSession(_to_user(row), row["csrf_token"], row["session_created"])

    def end_session(self, session_id: str) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM sessions WHERE id_hash = ?", (_digest(session_id),))


def _to_user(row: sqlite3.Row) -> User:
    return User(row["name"], row["created_at"], row["id"], row["disabled_at"] is not None)


def _to_token(row: sqlite3.Row) -> ApiToken:
    return ApiToken(
        id=row["id"],
        user_name=row["user_name"],
        label=row["label"],
        hint=row["hint"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
    )
