"""Rasa's ticket lock, fixed for a holder that dies (a replica killed mid-turn).

Its ticket stays in the lock store (Redis) until it expires (``TICKET_LOCK_LIFETIME``). Rasa's
waiter then only goes ahead if its own ticket has not expired by that time; the waiter right
behind a dead holder got its ticket a moment later, so both usually expire in the same one-second
poll and Rasa waits forever (the lock is never empty of waiters, and "now serving" is nobody).
Here a waiter goes ahead as soon as no live ticket older than its own is left. Installed on
Rasa's ``LockStore`` (so on the Redis and the in-memory lock store that
:class:`bot.stores.KefuLockStore` chooses between).
"""

from __future__ import annotations

import asyncio
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockStore

from bot.patches import registry


async def acquire_lock(self: Any, conversation_id: str, ticket: int, wait_time_in_seconds: float) -> TicketLock:
    """Rasa's ``LockStore._acquire_lock``, going ahead once no live ticket older than ``ticket`` is left."""
    while True:
        lock = self.get_lock(conversation_id)
        if lock is None:  # removed by a cleanup that saw no live ticket (ours had expired)
            return TicketLock(conversation_id)
        lock.remove_expired_tickets()
        if all(other.number >= ticket for other in lock.tickets):
            return lock
        await asyncio.sleep(wait_time_in_seconds)
        self.update_lock(conversation_id)


def install() -> None:
    """Replaces ``LockStore._acquire_lock``."""
    registry.replace(LockStore, "_acquire_lock", acquire_lock)
