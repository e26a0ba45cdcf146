"""Token-bucket rate limits: messages per sender on the public channels, failed staff logins per
client IP and per account.

A bucket holds up to ``burst`` tokens and refills at ``per_minute`` tokens a minute; each message
(or login attempt) takes one. When ``REDIS_URL`` is set the buckets live in Redis, updated by one
Lua script (atomic), so every Rasa replica and web process shares them; otherwise they live in
the process. When Redis cannot be reached the message limit is skipped (logged), never the
message; the login limits fall back to buckets in the process.

A login takes its tokens *before* the password is checked and gives them back
(:meth:`RateLimiter.give_back`) when it succeeds, so N attempts at once cannot all pass a check
that only one of them would have passed.

A refused sender is told once (:attr:`Decision.notify`) per ``notice_seconds``, not once per
message: a flood of 1,000 messages gets one polite "you are sending too fast" reply (the channels'
gate, ``bot/channels/gate.py``, checks the limit; its wording is the channels' system replies).

The limits are settings (:mod:`kefu.settings`; defaults are far above what a person types, and
above what the test suites send to one conversation):

| variable | default | meaning |
|---|---|---|
| ``KEFU_RATE_MESSAGES_PER_MINUTE`` | 120 | messages per sender and minute (refill rate) |
| ``KEFU_RATE_MESSAGES_BURST`` | 60 | messages a sender may send at once |
| ``KEFU_RATE_LOGIN_PER_MINUTE`` | 10 | failed logins per client IP and minute |
| ``KEFU_RATE_LOGIN_BURST`` | 20 | failed logins in a row before the IP waits |
| ``KEFU_RATE_LOGIN_ACCOUNT_PER_MINUTE`` | 1 | failed logins per user name and minute, from any IP |
| ``KEFU_RATE_LOGIN_ACCOUNT_BURST`` | 10 | failed logins in a row before the user name waits |

``0`` as a rate switches that limit off.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kefu.settings import Settings, current

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.commands.core import AsyncScript

logger = logging.getLogger(__name__)

_LUA = """
local key = KEYS[1]
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local notice_ttl = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local data = redis.call('HMGET', key, 'tokens', 'ts')
local tokens = tonumber(data[1]) or burst
local ts = tonumber(data[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local allowed = 0
if cost < 0 then
  tokens = math.min(burst, tokens - cost)
  allowed = 1
elseif (cost == 0 and tokens >= 1) or (cost > 0 and tokens >= cost) then
  tokens = tokens - cost
  allowed = 1
end
redis.call('HSET', key, 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', key, math.ceil(burst / rate) + 1)
local notify = 0
if allowed == 0 and cost > 0 then
  if redis.call('SET', key .. ':notice', '1', 'NX', 'EX', notice_ttl) then notify = 1 end
end
return {allowed, notify, tostring(tokens)}
"""


@dataclass(frozen=True)
class Decision:
    """The outcome of one check."""

    allowed: bool
    #: refused, and the sender has not been told in the last ``notice_seconds``: tell them now
    notify: bool = False
    #: seconds until one token is back (0 when allowed)
    retry_after: float = 0.0


class RateLimiter:
    """A token bucket per key, in Redis (shared) or in the process.

    Args:
        name: part of the Redis key (``kefu:rl:<name>:<key>``) and of log lines.
        per_minute: refill rate; ``0`` allows everything.
        burst: bucket size.
        redis_url: share the buckets through Redis; ``None`` keeps them in this process.
        notice_seconds: how long a refused key is not told again.
        local_when_redis_down: when Redis cannot be reached, limit in the process instead of
            not at all (the login limits).
    """

    def __init__(self, *, name: str, per_minute: float, burst: int, redis_url: str | None = None,
                 notice_seconds: int = 30, capacity: int = 100_000, local_when_redis_down: bool = False) -> None:
        self.name = name
        self.rate = per_minute / 60.0
        self.burst = max(1, int(burst))
        self.redis_url = redis_url
        self.notice_seconds = notice_seconds
        self.capacity = capacity
        self.local_when_redis_down = local_when_redis_down
        self._buckets: OrderedDict[str, tuple[float, float, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._redis: Redis[bytes] | None = None
        self._script: AsyncScript | None = None
        self._redis_failed_at = 0.0

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    async def hit(self, key: str) -> Decision:
        """Takes one token for ``key``; refused when none is left."""
        return await self._take(key, 1)

    async def check(self, key: str) -> Decision:
        """Whether ``key`` has a token left, without taking it."""
        return await self._take(key, 0)

    async def give_back(self, key: str) -> None:
        """Returns one token taken by :meth:`hit` (never beyond ``burst``): the attempt it paid
        for turned out not to count (a login that succeeded)."""
        await self._take(key, -1)

    async def _take(self, key: str, cost: int) -> Decision:
        if not self.enabled:
            return Decision(True)
        if self.redis_url:
            decision = await self._take_redis(key, cost)
            if decision is not None:
                return decision
            if not self.local_when_redis_down:
                return Decision(True)  # Redis is down: serve rather than refuse everybody
        return self._take_local(key, cost)

    def _retry_after(self, tokens: float) -> float:
        return max(0.0, (1 - tokens) / self.rate)

    def _take_local(self, key: str, cost: int) -> Decision:
        now = time.monotonic()
        with self._lock:
            tokens, stamp, told_until = self._buckets.pop(key, (float(self.burst), now, 0.0))
            tokens = min(self.burst, tokens + max(0.0, now - stamp) * self.rate)
            allowed = cost < 0 or tokens >= max(cost, 1)
            notify = False
            if allowed:
                tokens = min(self.burst, tokens - cost)
            elif cost > 0 and now >= told_until:
                notify, told_until = True, now + self.notice_seconds
            self._buckets[key] = (tokens, now, told_until)
            while len(self._buckets) > self.capacity:
                self._buckets.popitem(last=False)
        return Decision(allowed, notify, 0.0 if allowed else self._retry_after(tokens))

    async def _take_redis(self, key: str, cost: int) -> Decision | None:
        if self._redis_failed_at and time.monotonic() - self._redis_failed_at < 5:
            return None
        try:
            if self._redis is None or self._script is None:
                from redis import asyncio as aioredis

                assert self.redis_url is not None  # only called with a Redis URL
                self._redis = aioredis.from_url(self.redis_url, socket_timeout=2, socket_connect_timeout=2)
                self._script = self._redis.register_script(_LUA)
            allowed, notify, tokens = await self._script(
                keys=[f"kefu:rl:{self.name}:{key}"],
                args=[self.rate, self.burst, cost, self.notice_seconds],
            )
        except Exception as error:  # noqa: BLE001 - any Redis failure: limit skipped, service goes on
            self._redis_failed_at = time.monotonic()
            logger.warning("rate limit %s: Redis unavailable (%s); not limiting for 5 s",
                           self.name, type(error).__name__)
            return None
        self._redis_failed_at = 0.0
        tokens = float(tokens)
        return Decision(bool(allowed), bool(notify), 0.0 if allowed else self._retry_after(tokens))

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.close()
            self._redis = None


def message_limiter(settings: Settings) -> RateLimiter:
    """The per-sender limit of the public channels."""
    return RateLimiter(name="msg", per_minute=settings.rate_messages_per_minute,
                       burst=settings.rate_messages_burst, redis_url=settings.redis_url)


def login_limiter(settings: Settings) -> RateLimiter:
    """Failed staff logins per client IP."""
    return RateLimiter(name="login", per_minute=settings.rate_login_per_minute, burst=settings.rate_login_burst,
                       redis_url=settings.redis_url, notice_seconds=1, local_when_redis_down=True)


def account_login_limiter(settings: Settings) -> RateLimiter:
    """Failed staff logins per user name (existing or not), from any IP; keyed by :func:`account_key`."""
    return RateLimiter(name="login-account", per_minute=settings.rate_login_account_per_minute,
                       burst=settings.rate_login_account_burst, redis_url=settings.redis_url, notice_seconds=1,
                       local_when_redis_down=True)


def account_key(username: str) -> str:
    """The bucket key of a user name: a hash, so Redis and memory hold no user names."""
    return hashlib.sha256(f"kefu-login-account:{username}".encode()).hexdigest()[:32]


_shared: dict[str, RateLimiter] = {}


def shared_message_limiter() -> RateLimiter:
    """One message limiter per process, shared by every channel of the Rasa server."""
    limiter = _shared.get("msg")
    if limiter is None:
        limiter = _shared["msg"] = message_limiter(current())
    return limiter
