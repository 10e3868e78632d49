"""Password checks under guard: failed sign-ins back off per client and per account, and only
a few argon2 verifications (64 MiB each) run at once.

    guard = LoginGuard()
    wait = guard.retry_after(client_ip, name)   # seconds to wait, or None
    with guard.slot():                          # TooBusy when `max_concurrent` are running
        ok = check_the_password()
    guard.failed(client_ip, name) / guard.succeeded(client_ip, name)

After `free_failures` failures in a row, a key (the client address, or the account name) must
wait `base_delay_s`, then twice as long after each further failure, up to `max_delay_s`. A
success clears the account's and the client's count. While a key waits, even the right password
is answered 429 (Retry-After), so guessing costs time and a correct guess is not revealed. The
counts live in memory (a restart clears them) and are pruned beyond `max_keys`.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass


class TooBusy(Exception):
    """Too many password checks are running; try again in a moment (HTTP 429)."""


@dataclass
class _Failures:
    count: int = 0
    blocked_until: float = 0.0
    last: float = 0.0


class LoginGuard:
    def __init__(
        self,
        free_failures: int = 5,
        base_delay_s: float = 2.0,
        max_delay_s: float = 900.0,
        max_concurrent: int = 2,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if free_failures < 0 or base_delay_s <= 0 or max_concurrent < 1:
            raise ValueError("free_failures >= 0, base_delay_s > 0 and max_concurrent >= 1")
        self.free_failures = free_failures
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.max_keys = max_keys
        self._clock = clock
        self._failures: dict[str, _Failures] = {}
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_concurrent)

    @staticmethod
    def _keys(client: str, account: str) -> tuple[str, str]:
        return f"client:{client}", f"account:{account.strip().lower()}"

    def retry_after(self, client: str, account: str) -> int | None:
        """Whole seconds until this client or account may try again; None: now."""
        now = self._clock()
        with self._lock:
            until = max(
                (self._failures[k].blocked_until for k in self._keys(client, account)
                 if k in self._failures),
                default=0.0,
            )  # fmt: skip
        return max(1, math.ceil(until - now)) if until > now else None

    def failed(self, client: str, account: str) -> None:
        now = self._clock()
        with self._lock:
            for key in self._keys(client, account):
                entry = self._failures.setdefault(key, _Failures())
                entry.count += 1
                entry.last = now
                beyond = entry.count - self.free_failures + 1
                if beyond > 0:
                    delay = min(self.max_delay_s, self.base_delay_s * 2 ** min(beyond - 1, 30))
                    entry.blocked_until = now + delay
            self._prune(now)

    def succeeded(self, client: str, account: str) -> None:
        with self._lock:
            for key in self._keys(client, account):
                self._failures.pop(key, None)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the `max_concurrent` password-check slots; TooBusy when none is free."""
        if not self._slots.acquire(blocking=False):
            raise TooBusy("too many sign-in attempts at once; try again in a moment")
        try:
            yield
        finally:
            self._slots.release()

    def _prune(self, now: float) -> None:
        if len(self._failures) <= self.max_keys:
            return
        stale = [k for k, v in self._failures.items() if v.blocked_until < now]
        for key in sorted(stale, key=lambda k: self._failures[k].last)[: len(stale) // 2 + 1]:
            del self._failures[key]
