"""The AccountStore Protocol: what the web server and the CLI ask of the accounts backend.

    accounts = open_accounts(settings)              # causerie.backends; SQLite by default
    accounts.create_user("alice", "a long passphrase")
    token = accounts.create_token("alice", "laptop")     # token.secret is shown once
    accounts.user_for_token(token.secret)                # -> User("alice") or None

The values (User, ApiToken, NewToken, WebSession), the name rule (`check_username`) and the
session lifetimes live here, so that every backend keeps the same rules; the behaviour every
backend must show is pinned by the contract suite `causerie.testing.accounts_contract`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from causerie.errors import InputError
from causerie.types import LOCAL_OWNER, Owner

TOKEN_PREFIX = "cz_"
SESSION_LIFETIME_S = 14 * 24 * 3600  # a session unused this long ends
SESSION_MAX_AGE_S = 30 * 24 * 3600  # and any session ends this long after sign-in
SESSION_TOUCH_S = 300  # last_seen is written at most this often
RESERVED_NAMES = frozenset({LOCAL_OWNER.id.lower()})  # the CLI's owner without --user
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


@dataclass(frozen=True, slots=True)
class User:
    name: str
    created_at: float
    id: str = ""  # immutable; tokens and sessions are bound to it
    disabled: bool = False

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
    """The name, stripped; InputError naming it unless it is 1-64 letters, digits, . _ @ -
    and not a reserved name."""
    if not isinstance(name, str):
        raise InputError("user name", "must be text")
    stripped = name.strip()
    if not _USERNAME.match(stripped):
        raise InputError(
            repr(name),
            "is not a valid user name (1 to 64 characters: letters, digits, '.', '_', '@', '-';"
            " starting with a letter or digit)",
        )
    if stripped.lower() in RESERVED_NAMES:
        raise InputError(
            repr(name),
            "is reserved (it owns what the command line adds without --user); choose another",
        )
    return stripped


class AccountStore(Protocol):
    """Users, API tokens and browser sessions. Names compare without regard to case; tokens and
    sessions are bound to the account's immutable id, never to its name. Disabling, deleting or
    a new password ends every session of the account and revokes every token."""

    def has_users(self) -> bool:
        """Whether any account exists (the /setup page is open until one does)."""
        ...

    def create_user(self, name: str, password: str, *, only_if_first: bool = False) -> User:
        """A new account. InputError for a bad or reserved name, a weak password, or a name
        already taken; with only_if_first, InputError too when any account exists."""
        ...

    def get_user(self, name: str) -> User | None: ...

    def list_users(self) -> list[User]:
        """Every account, by name."""
        ...

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when the password matches and the account is enabled; None otherwise."""
        ...

    def set_password(self, name: str, password: str) -> None:
        """A new password; every session ends and every token is revoked. NotFound."""
        ...

    def disable_user(self, name: str) -> User:
        """No sign-in; sessions end, tokens are revoked. NotFound when there is no such user."""
        ...

    def enable_user(self, name: str) -> User:
        """Sign-in again; InputError for a reserved name. NotFound."""
        ...

    def delete_user(self, name: str) -> User:
        """Delete the account with its tokens and sessions (its notebooks are the caller's to
        delete). NotFound when there is no such user."""
        ...

    def create_token(self, user_name: str, label: str = "") -> NewToken:
        """A new API token (`cz_...`), its secret shown only here. NotFound; InputError when
        the account is disabled."""
        ...

    def list_tokens(self, user_name: str) -> list[ApiToken]:
        """The user's tokens, oldest first, without their secrets."""
        ...

    def revoke_token(self, user_name: str, token_id: str) -> None:
        """Revoke one of the user's tokens, by id or by its secret; NotFound otherwise."""
        ...

    def revoke_all_tokens(self, user_name: str) -> int:
        """Revoke every token of the user; the number revoked. NotFound."""
        ...

    def user_for_token(self, secret: str) -> User | None:
        """The enabled user this token belongs to (its use is recorded); None otherwise."""
        ...

    def create_session(self, user_name: str) -> tuple[str, WebSession]:
        """A new browser session: (the id for the cookie, shown only here; the session)."""
        ...

    def session(self, session_id: str) -> WebSession | None:
        """The live session for this cookie value; None when unknown, ended or expired (idle
        for SESSION_LIFETIME_S, or signed in more than SESSION_MAX_AGE_S ago)."""
        ...

    def end_session(self, session_id: str) -> None: ...

    def close(self) -> None: ...
