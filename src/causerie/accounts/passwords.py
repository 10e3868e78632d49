"""Password policy and argon2id hashing (argon2-cffi's recommended parameters)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from causerie.errors import InputError

MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 1024  # argon2 takes any length; this bounds the work a request can ask for

_HASHER = PasswordHasher()
# Verified when a user does not exist, so that a wrong name costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


def check_password(password: str) -> None:
    """InputError('password', ...) unless the password is acceptable."""
    if not isinstance(password, str):
        raise InputError("password", "must be text")
    if len(password) < MIN_PASSWORD_CHARS:
        raise InputError(
            "password", f"is too short ({len(password)} characters; at least {MIN_PASSWORD_CHARS})"
        )
    if len(password) > MAX_PASSWORD_CHARS:
        raise InputError("password", f"is too long (at most {MAX_PASSWORD_CHARS} characters)")
    if not password.strip():
        raise InputError("password", "is only spaces")


def hash_password(password: str) -> str:
    check_password(password)
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; a None hash (no such user) still costs one verification."""
    if not isinstance(password, str) or len(password) > MAX_PASSWORD_CHARS:
        return False
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _HASHER.check_needs_rehash(password_hash)
