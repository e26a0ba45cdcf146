"""Rasa's ticket lock as a lease: a live turn keeps its place, a dead one is given up.

Rasa's ticket lives ``TICKET_LOCK_LIFETIME`` seconds from when it was taken, and that is all that
gives up the lock of a holder that died (a replica killed mid-turn). Two faults follow:

* behind a dead holder, the waiter right behind got its ticket a moment later, so both usually
  expire in the same one-second poll and Rasa waits forever ("now serving" is nobody);
* the lifetime counts waiting too: in a flood of one sender the queued tickets (and a turn that
  runs long) expire while their turns are alive, and the next waiter goes ahead while an earlier
  turn of the same conversation still runs: two turns on one conversation at once.

Here a ticket is a lease: the turn renews its own ticket at every poll while it waits, and every
third of the lifetime while it holds the lock (a timer, no task). So a live turn never loses its
place, and a dead one's ticket expires one lifetime after its last renewal. A waiter goes ahead as
soon as no live ticket older than its own is left. A turn whose ticket expired anyway (its event
loop stalled longer than the lifetime) has lost its place: it takes a new ticket at the end.

Each step is one call of :func:`take` (issue, renew and "am I first?" at once): on the in-memory
store here, on Redis one atomic script (:mod:`bot.patches.lock_scripts`). Installed as
``LockStore.lock``, so on both lock stores :class:`bot.stores.KefuLockStore` chooses between.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore

from bot.patches import registry

logger = logging.getLogger(__name__)

#: a ticket is renewed at least this many times a lifetime
RENEWALS = 3
#: the number of a ticket not yet issued
NO_TICKET = -1

#: (store, conversation id, ticket number or NO_TICKET, lifetime) → (ticket number, first in line)
Take = Callable[[Any, str, int, float], tuple[int, bool]]


def take(store: Any, conversation_id: str, number: int, lifetime: float) -> tuple[int, bool]:
    """Renews ticket ``number`` (a new one at the end when it is gone or ``NO_TICKET``), drops
    expired tickets, and says whether no live ticket older than it is left.

    Through ``get_lock``/``save_lock``: atomic on the in-memory store (no await in between); the
    Redis store does the same in one script."""
    try:
        lock = store.get_lock(conversation_id) or TicketLock(conversation_id)
        now = time.time()
        kept = collections.deque(t for t in lock.tickets if t.expires >= now)
        mine = next((t for t in kept if t.number == number), None)
        if mine is None:
            number = (kept[-1].number if kept else NO_TICKET) + 1
            kept.append(Ticket(number, now + lifetime))
        else:
            mine.expires = now + lifetime
        lock.tickets = kept
        store.save_lock(lock)
    except Exception as error:  # as Rasa's issue_ticket: the turn's fault handling sees a LockError
        raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
    return number, all(t.number >= number for t in kept)


class _Lease:
    """The ticket a turn holds, renewed by a timer every third of its lifetime."""

    def __init__(self, store: Any, conversation_id: str, number: int, lifetime: float, step: Take) -> None:
        self.store, self.conversation_id, self.number = store, conversation_id, number
        self.lifetime, self.step = lifetime, step
        self._timer: asyncio.TimerHandle | None = None
        self._schedule()

    def _schedule(self) -> None:
        self._timer = asyncio.get_running_loop().call_later(self.lifetime / RENEWALS, self._renew)

    def _renew(self) -> None:
        try:
            number, _first = self.step(self.store, self.conversation_id, self.number, self.lifetime)
        except Exception as error:  # noqa: BLE001 - the lock store is down: the turn goes on
            logger.warning("lock of %s: the held ticket could not be renewed (%s)", self.conversation_id,
                           type(error).__name__)
        else:
            if number != self.number:
                logger.warning("lock of %s: the held ticket had expired (the server stalled longer than the "
                               "lock's lifetime); another turn may have started", self.conversation_id)
                self.number = number
        self._schedule()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()


@contextlib.asynccontextmanager
async def holding(store: Any, conversation_id: str, lifetime: float, wait_time_in_seconds: float,
                  step: Take) -> AsyncIterator[TicketLock]:
    """The conversation's lock: a ticket taken, renewed while it waits and while it is held, given
    back at the end (``store.cleanup``)."""
    number, first = step(store, conversation_id, NO_TICKET, lifetime)
    try:
        poll = min(wait_time_in_seconds, lifetime / RENEWALS)
        while not first:
            await asyncio.sleep(poll)
            number, first = step(store, conversation_id, number, lifetime)
        lease = _Lease(store, conversation_id, number, lifetime, step)
        try:
            yield TicketLock(conversation_id, collections.deque([Ticket(number, time.time() + lifetime)]))
        finally:
            lease.stop()
            number = lease.number
    finally:
        store.cleanup(conversation_id, number)


def lock(self: Any, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
         wait_time_in_seconds: float = 1) -> contextlib.AbstractAsyncContextManager[TicketLock]:
    """Rasa's ``LockStore.lock``, its ticket a lease (:func:`holding` with :func:`take`)."""
    return holding(self, conversation_id, lock_lifetime, wait_time_in_seconds, take)


def install() -> None:
    """Replaces ``LockStore.lock``."""
    registry.replace(LockStore, "lock", lock)
