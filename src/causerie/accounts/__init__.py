"""Accounts for the web server and the HTTP API: users, API tokens, browser sessions.

    accounts = open_accounts(settings)   # causerie.backends: SQLiteAccountStore by default
    accounts.create_user("alice", "a long passphrase")
    token = accounts.create_token("alice", "laptop")     # token.secret is shown once
    accounts.user_for_token(token.secret)                # -> User("alice") or None

A user's notebooks belong to `Owner(user.name)`: `causerie --user alice add notes.md` and
alice in the browser see the same notebook. Passwords are argon2id hashes; tokens and session
ids are random and stored only as SHA-256 hashes, so a copy of the file opens no account.

The AccountStore Protocol and its values are in `base`; `store` is the SQLite backend; the
contract every backend passes is `causerie.testing.accounts_contract`.
"""

from causerie.accounts.base import (
    TOKEN_PREFIX,
    AccountStore,
    ApiToken,
    NewToken,
    User,
    WebSession,
    check_username,
)
from causerie.accounts.passwords import MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, check_password
from causerie.accounts.store import SQLiteAccountStore

__all__ = [
    "MAX_PASSWORD_CHARS",
    "MIN_PASSWORD_CHARS",
    "TOKEN_PREFIX",
    "AccountStore",
    "ApiToken",
    "NewToken",
    "SQLiteAccountStore",
    "User",
    "WebSession",
    "check_password",
    "check_username",
]
