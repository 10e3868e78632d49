"""The AccountStore contract: one suite that every accounts backend must pass.

A backend's test module subclasses the mixin and provides a `make_accounts` fixture: a function
that opens the backend on a fresh, empty database, reading time from `clock` when given (called
twice, it must give two handles on the same database: a server and its restart):

    class TestSQLiteAccountStore(AccountStoreContract):
        @pytest.fixture
        def make_accounts(self, tmp_path):
            opened = []
            def make(clock=None):
                opened.append(SQLiteAccountStore.in_folder(tmp_path, clock=clock))
                return opened[-1]
            yield make
            for accounts in opened:
                accounts.close()

What it pins down:
- users: create, get, list (by name); names are stripped, checked (1-64 letters, digits,
  . _ @ -), unique whatever their case, and `local` (the CLI's owner) is reserved; a weak
  password is refused before anything is written; `only_if_first` (the /setup page) refuses
  once an account exists; has_users;
- authenticate: the right password of an enabled account only; unknown, wrong and disabled
  all answer None;
- set_password, disable_user and delete_user end every session and revoke every token of the
  account; a disabled account gets no token nor session, enable_user lets it sign in again
  (its old tokens stay revoked); a name made again after a delete is a new account (the old
  token and session do not open it); NotFound names an unknown user;
- tokens: `cz_` secrets shown once, listed with a hint only, oldest first; using one records
  it; revoked by id or by secret, one or all; another user's token is NotFound;
- sessions: an id and a CSRF token of their own; looked up, ended; they end when idle for
  SESSION_LIFETIME_S, and SESSION_MAX_AGE_S after sign-in even in constant use;
- a second handle on the same database sees the same accounts.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from causerie.accounts.base import (
    SESSION_LIFETIME_S,
    SESSION_MAX_AGE_S,
    TOKEN_PREFIX,
    AccountStore,
)
from causerie.accounts.passwords import MIN_PASSWORD_CHARS
from causerie.errors import InputError, NotFound

PASSWORD = "a long enough passphrase"
OTHER_PASSWORD = "another long passphrase"
DAY = 24 * 3600.0

MakeAccounts = Callable[..., AccountStore]


class Clock:
    """A clock a test moves by hand (seconds since the epoch)."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class AccountStoreContract:
    @pytest.fixture
    def clock(self) -> Clock:
        return Clock()

    @pytest.fixture
    def accounts(self, make_accounts: MakeAccounts, clock: Clock) -> AccountStore:
        return make_accounts(clock=clock)

    # ----------------------------------------------------------------- users

    def test_create_get_and_list_users(self, accounts: AccountStore, clock: Clock) -> None:
        assert not accounts.has_users() and accounts.list_users() == []
        bob = accounts.create_user("  bob ", PASSWORD)
        alice = accounts.create_user("alice", PASSWORD)
        assert accounts.has_users()
        assert (alice.name, alice.disabled, alice.created_at) == ("alice", False, clock.now)
        assert alice.id and alice.id != bob.id and bob.name == "bob"
        assert alice.owner.id == "alice"
        assert accounts.list_users() == [alice, bob]
        assert accounts.get_user("alice") == alice
        assert accounts.get_user("ALICE") == alice  # names compare without case
        assert accounts.get_user("carol") is None

    @pytest.mark.parametrize("name", ["", " ", "../etc", "a b", "x" * 65, "-dash", "é"])
    def test_bad_names_are_refused_naming_them(self, accounts: AccountStore, name: str) -> None:
        with pytest.raises(InputError, match="not a valid user name") as caught:
            accounts.create_user(name, PASSWORD)
        assert repr(name) in str(caught.value)
        assert accounts.list_users() == []

    @pytest.mark.parametrize("name", ["local", "LOCAL", " Local "])
    def test_the_cli_owner_name_is_reserved(self, accounts: AccountStore, name: str) -> None:
        with pytest.raises(InputError, match="reserved"):
            accounts.create_user(name, PASSWORD)
        assert not accounts.has_users()

    def test_names_are_unique_whatever_their_case(self, accounts: AccountStore) -> None:
        accounts.create_user("Alice", PASSWORD)
        with pytest.raises(InputError, match="taken"):
            accounts.create_user("alice", OTHER_PASSWORD)
        assert [u.name for u in accounts.list_users()] == ["Alice"]
        assert accounts.authenticate("Alice", OTHER_PASSWORD) is None

    @pytest.mark.parametrize(
        ("password", "problem"),
        [("short", f"at least {MIN_PASSWORD_CHARS}"), (" " * 12, "only spaces"),
         ("x" * 2000, "too long")],
    )  # fmt: skip
    def test_weak_passwords_are_refused_before_any_write(
        self, accounts: AccountStore, password: str, problem: str
    ) -> None:
        with pytest.raises(InputError, match=problem) as caught:
            accounts.create_user("alice", password)
        assert caught.value.input_name == "password"
        assert not accounts.has_users()

    def test_only_if_first_refuses_once_an_account_exists(self, accounts: AccountStore) -> None:
        accounts.create_user("alice", PASSWORD, only_if_first=True)
        with pytest.raises(InputError, match="already exists"):
            accounts.create_user("mallory", PASSWORD, only_if_first=True)
        assert [u.name for u in accounts.list_users()] == ["alice"]

    def test_authenticate_only_the_right_password_of_an_enabled_account(
        self, accounts: AccountStore
    ) -> None:
        alice = accounts.create_user("alice", PASSWORD)
        assert accounts.authenticate("alice", PASSWORD) == alice
        assert accounts.authenticate(" alice ", PASSWORD) == alice
        assert accounts.authenticate("alice", PASSWORD + "x") is None
        assert accounts.authenticate("alice", "") is None
        assert accounts.authenticate("nobody", PASSWORD) is None
        accounts.disable_user("alice")
        assert accounts.authenticate("alice", PASSWORD) is None

    def test_unknown_users_are_not_found_by_name(self, accounts: AccountStore) -> None:
        calls: list[Callable[[], object]] = [
            lambda: accounts.set_password("ghost", PASSWORD),
            lambda: accounts.disable_user("ghost"),
            lambda: accounts.enable_user("ghost"),
            lambda: accounts.delete_user("ghost"),
            lambda: accounts.create_token("ghost", "x"),
            lambda: accounts.revoke_all_tokens("ghost"),
            lambda: accounts.create_session("ghost"),
        ]
        for call in calls:
            with pytest.raises(NotFound, match="ghost"):
                call()
        assert accounts.list_tokens("ghost") == []

    # ------------------------------------------------------ what ends sessions and tokens

    def _signed_in(self, accounts: AccountStore, name: str) -> tuple[str, str]:
        """(a token secret, a session id) of a new account `name`."""
        accounts.create_user(name, PASSWORD)
        token = accounts.create_token(name, "laptop").secret
        session_id, _ = accounts.create_session(name)
        assert accounts.user_for_token(token) is not None
        assert accounts.session(session_id) is not None
        return token, session_id

    def test_a_new_password_ends_sessions_and_revokes_tokens(self, accounts: AccountStore) -> None:
        token, session_id = self._signed_in(accounts, "alice")
        bob_token, bob_session = self._signed_in(accounts, "bob")
        accounts.set_password("alice", OTHER_PASSWORD)
        assert accounts.user_for_token(token) is None and accounts.session(session_id) is None
        assert accounts.list_tokens("alice") == []
        assert accounts.authenticate("alice", PASSWORD) is None
        assert accounts.authenticate("alice", OTHER_PASSWORD) is not None
        assert accounts.user_for_token(bob_token) is not None  # nobody else's
        assert accounts.session(bob_session) is not None
        with pytest.raises(InputError):
            accounts.set_password("alice", "short")
        assert accounts.authenticate("alice", OTHER_PASSWORD) is not None

    def test_disable_ends_everything_and_enable_lets_sign_in_again(
        self, accounts: AccountStore
    ) -> None:
        token, session_id = self._signed_in(accounts, "alice")
        disabled = accounts.disable_user("alice")
        assert disabled.disabled and disabled.name == "alice"
        assert accounts.get_user("alice") == disabled
        assert accounts.user_for_token(token) is None and accounts.session(session_id) is None
        assert accounts.list_tokens("alice") == []
        with pytest.raises(InputError, match="disabled"):
            accounts.create_token("alice", "new")
        with pytest.raises(InputError, match="disabled"):
            accounts.create_session("alice")
        assert accounts.disable_user("alice").disabled  # again: no error
        enabled = accounts.enable_user("alice")
        assert not enabled.disabled and enabled.id == disabled.id
        assert accounts.authenticate("alice", PASSWORD) == enabled
        assert accounts.user_for_token(token) is None  # the old token stays revoked
        assert accounts.session(accounts.create_session("alice")[0]) is not None

    def test_delete_ends_everything_and_a_name_made_again_is_a_new_account(
        self, accounts: AccountStore
    ) -> None:
        token, session_id = self._signed_in(accounts, "alice")
        first = accounts.get_user("alice")
        deleted = accounts.delete_user("ALICE")
        assert deleted == first
        assert accounts.get_user("alice") is None and not accounts.has_users()
        assert accounts.user_for_token(token) is None and accounts.session(session_id) is None
        again = accounts.create_user("alice", OTHER_PASSWORD)
        assert first is not None and again.id != first.id
        assert accounts.user_for_token(token) is None and accounts.session(session_id) is None
        assert accounts.list_tokens("alice") == []
        assert accounts.authenticate("alice", PASSWORD) is None

    # ----------------------------------------------------------------- API tokens

    def test_tokens_are_shown_once_and_listed_with_a_hint(
        self, accounts: AccountStore, clock: Clock
    ) -> None:
        accounts.create_user("alice", PASSWORD)
        first = accounts.create_token("alice", "  laptop ")
        clock.advance(1)
        second = accounts.create_token("alice", "x" * 300)
        assert first.secret.startswith(TOKEN_PREFIX) and len(first.secret) > 40
        assert first.secret != second.secret
        assert first.token.label == "laptop" and len(second.token.label) == 100
        assert first.token.user_name == "alice" and first.token.last_used_at is None
        listed = accounts.list_tokens("alice")
        assert [t.id for t in listed] == [first.token.id, second.token.id]
        assert listed[0] == first.token
        assert all(t.hint == s[: len(t.hint)] and len(t.hint) < 12
                   for t, s in zip(listed, (first.secret, second.secret), strict=True))  # fmt: skip
        assert first.secret not in repr(listed)

    def test_a_token_opens_its_account_and_its_use_is_recorded(
        self, accounts: AccountStore, clock: Clock
    ) -> None:
        alice = accounts.create_user("alice", PASSWORD)
        new = accounts.create_token("alice")
        clock.advance(60)
        assert accounts.user_for_token(new.secret) == alice
        assert accounts.list_tokens("alice")[0].last_used_at == clock.now
        for wrong in (new.secret + "x", new.secret[len(TOKEN_PREFIX) :], "", TOKEN_PREFIX):
            assert accounts.user_for_token(wrong) is None

    def test_revoke_by_id_or_secret_one_or_all(self, accounts: AccountStore) -> None:
        accounts.create_user("alice", PASSWORD)
        accounts.create_user("bob", PASSWORD)
        by_id, by_secret, kept = (accounts.create_token("alice", n) for n in ("a", "b", "c"))
        bobs = accounts.create_token("bob")
        with pytest.raises(NotFound):
            accounts.revoke_token("bob", by_id.token.id)  # not bob's
        with pytest.raises(NotFound):
            accounts.revoke_token("alice", bobs.token.id)
        with pytest.raises(NotFound):
            accounts.revoke_token("alice", "0" * 16)
        accounts.revoke_token("alice", by_id.token.id)
        accounts.revoke_token("alice", by_secret.secret)
        assert accounts.user_for_token(by_id.secret) is None
        assert accounts.user_for_token(by_secret.secret) is None
        assert [t.id for t in accounts.list_tokens("alice")] == [kept.token.id]
        with pytest.raises(NotFound):
            accounts.revoke_token("alice", by_id.token.id)  # already revoked
        accounts.create_token("alice", "d")
        assert accounts.revoke_all_tokens("alice") == 2
        assert accounts.revoke_all_tokens("alice") == 0
        assert accounts.list_tokens("alice") == [] and accounts.user_for_token(kept.secret) is None
        assert accounts.user_for_token(bobs.secret) is not None

    # ----------------------------------------------------------------- browser sessions

    def test_sessions_are_created_looked_up_and_ended(
        self, accounts: AccountStore, clock: Clock
    ) -> None:
        alice = accounts.create_user("alice", PASSWORD)
        first, session = accounts.create_session("alice")
        second, other = accounts.create_session("ALICE")
        assert first != second and len(first) >= 32
        assert session.user == alice and session.created_at == clock.now
        assert session.csrf_token and session.csrf_token not in (first, other.csrf_token)
        assert accounts.session(first) == session
        accounts.end_session(first)
        assert accounts.session(first) is None
        assert accounts.session(second) == other
        accounts.end_session(first)  # again: no error
        accounts.end_session("no such session")
        for unknown in ("", "x" * 43, first + "x"):
            assert accounts.session(unknown) is None

    def test_an_idle_session_ends(self, accounts: AccountStore, clock: Clock) -> None:
        accounts.create_user("alice", PASSWORD)
        session_id, _ = accounts.create_session("alice")
        clock.advance(SESSION_LIFETIME_S - DAY)
        assert accounts.session(session_id) is not None  # used: no longer idle
        clock.advance(SESSION_LIFETIME_S - DAY)
        assert accounts.session(session_id) is not None
        clock.advance(SESSION_LIFETIME_S + 60)
        assert accounts.session(session_id) is None
        clock.now -= SESSION_LIFETIME_S + 60
        assert accounts.session(session_id) is None  # it ended for good

    def test_a_session_in_constant_use_ends_at_its_maximum_age(
        self, accounts: AccountStore, clock: Clock
    ) -> None:
        accounts.create_user("alice", PASSWORD)
        session_id, session = accounts.create_session("alice")
        while clock.now + 10 * DAY < session.created_at + SESSION_MAX_AGE_S:
            clock.advance(10 * DAY)  # used every ten days: never idle for long
            assert accounts.session(session_id) is not None
        clock.now = session.created_at + SESSION_MAX_AGE_S + 60
        assert accounts.session(session_id) is None

    # ----------------------------------------------------------------- durability

    def test_a_second_handle_sees_the_same_accounts(
        self, make_accounts: MakeAccounts, accounts: AccountStore
    ) -> None:
        alice = accounts.create_user("alice", PASSWORD)
        token = accounts.create_token("alice").secret
        session_id, _ = accounts.create_session("alice")
        restarted = make_accounts()
        assert restarted.list_users() == [alice]
        assert restarted.user_for_token(token) == alice
        assert restarted.session(session_id) is not None
        restarted.disable_user("alice")
        assert accounts.user_for_token(token) is None
