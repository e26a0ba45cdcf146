"""bot.patches.lock_scripts: Rasa's Redis ticket lock in two scripts a turn, still one turn at a time
per conversation across replicas, a dead holder still given up, nothing left behind (Redis on
127.0.0.1:6379, database 9; two stores stand for two replicas)."""

from __future__ import annotations

import asyncio
import threading
import uuid

import pytest
import redis
from rasa.core.lock_store import RedisLockStore

from bot.patches import lock_scripts, lock_tickets
from tests.security.test_security_stack import _redis_up


@pytest.fixture
def replicas(restored):
    if not _redis_up():
        pytest.skip("no Redis on 127.0.0.1:6379")
    lock_tickets.install()
    lock_scripts.install()
    return RedisLockStore(db=9, key_prefix="kefutest"), RedisLockStore(db=9, key_prefix="kefutest")


class Counting(redis.Redis):
    """Counts the commands a lock store sends."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sent: list[str] = []

    def execute_command(self, *args, **options):
        self.sent.append(str(args[0]).upper())
        return super().execute_command(*args, **options)


async def test_an_uncontended_turn_is_two_round_trips_and_leaves_nothing(replicas):
    store, _ = replicas
    store.red = Counting(db=9)
    async with store.lock(f"warm-{uuid.uuid4().hex}", lock_lifetime=30):
        pass  # the scripts are loaded into Redis on their first use
    store.red.sent.clear()
    conversation = f"one-{uuid.uuid4().hex}"
    async with store.lock(conversation, lock_lifetime=30):
        held = store.get_lock(conversation)  # Rasa's format: another replica reads it as Rasa would
        assert held is not None and [t.number for t in held.tickets] == [0] and held.is_someone_waiting()
    assert store.get_lock(conversation) is None
    assert store.red.sent.count("GET") == 2  # the two reads of this test, none of the lock's own
    assert [c for c in store.red.sent if c != "GET"] == ["EVALSHA", "EVALSHA"]  # Rasa's: 7 commands


async def test_turns_of_one_conversation_on_two_replicas_take_turns(replicas):
    conversation = f"two-{uuid.uuid4().hex}"
    order: list[str] = []

    async def turn(store: RedisLockStore, name: str, hold: float) -> None:
        async with store.lock(conversation, lock_lifetime=30, wait_time_in_seconds=0.05):
            order.append(f"{name} in")
            await asyncio.sleep(hold)
            order.append(f"{name} out")

    first = asyncio.create_task(turn(replicas[0], "first", 0.4))
    await asyncio.sleep(0.1)
    await asyncio.gather(first, turn(replicas[1], "second", 0), turn(replicas[0], "third", 0))
    # one turn inside at a time, in the order their tickets were taken, whichever replica
    assert order == ["first in", "first out", "second in", "second out", "third in", "third out"]
    assert replicas[0].get_lock(conversation) is None


async def test_tickets_taken_at_once_on_two_replicas_are_all_different(replicas):
    conversation = f"race-{uuid.uuid4().hex}"
    numbers = await asyncio.gather(*(asyncio.to_thread(replicas[i % 2].issue_ticket, conversation, 30)
                                     for i in range(20)))
    assert sorted(numbers) == list(range(20))  # Rasa's GET-then-SET could hand out one number twice
    assert [t.number for t in replicas[0].get_lock(conversation).tickets] == list(range(20))
    for number in numbers:
        replicas[1].cleanup(conversation, number)
    assert replicas[0].get_lock(conversation) is None


async def test_a_dead_holders_ticket_expires_and_the_next_turn_goes_ahead(replicas):
    store, other = replicas
    conversation = f"dead-{uuid.uuid4().hex}"
    store.issue_ticket(conversation, 1)  # taken by a replica that then died
    dead = store.get_lock(conversation).tickets[0]

    async def next_turn() -> None:
        async with other.lock(conversation, lock_lifetime=1, wait_time_in_seconds=0.1):
            assert dead.has_expired()

    await asyncio.wait_for(next_turn(), timeout=30)
    assert store.get_lock(conversation) is None


def test_turns_on_two_replicas_at_once_never_overlap(replicas):
    """Two replicas (a thread and a store each) serving one conversation's turns as fast as they come:
    a waiter's poll must not write over a ticket the other replica took meanwhile (Rasa's poll was a
    ``GET`` then a ``SET``), nor may two turns be inside at once."""
    conversation = f"busy-{uuid.uuid4().hex}"
    inside: list[int] = []
    most = [0]
    guard = threading.Lock()

    async def turns(store: RedisLockStore) -> None:
        async def turn() -> None:
            async with store.lock(conversation, lock_lifetime=30, wait_time_in_seconds=0.001):
                with guard:
                    inside.append(1)
                    most[0] = max(most[0], len(inside))
                await asyncio.sleep(0.002)
                with guard:
                    inside.pop()

        for _ in range(15):
            await asyncio.gather(*(turn() for _ in range(4)))

    def replica(store: RedisLockStore) -> None:
        asyncio.run(turns(store))

    threads = [threading.Thread(target=replica, args=(store,)) for store in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert most[0] == 1
    assert replicas[0].get_lock(conversation) is None
