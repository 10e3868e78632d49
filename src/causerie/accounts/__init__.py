"""Accounts for the web server and the HTTP API: users, API tokens, browser sessions.

    accounts = AccountStore(settings.home / "accounts.sqlite3")
    accounts.create_user("alice", "a long passphrase")
    token = accounts.create_token("alice", "laptop")     # token.secret is shown once
    accounts.user_for_token(token.secret)                # -> User("alice") or None

A user's notebooks belong to `Owner(user.name)`: `causerie --user alice add notes.md` and
alice in the browser see the same notebook. Passwords are argon2id hashes; tokens and session
ids are random and stored only as SHA-256 hashes, so a copy of the file opens no account.
"""

from causerie.accounts.passwords import MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, check_password
from causerie.accounts.store import (
    TOKEN_PREFIX,
    AccountStore,
    ApiToken,
    NewToken,
    User,
    WebSession,
    check_username,
)

__all__ = [
    "MAX_PASSWORD_CHARS",
    "MIN_PASSWORD_CHARS",
    "TOKEN_PREFIX",
    "AccountStore",
    "ApiToken",
    "NewToken",
    "User",
    "WebSession",
    "check_password",
    "check_username",
]
