"""Rasa's Redis ticket lock in two round trips a turn instead of eight, each step atomic.

Rasa's ``RedisLockStore`` reads and writes the whole lock (one JSON value per conversation) for
every step of a turn: issue a ticket (``GET`` + ``SET``), acquire it (``GET``), finish serving
(``GET`` + ``SET``), "is anyone waiting?" (``GET``), delete (``DEL``): 7 round trips, each a
blocking call on the server's event loop, plus 1 more ``GET`` in the channels' gate. Between a
``GET`` and its ``SET`` another replica can write the same lock, so two replicas taking a ticket
for one conversation at the same moment could both get the same number.

Here, installed on ``RedisLockStore``:

* issuing a ticket is one Lua script (:data:`ISSUE`): the lock read, its expired tickets dropped,
  the next number appended and the lock written, atomically; it also says whether the new ticket
  is the only live one, in which case the turn has the lock at once (no acquire ``GET``);
* finishing a turn is one script (:data:`RELEASE`): its ticket and expired ones dropped, the lock
  deleted when no ticket is left, else written;
* the lock keeps Rasa's format and Rasa's clock (ticket expiry in the caller's ``time.time()``),
  so a turn that must wait polls it with Rasa's own ``get_lock`` (and the ``lock_tickets``
  patch's rule for dead holders), and the gate's "is a turn under way?" reads it as before.

Measured under ``make bench-load`` (docs/operators/benchmarks.md): 9 → 4 Redis round trips a turn.
"""

from __future__ import annotations

import collections
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

from bot.patches import registry

#: KEYS[1] the lock; ARGV now, lifetime, conversation id → {ticket number, 1 when it is the only live ticket}
ISSUE = """
local raw = redis.call('GET', KEYS[1])
local now = tonumber(ARGV[1])
local kept, last = {}, -1
if raw then
  for _, encoded in ipairs(cjson.decode(raw)['tickets'] or {}) do
    local ticket = cjson.decode(encoded)
    if ticket['expires'] >= now then
      table.insert(kept, encoded)
      last = ticket['number']
    end
  end
end
local number = last + 1
local alone = #kept == 0 and 1 or 0
table.insert(kept, cjson.encode({number = number, expires = now + tonumber(ARGV[2])}))
redis.call('SET', KEYS[1], cjson.encode({conversation_id = ARGV[3], tickets = kept}))
return {number, alone}
"""

#: KEYS[1] the lock; ARGV now, ticket number → how many tickets are left
RELEASE = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local now, number = tonumber(ARGV[1]), tonumber(ARGV[2])
local lock = cjson.decode(raw)
local kept = {}
for _, encoded in ipairs(lock['tickets'] or {}) do
  local ticket = cjson.decode(encoded)
  if ticket['number'] ~= number and ticket['expires'] >= now then table.insert(kept, encoded) end
end
if #kept == 0 then
  redis.call('DEL', KEYS[1])
else
  lock['tickets'] = kept
  redis.call('SET', KEYS[1], cjson.encode(lock))
end
return #kept
"""


def _script(store: Any, name: str, source: str) -> Any:
    scripts = store.__dict__.setdefault("_kefu_scripts", {})
    if name not in scripts:
        scripts[name] = store.red.register_script(source)  # EVALSHA, loaded again if Redis lost it
    return scripts[name]


def issue(store: Any, conversation_id: str, lock_lifetime: float) -> tuple[int, bool]:
    """A new ticket for the conversation, and whether it is the only live one (the lock is ours)."""
    try:
        number, alone = _script(store, "issue", ISSUE)(
            keys=[store.key_prefix + conversation_id], args=[time.time(), lock_lifetime, conversation_id])
    except Exception as error:  # as Rasa's issue_ticket: the turn's fault handling sees a LockError
        raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
    return int(number), bool(alone)


def issue_ticket(self: Any, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
    """Rasa's ``issue_ticket`` in one atomic script."""
    return issue(self, conversation_id, lock_lifetime)[0]


def cleanup(self: Any, conversation_id: str, ticket_number: int) -> None:
    """Rasa's ``cleanup`` (finish serving, then delete the lock if nobody waits) in one script."""
    _script(self, "release", RELEASE)(keys=[self.key_prefix + conversation_id], args=[time.time(), ticket_number])


@contextlib.asynccontextmanager
async def lock(self: Any, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
               wait_time_in_seconds: float = 1) -> AsyncIterator[TicketLock]:
    """Rasa's ``LockStore.lock``: the ticket's own script says when the lock is free at once."""
    number, alone = issue(self, conversation_id, lock_lifetime)
    try:
        if alone:
            yield TicketLock(conversation_id, collections.deque([Ticket(number, time.time() + lock_lifetime)]))
        else:
            yield await self._acquire_lock(conversation_id, number, wait_time_in_seconds)
    finally:
        self.cleanup(conversation_id, number)


def install() -> None:
    """Replaces ``RedisLockStore.issue_ticket``, ``cleanup`` and ``lock``."""
    registry.replace(RedisLockStore, "issue_ticket", issue_ticket)
    registry.replace(RedisLockStore, "cleanup", cleanup)
    registry.replace(RedisLockStore, "lock", lock)
