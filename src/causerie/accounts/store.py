"""AccountStore: users, API tokens and browser sessions in one small SQLite file.

Why a file of its own (`$CAUSERIE_HOME/accounts.sqlite3`) and not tables in the notebook
database: credentials stay apart from content (the notebook database can be copied, shared or
moved to PostgreSQL without carrying password hashes), and the Store protocol stays about owned
content only. The link between the two is the user name: a user's rows there belong to
`Owner(user.name)`.

Secrets: passwords are argon2id hashes; API tokens (`cz_...`) and session ids are 256-bit random
values stored only as SHA-256 hashes (high-entropy secrets need no slow hash), so neither can be
read back. Thread safety: one connection guarded by one lock.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from causerie.accounts.passwords import hash_password, needs_rehash, verify_password
from causerie.errors import InputError, NotFound, StoreError
from causerie.sqlite_transaction import write_transaction
from causerie.types import Owner

ACCOUNTS_FILE = "accounts.sqlite3"  # in the data folder, beside the notebook database
TOKEN_PREFIX = "cz_"
SESSION_LIFETIME_S = 14 * 24 * 3600  # a session unused this long ends
SESSION_TOUCH_S = 300  # last_seen is written at most this often
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name          TEXT PRIMARY KEY COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    created_at    REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    id           TEXT PRIMARY KEY,
    user_name    TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    label        TEXT NOT NULL,
    hint         TEXT NOT NULL,
    secret_hash  TEXT NOT NULL UNIQUE,
    created_at   REAL NOT NULL,
    last_used_at REAL
);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash    TEXT PRIMARY KEY,
    user_name  TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at REAL NOT NULL,
    last_seen  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS tokens_by_user ON tokens(user_name);
CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions(user_name);
"""


@dataclass(frozen=True, slots=True)
class User:
    name: str
    created_at: float

    @property
    def owner(self) -> Owner:
        return Owner(self.name)


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A token as listed: never its secret, only a hint (its first characters)."""

    id: str
    user_name: str
    label: str
    hint: str
    created_at: float
    last_used_at: float | None


@dataclass(frozen=True, slots=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once, at creation


@dataclass(frozen=True, slots=True)
class WebSession:
    user: User
    csrf_token: str
    created_at: float


def check_username(name: str) -> str:
    """The name, stripped; InputError naming it unless it is 1-64 letters, digits, . _ @ -."""
    if not isinstance(name, str):
        raise InputError("user name", "must be text")
    stripped = name.strip()
    if not _USERNAME.match(stripped):
        raise InputError(
            repr(name),
            "is not a valid user name (1 to 64 characters: letters, digits, '.', '_', '@', '-';"
            " starting with a letter or digit)",
        )
    return stripped


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class AccountStore:
    @classmethod
    def in_folder(cls, home: str | Path) -> AccountStore:
        """The accounts file of a data folder ($CAUSERIE_HOME)."""
        return cls(Path(home) / ACCOUNTS_FILE)

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        try:
            self._conn = sqlite3.connect(
                self.path, check_same_thread=False, isolation_level=None, timeout=10
            )
            self._conn.row_factory = sqlite3.Row
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: {exc}") from exc

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
        now = time.time()
        with self._transaction() as conn:
            if only_if_first and conn.execute("SELECT 1 FROM users LIMIT 1").fetchone():
                raise InputError("setup", "an account already exists; sign in instead")
            taken = conn.execute("SELECT name FROM users WHERE name = ?", (name,)).fetchone()
            if taken:
                raise InputError(repr(name), f"the user name is taken (by {taken['name']!r})")
            conn.execute(
                "INSERT INTO users (name, password_hash, created_at) VALUES (?, ?, ?)",
                (name, password_hash, now),
            )
        return User(name, now)

    def get_user(self, name: str) -> User | None:
        with self._transaction() as conn:
            row = conn.execute("SELECT name, created_at FROM users WHERE name = ?", (name,))
            found = row.fetchone()
        return User(found["name"], found["created_at"]) if found else None

    def list_users(self) -> list[User]:
        with self._transaction() as conn:
            rows = conn.execute("SELECT name, created_at FROM users ORDER BY name").fetchall()
        return [User(r["name"], r["created_at"]) for r in rows]

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when the password matches; None otherwise (an unknown name costs as long)."""
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT name, password_hash, created_at FROM users WHERE name = ?",
                (name.strip() if isinstance(name, str) else "",),
            ).fetchone()
        if not verify_password(row["password_hash"] if row else None, password):
            return None
        assert row is not None
        if needs_rehash(row["password_hash"]):
            self.set_password(row["name"], password)
        return User(row["name"], row["created_at"])

    def set_password(self, name: str, password: str) -> None:
        password_hash = hash_password(password)
        with self._transaction() as conn:
            changed = conn.execute(
                "UPDATE users SET password_hash = ? WHERE name = ?", (password_hash, name)
            ).rowcount
            if not changed:
                raise NotFound(f"user {name!r} not found")
            conn.execute("DELETE FROM sessions WHERE user_name = ?", (name,))

    # ------------------------------------------------------------------ API tokens

    def create_token(self, user_name: str, label: str = "") -> NewToken:
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        label = (label or "").strip()[:100]
        now = time.time()
        token_id = uuid.uuid4().hex[:16]
        with self._transaction() as conn:
            user = conn.execute("SELECT name FROM users WHERE name = ?", (user_name,)).fetchone()
            if user is None:
                raise NotFound(f"user {user_name!r} not found (`causerie users list`)")
            conn.execute(
                "INSERT INTO tokens (id, user_name, label, hint, secret_hash, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (token_id, user["name"], label, secret[:7], _digest(secret), now),
            )
        return NewToken(ApiToken(token_id, user["name"], label, secret[:7], now, None), secret)

    def list_tokens(self, user_name: str) -> list[ApiToken]:
        with self._transaction() as conn:
            rows = conn.execute(
                "SELECT * FROM tokens WHERE user_name = ? ORDER BY created_at, id", (user_name,)
            ).fetchall()
        return [_to_token(r) for r in rows]

    def revoke_token(self, user_name: str, token_id: str) -> None:
        """Revoke one of the user's tokens, by id or by its secret; NotFound otherwise."""
        with self._transaction() as conn:
            deleted = conn.execute(
                "DELETE FROM tokens WHERE user_name = ? AND (id = ? OR secret_hash = ?)",
                (user_name, token_id, _digest(token_id)),
            ).rowcount
        if not deleted:
            raise NotFound(f"token {token_id!r} not found")

    def user_for_token(self, secret: str) -> User | None:
        if not isinstance(secret, str) or not secret.startswith(TOKEN_PREFIX):
            return None
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT t.id, u.name, u.created_at FROM tokens t JOIN users u"
                " ON u.name = t.user_name WHERE t.secret_hash = ?",
                (_digest(secret),),
            ).fetchone()
            if row is None:
                return None
            conn.execute("UPDATE tokens SET last_used_at = ? WHERE id = ?", (time.time(), row[0]))
        return User(row["name"], row["created_at"])

    # ------------------------------------------------------------------ browser sessions

    def create_session(self, user_name: str) -> tuple[str, WebSession]:
        """A new session: (the id for the cookie, shown only here; the session)."""
        session_id = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = time.time()
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT name, created_at FROM users WHERE name = ?", (user_name,)
            ).fetchone()
            if row is None:
                raise NotFound(f"user {user_name!r} not found")
            conn.execute(
                "INSERT INTO sessions (id_hash, user_name, csrf_token, created_at, last_seen)"
                " VALUES (?, ?, ?, ?, ?)",
                (_digest(session_id), row["name"], csrf, now, now),
            )
        return session_id, WebSession(User(row["name"], row["created_at"]), csrf, now)

    def session(self, session_id: str) -> WebSession | None:
        """The live session for this cookie value; None when unknown, ended or expired."""
        if not isinstance(session_id, str) or not session_id:
            return None
        now = time.time()
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT s.id_hash, s.csrf_token, s.created_at, s.last_seen, u.name,"
                " u.created_at AS user_created FROM sessions s JOIN users u"
                " ON u.name = s.user_name WHERE s.id_hash = ?",
                (_digest(session_id),),
            ).fetchone()
            if row is None:
                return None
            if now - row["last_seen"] > SESSION_LIFETIME_S:
                conn.execute("DELETE FROM sessions WHERE id_hash = ?", (row["id_hash"],))
                return None
            if now - row["last_seen"] > SESSION_TOUCH_S:
                conn.execute(
                    "UPDATE sessions SET last_seen = ? WHERE id_hash = ?", (now, row["id_hash"])
                )
        user = User(row["name"], row["user_created"])
        return WebSession(user, row["csrf_token"], row["created_at"])

    def end_session(self, session_id: str) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM sessions WHERE id_hash = ?", (_digest(session_id),))


def _to_token(row: sqlite3.Row) -> ApiToken:
    return ApiToken(
        id=row["id"],
        user_name=row["user_name"],
        label=row["label"],
        hint=row["hint"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
    )
