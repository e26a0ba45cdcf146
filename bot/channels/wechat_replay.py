"""The replay cache of the WeChat channel: one signed query, one message body.

In plaintext mode WeChat's ``signature`` covers only the account token, ``timestamp`` and
``nonce``, not the body: whoever sees one signed query (a proxy's access log, a captured request)
could post any message with it, as any follower, for as long as the timestamp passes the clock
check (:data:`bot.channels.wechat_crypto.MAX_CLOCK_SKEW`). So each signed query is remembered
with the SHA-256 of the body it came with until its timestamp is too old to pass that check:

* the same query with the same body is a retry and goes on (the ``MsgId`` de-duplication answers
  it with the first outcome);
* the same query with another body is refused.

When ``REDIS_URL`` is set the queries are remembered in Redis (``SET NX EX``, atomic), so that a
query used on one Rasa replica cannot be replayed on another; otherwise in the process. When
Redis cannot be reached the process's own memory is used meanwhile (logged), never nothing.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import OrderedDict

from bot.channels.wechat_crypto import MAX_CLOCK_SKEW

logger = logging.getLogger(__name__)

#: Redis keys: ``kefu:wechat:replay:<sha256 of the query>`` → sha256 of the body.
REDIS_PREFIX = "kefu:wechat:replay:"
#: Seconds Redis is left alone after it failed (the process's memory is used meanwhile).
REDIS_PAUSE = 5.0


def query_key(timestamp: str, nonce: str, signature: str) -> str:
    """The identity of a signed query (the signature as WeChat's check reads it: case-insensitive)."""
    raw = f"{timestamp}\n{nonce}\n{signature.strip().lower()}".encode()
    return hashlib.sha256(raw).hexdigest()


class ReplayCache:
    """Remembers signed queries and the digest of their body for the clock-skew window.

    Args:
        redis_url: share the memory through Redis; ``None`` keeps it in this process.
        capacity: queries remembered in the process (the oldest are forgotten first).
    """

    def __init__(self, redis_url: str | None = None, *, capacity: int = 100_000) -> None:
        self.redis_url = redis_url
        self.capacity = capacity
        self._seen: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._redis = None
        self._redis_failed_at = 0.0

    async def admit(self, timestamp: str, nonce: str, signature: str, body: bytes, *,
                    now: float | None = None) -> bool:
        """False when this signed query was used before with another body; else True (and it is
        remembered with this body).

        Call it only for a query whose signature was checked (and whose timestamp passed).
        """
        now = time.time() if now is None else now
        try:
            ttl = max(1, int(timestamp) + MAX_CLOCK_SKEW + 1 - int(now))
        except ValueError:
            return False
        key = query_key(timestamp, nonce, signature)
        digest = hashlib.sha256(body).hexdigest()
        if self.redis_url:
            answer = await self._admit_redis(key, digest, ttl)
            if answer is not None:
                return answer
        return self._admit_local(key, digest, now + ttl)

    def _admit_local(self, key: str, digest: str, until: float) -> bool:
        now = time.time()
        while self._seen:
            _oldest, (_digest, expires) = next(iter(self._seen.items()))
            if expires > now and len(self._seen) < self.capacity:
                break
            self._seen.popitem(last=False)
        known = self._seen.get(key)
        if known is not None and known[1] > now:
            return known[0] == digest
        self._seen[key] = (digest, until)
        return True

    async def _admit_redis(self, key: str, digest: str, ttl: int) -> bool | None:
        if self._redis_failed_at and time.monotonic() - self._redis_failed_at < REDIS_PAUSE:
            return None
        try:
            if self._redis is None:
                from redis import asyncio as aioredis

                self._redis = aioredis.from_url(self.redis_url, socket_timeout=2, socket_connect_timeout=2)
            name = REDIS_PREFIX + key
            if await self._redis.set(name, digest, nx=True, ex=ttl):
                return True
            stored = await self._redis.get(name)
            if stored is None:  # expired in between: the query is too old by now anyway
                return bool(await self._redis.set(name, digest, nx=True, ex=ttl))
        except Exception as error:  # noqa: BLE001 - any Redis failure: this process remembers meanwhile
            self._redis_failed_at = time.monotonic()
            logger.warning("wechat: replay cache: Redis unavailable (%s); remembering queries in this "
                           "process for %.0f s", type(error).__name__, REDIS_PAUSE)
            return None
        self._redis_failed_at = 0.0
        return stored.decode("ascii", "replace") == digest

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.close()
            self._redis = None
