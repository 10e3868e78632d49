"""The PostgreSQL accounts: the AccountStore contract on a real server, plus a session opened
through one handle (one web process) being valid through another."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator

import pytest

if "causerie.testing.accounts_contract" not in sys.modules:
    pytest.register_assert_rewrite("causerie.testing.accounts_contract")

from causerie.accounts.postgres import PostgresAccountStore
from causerie.testing.accounts_contract import PASSWORD, AccountStoreContract


@pytest.fixture
def make_accounts(postgres_url: str) -> Iterator[Callable[..., PostgresAccountStore]]:
    opened: list[PostgresAccountStore] = []

    def make(clock: Callable[[], float] | None = None) -> PostgresAccountStore:
        opened.append(PostgresAccountStore(postgres_url, clock=clock))
        return opened[-1]

    yield make
    for accounts in opened:
        accounts.close()


class TestPostgresAccountStore(AccountStoreContract):
    pass


def test_a_session_from_one_process_is_valid_in_another(
    make_accounts: Callable[..., PostgresAccountStore],
) -> None:
    first, second = make_accounts(), make_accounts()
    first.create_user("alice", PASSWORD)
    cookie, _ = first.create_session("alice")
    assert second.session(cookie) is not None
    second.end_session(cookie)
    assert first.session(cookie) is None


def test_two_processes_racing_for_the_first_account_make_one(
    make_accounts: Callable[..., PostgresAccountStore],
) -> None:
    """/setup on two web processes at once: exactly one first account."""
    import threading

    from causerie.errors import InputError

    handles = [make_accounts() for _ in range(4)]
    outcomes: list[str] = []
    start = threading.Barrier(len(handles))

    def setup(index: int) -> None:
        start.wait()
        try:
            handles[index].create_user(f"admin{index}", PASSWORD, only_if_first=True)
            outcomes.append("made")
        except InputError:
            outcomes.append("refused")

    threads = [threading.Thread(target=setup, args=(i,)) for i in range(len(handles))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["made", "refused", "refused", "refused"]
    assert len(handles[0].list_users()) == 1
