"""The fair queue in front of the model (causerie.web.admission), on a real anyio event loop."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio
import pytest

from causerie.web.admission import Admission, QueueFull, Slot


def run(test: Callable[[], Awaitable[None]]) -> None:
    anyio.run(test)


async def queued(admission: Admission, count: int) -> None:
    """Let the started tasks reach the queue."""
    with anyio.fail_after(2):
        while admission.waiting() < count:
            await anyio.sleep(0)


def test_up_to_capacity_at_once_then_the_next_waits_for_a_slot() -> None:
    async def test() -> None:
        admission = Admission(capacity=2, per_user=5, total=10)
        one, two = await admission.enter("alice"), await admission.enter("bob")
        assert admission.running == 2 and admission.waiting() == 0
        admitted: list[Slot] = []

        async def third() -> None:
            admitted.append(await admission.enter("carol"))

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(third)
            await queued(admission, 1)
            assert not admitted and admission.running == 2
            admission.leave(one)
        assert [slot.owner for slot in admitted] == ["carol"]
        assert admission.running == 2 and admission.waiting() == 0
        admission.leave(two)
        admission.leave(admitted[0])
        assert admission.running == 0

    run(test)


def test_users_take_turns_instead_of_first_come_first_served() -> None:
    async def test() -> None:
        admission = Admission(capacity=1, per_user=5, total=10)
        first = await admission.enter("alice")
        order: list[str] = []

        async def turn(owner: str, name: str) -> None:
            slot = await admission.enter(owner)
            order.append(name)
            await anyio.sleep(0)
            admission.leave(slot)

        async with anyio.create_task_group() as tasks:
            # alice asks twice more before bob asks at all
            for count, (owner, name) in enumerate(
                [("alice", "a2"), ("alice", "a3"), ("bob", "b1"), ("bob", "b2")], start=1
            ):
                tasks.start_soon(turn, owner, name)
                await queued(admission, count)
            admission.leave(first)
        assert order == ["b1", "a2", "b2", "a3"]  # first come, first served: a2 a3 b1 b2

    run(test)


def test_the_user_with_fewer_turns_running_goes_first() -> None:
    async def test() -> None:
        admission = Admission(capacity=2, per_user=5, total=10)
        a1, a2 = await admission.enter("alice"), await admission.enter("alice")
        order: list[str] = []

        async def turn(owner: str) -> None:
            order.append((await admission.enter(owner)).owner)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(turn, "alice")
            await queued(admission, 1)
            tasks.start_soon(turn, "bob")
            await queued(admission, 2)
            admission.leave(a1)  # alice still runs one: bob, who runs none, goes first
            await anyio.sleep(0)
            assert order == ["bob"]
            admission.leave(a2)
        assert order == ["bob", "alice"]

    run(test)


def test_a_full_share_is_429_and_a_full_queue_503_with_a_wait_hint() -> None:
    async def test() -> None:
        now = [0.0]
        admission = Admission(capacity=1, per_user=2, total=3, clock=lambda: now[0])
        running = await admission.enter("alice")
        async with anyio.create_task_group() as tasks:
            for count, owner in enumerate(["alice", "alice", "bob"], start=1):
                tasks.start_soon(admission.enter, owner)
                await queued(admission, count)
            with pytest.raises(QueueFull) as mine:
                await admission.enter("alice")
            assert not mine.value.whole and "you already have" in str(mine.value)
            with pytest.raises(QueueFull) as everybody:
                await admission.enter("carol")
            assert everybody.value.whole and "the server has" in str(everybody.value)
            # 3 waiting + this one, one slot, 5 s a turn (the first guess)
            assert everybody.value.retry_after_s == 20
            tasks.cancel_scope.cancel()
        assert admission.waiting() == 0
        now[0] = 10.0
        admission.leave(running)  # a 10 s turn moves the estimate towards 10 s
        assert admission.turn_s == pytest.approx(6.0)
        assert admission.retry_after() == 6

    run(test)


def test_a_request_cancelled_while_waiting_leaves_the_queue() -> None:
    async def test() -> None:
        admission = Admission(capacity=1, per_user=5, total=10)
        running = await admission.enter("alice")
        admitted: list[str] = []

        async def wait_then_give_up() -> None:
            with anyio.move_on_after(0.05):
                await admission.enter("bob")
                admitted.append("bob")

        async def patient() -> None:
            slot = await admission.enter("carol")
            admitted.append("carol")
            admission.leave(slot)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(wait_then_give_up)
            await queued(admission, 1)
            tasks.start_soon(patient)
            await queued(admission, 2)
            with anyio.fail_after(2):
                while admission.waiting("bob"):
                    await anyio.sleep(0.01)
            admission.leave(running)
        assert admitted == ["carol"]
        assert admission.running == 0 and admission.waiting() == 0

    run(test)


def test_a_slot_handed_back_twice_counts_once() -> None:
    async def test() -> None:
        admission = Admission(capacity=1, per_user=1, total=1)
        slot = await admission.enter("alice")
        admission.leave(slot)
        admission.leave(slot)
        assert admission.running == 0
        again = await admission.enter("bob")
        assert admission.running == 1
        admission.leave(again)

    run(test)


def test_bad_sizes_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match="capacity must be at least 1, not 0"):
        Admission(capacity=0, per_user=1, total=1)
    with pytest.raises(ValueError, match="per_user=-1"):
        Admission(capacity=1, per_user=-1, total=1)
