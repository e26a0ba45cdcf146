"""Token-bucket rate limits: messages per sender on the public channels, login attempts per IP.

A bucket holds up to ``burst`` tokens and refills at ``per_minute`` tokens a minute; each message
(or failed login) takes one. When ``REDIS_URL`` is set the buckets live in Redis, updated by one
Lua script (atomic), so every Rasa replica and web process shares them; otherwise they live in
the process. When Redis cannot be reached the limit is skipped (logged), never the message.

A refused sender is told once (:attr:`Decision.notify`) per ``notice_seconds``, not once per
message: a flood of 1,000 messages gets one polite "you are sending too fast" reply.

Configuration (environment; defaults are far above what a person types, and above what the
test suites send to one conversation):

| variable | default | meaning |
|---|---|---|
| ``KEFU_RATE_MESSAGES_PER_MINUTE`` | 120 | messages per sender and minute (refill rate) |
| ``KEFU_RATE_MESSAGES_BURST`` | 60 | messages a sender may send at once |
| ``KEFU_RATE_LOGIN_PER_MINUTE`` | 10 | failed logins per client IP and minute |
| ``KEFU_RATE_LOGIN_BURST`` | 20 | failed logins in a row before the IP waits |

``0`` as a rate switches that limit off.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

logger = logging.getLogger(__name__)

TOO_FAST = ("您发送消息太快了，请稍等片刻再发。"
            "You are sending messages too fast; please wait a moment and try again.")

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
if (cost == 0 and tokens >= 1) or (cost > 0 and tokens >= cost) then
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
    """

    def __init__(self, *, name: str, per_minute: float, burst: int, redis_url: str | None = None,
                 notice_seconds: int = 30, capacity: int = 100_000) -> None:
        self.name = name
        self.rate = per_minute / 60.0
        self.burst = max(1, int(burst))
        self.redis_url = redis_url
        self.notice_seconds = notice_seconds
        self.capacity = capacity
        self._buckets: OrderedDict[str, tuple[float, float, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._redis = None
        self._script = None
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

    async def _take(self, key: str, cost: int) -> Decision:
        if not self.enabled:
            return Decision(True)
        if self.redis_url:
            decision = await self._take_redis(key, cost)
            if decision is not None:
                return decision
            return Decision(True)  # Redis is down: serve rather than refuse everybody
        return self._take_local(key, cost)

    def _retry_after(self, tokens: float) -> float:
        return max(0.0, (1 - tokens) / self.rate)

    def _take_local(self, key: str, cost: int) -> Decision:
        now = time.monotonic()
        with self._lock:
            tokens, stamp, told_until = self._buckets.pop(key, (float(self.burst), now, 0.0))
            tokens = min(self.burst, tokens + max(0.0, now - stamp) * self.rate)
            allowed = tokens >= max(cost, 1)
            notify = False
            if allowed:
                tokens -= cost
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
            if self._redis is None:
                from redis import asyncio as aioredis

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


def _number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1
    if value < 0 or math.isnan(value):
        from kefu.settings import SettingsError

        raise SettingsError(f"{name}={raw!r}: use a number of at least 0 (0 switches the limit off).")
    return value


def message_limiter(redis_url: str | None) -> RateLimiter:
    """The per-sender limit of the public channels, as configured by the environment."""
    return RateLimiter(name="msg", per_minute=_number("KEFU_RATE_MESSAGES_PER_MINUTE", 120),
                       burst=int(_number("KEFU_RATE_MESSAGES_BURST", 60)), redis_url=redis_url)


def login_limiter(redis_url: str | None) -> RateLimiter:
    """The per-IP limit of failed staff logins, as configured by the environment."""
    return RateLimiter(name="login", per_minute=_number("KEFU_RATE_LOGIN_PER_MINUTE", 10),
                       burst=int(_number("KEFU_RATE_LOGIN_BURST", 20)), redis_url=redis_url, notice_seconds=1)


_shared: dict[str, RateLimiter] = {}


def shared_message_limiter() -> RateLimiter:
    """One message limiter per process, shared by every channel of the Rasa server."""
    limiter = _shared.get("msg")
    if limiter is None:
        from kefu.settings import load_settings

        limiter = _shared["msg"] = message_limiter(load_settings().redis_url)
    return limiter
