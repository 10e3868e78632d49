"""A fair queue in front of the model: how many chat turns run at once, and who goes next.

The provider says how many requests it takes at once (`Capabilities.max_concurrency`: 1 for
the embedded llama.cpp runner, the `max_concurrent_requests` setting for a model server). A
turn beyond that waits here. When a slot frees, the waiting user with the fewest turns running
goes next (on a tie, whoever was served longest ago): users take turns, and one user's burst
cannot starve the others. Each user may have `per_user` turns waiting and everybody together
`total`; a request beyond that is refused at once with `QueueFull` (429 for the user's own
cap, 503 when the whole queue is full), with a hint of when to try again.

    admission = Admission(capacity=4, per_user=3, total=64)
    slot = await admission.enter("alice")   # now, after a wait, or QueueFull
    try:
        ...                                 # the generation
    finally:
        admission.leave(slot)               # on the event loop's thread

The state belongs to the event loop: call `leave` from a worker thread through
`anyio.from_thread.run_sync`. A waiter cancelled in the queue (its client went away) leaves
it; one cancelled just after it was given a slot hands the slot on.
"""

from __future__ import annotations

import math
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

import anyio

FIRST_GUESS_S = 5.0  # how long a turn holds its slot, until one has been measured
SMOOTHING = 0.2  # weight of the latest turn in the running estimate


class QueueFull(Exception):
    """No room to wait: `whole` is True when the whole queue is full (else the user's share)."""

    def __init__(self, owner: str, whole: bool, retry_after_s: int) -> None:
        self.owner = owner
        self.whole = whole
        self.retry_after_s = retry_after_s
        who = "the server has" if whole else "you already have"
        super().__init__(f"{who} too many questions waiting; try again in {retry_after_s} s")


@dataclass(eq=False)
class Slot:
    """One admitted turn; hand it back with `Admission.leave`."""

    owner: str
    since: float
    left: bool = False


@dataclass(eq=False)
class _Waiter:
    owner: str
    order: int
    ready: anyio.Event = field(default_factory=anyio.Event)
    slot: Slot | None = None


class Admission:
    def __init__(
        self,
        capacity: int,
        per_user: int,
        total: int,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, not {capacity}")
        if per_user < 0 or total < 0:
            raise ValueError(f"queue caps cannot be negative: per_user={per_user}, total={total}")
        self.capacity = capacity
        self.per_user = per_user
        self.total = total
        self.clock = clock
        self.turn_s = FIRST_GUESS_S  # running estimate of how long a slot is held
        self._running: Counter[str] = Counter()
        self._queues: dict[str, deque[_Waiter]] = {}
        self._last_served: dict[str, int] = {}
        self._served = 0
        self._arrivals = 0

    @property
    def running(self) -> int:
        return sum(self._running.values())

    def waiting(self, owner: str | None = None) -> int:
        if owner is not None:
            return len(self._queues.get(owner, ()))
        return sum(len(queue) for queue in self._queues.values())

    def retry_after(self) -> int:
        """Seconds until a place is likely to free up: the waiting turns ahead, spread over
        the slots, times how long a turn takes."""
        rounds = (self.waiting() + 1) / self.capacity
        return max(1, math.ceil(rounds * self.turn_s))

    async def enter(self, owner: str) -> Slot:
        """A slot for one of `owner`'s turns: at once, or after the turns ahead in the fair
        order. QueueFull when this user, or everybody, has as many turns waiting as allowed."""
        if self.running < self.capacity and not self._queues:
            return self._grant(owner)
        if self.waiting(owner) >= self.per_user:
            raise QueueFull(owner, whole=False, retry_after_s=self.retry_after())
        if self.waiting() >= self.total:
            raise QueueFull(owner, whole=True, retry_after_s=self.retry_after())
        self._arrivals += 1
        waiter = _Waiter(owner, self._arrivals)
        self._queues.setdefault(owner, deque()).append(waiter)
        try:
            await waiter.ready.wait()
        except BaseException:  # cancelled: out of the queue, or hand on the slot just given
            if waiter.slot is not None:
                self.leave(waiter.slot)
            else:
                self._drop(waiter)
            raise
        assert waiter.slot is not None
        return waiter.slot

    def leave(self, slot: Slot) -> None:
        """Hand a slot back (once; later calls do nothing) and admit whoever is next."""
        if slot.left:
            return
        slot.left = True
        self._running[slot.owner] -= 1
        if self._running[slot.owner] <= 0:
            del self._running[slot.owner]
        held = self.clock() - slot.since
        self.turn_s += SMOOTHING * (held - self.turn_s)
        while self.running < self.capacity and self._queues:
            owner = min(self._queues, key=self._priority)
            queue = self._queues[owner]
            waiter = queue.popleft()
            if not queue:
                del self._queues[owner]
            waiter.slot = self._grant(owner)
            waiter.ready.set()

    def _priority(self, owner: str) -> tuple[int, int, int]:
        """Fewest turns running first, then served longest ago, then waiting longest."""
        return (
            self._running[owner],
            self._last_served.get(owner, -1),
            self._queues[owner][0].order,
        )

    def _grant(self, owner: str) -> Slot:
        self._running[owner] += 1
        self._served += 1
        self._last_served[owner] = self._served
        return Slot(owner, self.clock())

    def _drop(self, waiter: _Waiter) -> None:
        queue = self._queues.get(waiter.owner)
        if queue is None:
            return
        queue.remove(waiter)
        if not queue:
            del self._queues[waiter.owner]
