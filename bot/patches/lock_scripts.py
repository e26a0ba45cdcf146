"""Rasa's Redis ticket lock in two round trips a turn instead of eight, each step atomic.

Rasa's ``RedisLockStore`` reads and writes the whole lock (one JSON value per conversation) for
every step of a turn: issue a ticket (``GET`` + ``SET``), acquire it (``GET``), finish serving
(``GET`` + ``SET``), "is anyone waiting?" (``GET``), delete (``DEL``): 7 round trips, each a
blocking call on the server's event loop, plus 1 more ``GET`` in the channels' gate. Between a
``GET`` and its ``SET`` another replica can write the same lock, so two replicas taking a ticket
for one conversation at the same moment could both get the same number.

Here, installed on ``RedisLockStore``:

* every step of :mod:`bot.patches.lock_tickets`' lease (take a ticket, renew it while waiting or
  holding, "am I first?") is one Lua script (:data:`TAKE`): the lock read, its expired tickets
  dropped, the ticket renewed (or appended) and the lock written, atomically; taking a ticket also
  says whether it is first in line, in which case the turn has the lock at once (no poll);
* finishing a turn is one script (:data:`RELEASE`): its ticket and expired ones dropped, the lock
  deleted when no ticket is left, else written;
* the lock keeps Rasa's format and Rasa's clock (ticket expiry in the caller's ``time.time()``),
  so the gate's "is a turn under way?" (``is_someone_waiting``) reads it as before.

Measured under ``make bench-load`` (docs/operators/benchmarks.md): 9 → 4 Redis round trips a turn.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

from bot.patches import lock_tickets, registry

#: KEYS[1] the lock; ARGV now, lifetime, conversation id, ticket number (-1: none yet) → {ticket
#: number, 1 when no live ticket older than it is left}: :func:`bot.patches.lock_tickets.take` in one step
TAKE = """
local raw = redis.call('GET', KEYS[1])
local now, lifetime, number = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[4])
local kept, numbers, mine = {}, {}, false
if raw then
  for _, encoded in ipairs(cjson.decode(raw)['tickets'] or {}) do
    local ticket = cjson.decode(encoded)
    if ticket['expires'] >= now then
      if ticket['number'] == number then
        mine = true
        encoded = cjson.encode({number = number, expires = now + lifetime})
      end
      table.insert(kept, encoded)
      table.insert(numbers, ticket['number'])
    end
  end
end
if not mine then
  number = (numbers[#numbers] or -1) + 1
  table.insert(kept, cjson.encode({number = number, expires = now + lifetime}))
end
local first = 1
for _, other in ipairs(numbers) do
  if other < number then first = 0 end
end
redis.call('SET', KEYS[1], cjson.encode({conversation_id = ARGV[3], tickets = kept}))
return {number, first}
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


def take(store: Any, conversation_id: str, number: int, lifetime: float) -> tuple[int, bool]:
    """:func:`bot.patches.lock_tickets.take` as one atomic script (another replica may take a
    ticket for the same conversation between any two calls)."""
    try:
        taken, first = _script(store, "take", TAKE)(
            keys=[store.key_prefix + conversation_id], args=[time.time(), lifetime, conversation_id, number])
    except Exception as error:  # as Rasa's issue_ticket: the turn's fault handling sees a LockError
        raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
    return int(taken), bool(first)


def issue_ticket(self: Any, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
    """Rasa's ``issue_ticket`` in one atomic script."""
    return take(self, conversation_id, lock_tickets.NO_TICKET, lock_lifetime)[0]


def cleanup(self: Any, conversation_id: str, ticket_number: int) -> None:
    """Rasa's ``cleanup`` (finish serving, then delete the lock if nobody waits) in one script."""
    _script(self, "release", RELEASE)(keys=[self.key_prefix + conversation_id], args=[time.time(), ticket_number])


def lock(self: Any, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
         wait_time_in_seconds: float = 1) -> contextlib.AbstractAsyncContextManager[TicketLock]:
    """Rasa's ``LockStore.lock`` as :mod:`bot.patches.lock_tickets`' lease, each step one script."""
    return lock_tickets.holding(self, conversation_id, lock_lifetime, wait_time_in_seconds, take)


def install() -> None:
    """Replaces ``RedisLockStore.issue_ticket``, ``cleanup`` and ``lock``."""
    registry.replace(RedisLockStore, "issue_ticket", issue_ticket)
    registry.replace(RedisLockStore, "cleanup", cleanup)
    registry.replace(RedisLockStore, "lock", lock)
