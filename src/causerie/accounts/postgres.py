"""PostgresAccountStore: the AccountStore Protocol (causerie.accounts.base) in PostgreSQL, so
that any number of `causerie serve` processes, on any machines, share users, API tokens and
browser sessions (a session opened through one process is valid on every other).

The same rules as SQLiteAccountStore (causerie.accounts.store, which explains them): names
compare without regard to case (a unique index on lower(name)); tokens and sessions are bound
to the account's immutable id; passwords are argon2id hashes, tokens and session ids stored
only as SHA-256 hashes. On PostgreSQL the accounts live in the same database as the notebooks
(their own tables), since every web process needs them; grant that database to Causerie only.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

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
from causerie.postgres.db import Database, Steps

COMPONENT = "causerie.accounts"
STEPS: Steps = (
    (
        """CREATE TABLE users (
            id            TEXT PRIMARY KEY,
            name          TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            created_at    DOUBLE PRECISION NOT NULL,
            disabled_at   DOUBLE PRECISION
        )""",
        "CREATE UNIQUE INDEX users_by_name ON users (lower(name))",
        """CREATE TABLE tokens (
            id           TEXT PRIMARY KEY,
            user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            label        TEXT NOT NULL,
            hint         TEXT NOT NULL,
            secret_hash  TEXT NOT NULL UNIQUE,
            created_at   DOUBLE PRECISION NOT NULL,
            last_used_at DOUBLE PRECISION
        )""",
        """CREATE TABLE sessions (
            id_hash    TEXT PRIMARY KEY,
            user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            csrf_token TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL,
            last_seen  DOUBLE PRECISION NOT NULL
        )""",
        "CREATE INDEX tokens_by_user ON tokens (user_id)",
        "CREATE INDEX sessions_by_user ON sessions (user_id)",
    ),
)

Conn = Any  # psycopg.Connection[dict[str, Any]]


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class PostgresAccountStore:
    """The AccountStore Protocol on PostgreSQL. `clock`: as in SQLiteAccountStore."""

    def __init__(
        self, url: str, *, clock: Callable[[], float] | None = None, pool_size: int = 4
    ) -> None:
        self._clock = clock
        self.db = Database(url, max_size=pool_size)
        self.db.migrate(COMPONENT, STEPS)

    def _now(self) -> float:
        return self._clock() if self._clock is not None else time.time()

    @contextmanager
    def _transaction(self) -> Iterator[Conn]:
        with self.db.transaction() as conn:
            yield conn

    def close(self) -> None:
        self.db.close()

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
            if only_if_first:  # two web processes' /setup at once: one first account
                conn.execute("SELECT pg_advisory_xact_lock(hashtext('causerie.first_user'))")
            if only_if_first and conn.execute("SELECT 1 FROM users LIMIT 1").fetchone():
                raise InputError("setup", "an account already exists; sign in instead")
            taken = conn.execute(
                "SELECT name FROM users WHERE lower(name) = lower(%s)", (name,)
            ).fetchone()
            if taken:
                raise InputError(repr(name), f"the user name is taken (by {taken['name']!r})")
            inserted = conn.execute(
                "INSERT INTO users (id, name, password_hash, created_at) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT DO NOTHING",
                (user_id, name, password_hash, now),
            ).rowcount
            if not inserted:  # made by another process meanwhile
                raise InputError(repr(name), "the user name is taken")
        return User(name, now, user_id)

    def get_user(self, name: str) -> User | None:
        with self._transaction() as conn:
            found = conn.execute(
                "SELECT * FROM users WHERE lower(name) = lower(%s)", (name,)
            ).fetchone()
        return _to_user(found) if found else None

    def _require(self, conn: Conn, name: str) -> dict[str, Any]:
        row: dict[str, Any] | None = conn.execute(
            "SELECT * FROM users WHERE lower(name) = lower(%s)", (name,)
        ).fetchone()
        if row is None:
            raise NotFound(f"user {name!r} not found (`causerie users list`)")
        return row

    def list_users(self) -> list[User]:
        with self._transaction() as conn:
            rows = conn.execute("SELECT * FROM users ORDER BY lower(name), name").fetchall()
        return [_to_user(r) for r in rows]

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when the password matches and the account is enabled; None otherwise
        (an unknown name or a disabled account costs as long as a wrong password)."""
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT * FROM users WHERE lower(name) = lower(%s)",
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
                    "UPDATE users SET password_hash = %s WHERE id = %s",
                    (hash_password(password), row["id"]),
                )
        return _to_user(row)

    def set_password(self, name: str, password: str) -> None:
        """A new password; every session of the account ends and every token is revoked."""
        password_hash = hash_password(password)
        with self._transaction() as conn:
            row = self._require(conn, name)
            conn.execute(
                "UPDATE users SET password_hash = %s WHERE id = %s", (password_hash, row["id"])
            )
            self._end_all(conn, row["id"])

    def disable_user(self, name: str) -> User:
        """Disable the account: no sign-in; its sessions end and its tokens are revoked.
        Its notebooks are kept (`enable_user` lets it sign in again)."""
        with self._transaction() as conn:
            row = self._require(conn, name)
            conn.execute(
                "UPDATE users SET disabled_at = %s WHERE id = %s AND disabled_at IS NULL",
                (self._now(), row["id"]),
            )
            self._end_all(conn, row["id"])
        return User(row["name"], row["created_at"], row["id"], disabled=True)

    def enable_user(self, name: str) -> User:
        with self._transaction() as conn:
            row = self._require(conn, name)
            if row["name"].lower() in RESERVED_NAMES:
                raise InputError(repr(row["name"]), "is a reserved name; it stays disabled")
            conn.execute("UPDATE users SET disabled_at = NULL WHERE id = %s", (row["id"],))
        return User(row["name"], row["created_at"], row["id"])

    def delete_user(self, name: str) -> User:
        """Delete the account with its tokens and sessions (its notebooks are the caller's
        to delete: they live in the notebook store). NotFound when there is no such user."""
        with self._transaction() as conn:
            row = self._require(conn, name)
            self._end_all(conn, row["id"])
            conn.execute("DELETE FROM users WHERE id = %s", (row["id"],))
        return _to_user(row)

    @staticmethod
    def _end_all(conn: Conn, user_id: str) -> None:
        conn.execute("DELETE FROM sessions WHERE user_id = %s", (user_id,))
        conn.execute("DELETE FROM tokens WHERE user_id = %s", (user_id,))

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
                " VALUES (%s, %s, %s, %s, %s, %s)",
                (token_id, user["id"], label, secret[:7], _digest(secret), now),
            )
        return NewToken(ApiToken(token_id, user["name"], label, secret[:7], now, None), secret)

    def list_tokens(self, user_name: str) -> list[ApiToken]:
        with self._transaction() as conn:
            rows = conn.execute(
                "SELECT t.*, u.name AS user_name FROM tokens t JOIN users u ON u.id = t.user_id"
                " WHERE lower(u.name) = lower(%s) ORDER BY t.created_at, t.id",
                (user_name,),
            ).fetchall()
        return [_to_token(r) for r in rows]

    def revoke_token(self, user_name: str, token_id: str) -> None:
        """Revoke one of the user's tokens, by id or by its secret; NotFound otherwise."""
        with self._transaction() as conn:
            deleted = conn.execute(
                "DELETE FROM tokens WHERE user_id ="
                " (SELECT id FROM users WHERE lower(name) = lower(%s))"
                " AND (id = %s OR secret_hash = %s)",
                (user_name, token_id, _digest(token_id)),
            ).rowcount
        if not deleted:
            raise NotFound(f"token {token_id!r} not found")

    def revoke_all_tokens(self, user_name: str) -> int:
        """Revoke every token of the user; the number revoked."""
        with self._transaction() as conn:
            row = self._require(conn, user_name)
            return int(conn.execute("DELETE FROM tokens WHERE user_id = %s", (row["id"],)).rowcount)

    def user_for_token(self, secret: str) -> User | None:
        if not isinstance(secret, str) or not secret.startswith(TOKEN_PREFIX):
            return None
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT t.id AS token_id, u.* FROM tokens t JOIN users u ON u.id = t.user_id"
                " WHERE t.secret_hash = %s AND u.disabled_at IS NULL",
                (_digest(secret),),
            ).fetchone()
            if row is None:
                return None
            conn.execute(
                "UPDATE tokens SET last_used_at = %s WHERE id = %s", (self._now(), row["token_id"])
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
                " VALUES (%s, %s, %s, %s, %s)",
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
                " WHERE s.id_hash = %s AND u.disabled_at IS NULL",
                (_digest(session_id),),
            ).fetchone()
            if row is None:
                return None
            idle = now - row["last_seen"] > SESSION_LIFETIME_S
            if idle or now - row["session_created"] > SESSION_MAX_AGE_S:
                conn.execute("DELETE FROM sessions WHERE id_hash = %s", (row["id_hash"],))
                return None
            if now - row["last_seen"] > SESSION_TOUCH_S:
                conn.execute(
                    "UPDATE sessions SET last_seen = %s WHERE id_hash = %s", (now, row["id_hash"])
                )
        return WebSession(_to_user(row), row["csrf_token"], row["session_created"])

    def end_session(self, session_id: str) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM sessions WHERE id_hash = %s", (_digest(session_id),))


def _to_user(row: dict[str, Any]) -> User:
    return User(row["name"], row["created_at"], row["id"], row["disabled_at"] is not None)


def _to_token(row: dict[str, Any]) -> ApiToken:
    return ApiToken(
        id=row["id"],
        user_name=row["user_name"],
        label=row["label"],
        hint=row["hint"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
    )
