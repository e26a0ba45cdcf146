"""bot.patches.lock_tickets: a conversation whose lock holder died (a replica killed mid-turn) goes
on once the dead ticket expires; Rasa's own lock store waits forever. On the lock stores
``bot.stores.KefuLockStore`` chooses from: Redis (127.0.0.1:6379) and in memory."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from rasa.core.lock_store import InMemoryLockStore, RedisLockStore

from bot.patches import lock_scripts, lock_tickets
from tests.security.test_security_stack import _redis_up


@pytest.fixture(params=["memory", "redis"])
def lock_store(request, restored):
    lock_tickets.install()
    lock_scripts.install()  # as bot.patches.install does
    if request.param == "memory":
        return InMemoryLockStore()
    if not _redis_up():
        pytest.skip("no Redis on 127.0.0.1:6379")
    return RedisLockStore(db=9, key_prefix="kefutest")


async def test_a_dead_holders_ticket_expires_and_the_next_turn_goes_ahead(lock_store):
    conversation = f"dead-{uuid.uuid4().hex}"
    lock_store.issue_ticket(conversation, lock_lifetime=1)  # taken by a process that then died
    dead = lock_store.get_lock(conversation).tickets[0]

    async def next_turn() -> None:
        async with lock_store.lock(conversation, lock_lifetime=1, wait_time_in_seconds=0.1):
            assert dead.has_expired()  # it went ahead only once the dead ticket had expired

    await asyncio.wait_for(next_turn(), timeout=60)  # Rasa's own lock store waits here forever
    async with lock_store.lock(conversation, lock_lifetime=1, wait_time_in_seconds=0.1):
        pass  # and the one after that at once
    assert lock_store.get_lock(conversation) is None  # nothing left behind


@pytest.mark.parametrize(("lifetime", "hold"), [(30, 0.5), (1, 2.5)],
                         ids=["a live holder still goes first", "a turn longer than the lifetime keeps the lock"])
async def test_a_live_holder_keeps_the_lock_until_it_is_done(lock_store, lifetime, hold):
    """The lifetime is for a holder that died: a live turn, even one that runs past it, keeps the lock."""
    conversation = f"live-{uuid.uuid4().hex}"
    order: list[str] = []

    async def turn(name: str, hold: float) -> None:
        async with lock_store.lock(conversation, lock_lifetime=lifetime, wait_time_in_seconds=0.05):
            order.append(f"{name} in")
            await asyncio.sleep(hold)
            order.append(f"{name} out")

    first = asyncio.create_task(turn("first", hold))
    await asyncio.sleep(0.1)
    await asyncio.gather(first, turn("second", 0))
    assert order == ["first in", "first out", "second in", "second out"]
    assert lock_store.get_lock(conversation) is None


async def test_a_queue_that_waits_longer_than_the_lifetime_keeps_its_order(lock_store):
    """A flood of one sender: the last turn waits longer than the lifetime, still one turn at a time."""
    conversation = f"queue-{uuid.uuid4().hex}"
    order: list[str] = []
    inside: list[str] = []

    async def turn(name: str) -> None:
        async with lock_store.lock(conversation, lock_lifetime=1, wait_time_in_seconds=0.05):
            inside.append(name)
            order.append(f"{name} in ({len(inside)} inside)")
            await asyncio.sleep(0.4)
            inside.remove(name)

    async def arriving(number: int) -> None:
        await asyncio.sleep(0.01 * number)  # tickets taken in this order
        await turn(str(number))

    await asyncio.gather(*(arriving(n) for n in range(6)))  # the last waits ~2 s, its ticket lives 1 s
    assert order == [f"{n} in (1 inside)" for n in range(6)]
    assert lock_store.get_lock(conversation) is None
