"""Answering WeChat pushes within the 5-second limit, once per message across WeChat's retries.

WeChat waits 5 seconds for the answer to a push, then retries the same push twice (same
``MsgId``). :class:`ReplyCoordinator` starts the bot on the first delivery only and waits for
its answer until a deadline (4 s by default, a margin under WeChat's limit):

* answer in time → the caller sends it as the passive XML reply;
* too slow → the caller answers ``success`` and the answer, when it comes, is handed to
  ``deliver_late`` (the customer-service message API);
* a retry of the same message gets the same outcome: the same passive reply, or ``success``
  while the late answer is on its way — the bot never processes it twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field

from bot.channels.common import BackgroundTasks
from bot.channels.system_replies import system_reply

logger = logging.getLogger(__name__)

#: Seconds to wait for the bot before answering ``success`` (WeChat gives up after 5).
DEFAULT_BUDGET = 4.0


@dataclass
class _Exchange:
    """One push (first delivery and retries) and the bot's answer to it."""

    sender: str
    answer: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    late: bool = False  # a delivery answered "success": the answer goes through the API
    started: float = field(default_factory=time.monotonic)


class ReplyCoordinator:
    """Runs the bot once per push and decides between passive reply and late delivery."""

    def __init__(self, deliver_late: Callable[[str, list[str]], Awaitable[None]], *,
                 max_passive_bytes: int = 2000, keep_seconds: float = 300, capacity: int = 10_000) -> None:
        """
        Args:
            deliver_late: sends texts to a sender after the passive window has passed.
            max_passive_bytes: a longer answer is always delivered late (WeChat's limit for a
                passive text is 2048 bytes).
            keep_seconds: how long a push's outcome is remembered for retries.
        """
        self.deliver_late = deliver_late
        self.max_passive_bytes = max_passive_bytes
        self.keep_seconds = keep_seconds
        self.capacity = capacity
        self.tasks = BackgroundTasks()
        self._exchanges: OrderedDict[Hashable, _Exchange] = OrderedDict()

    def _forget_old(self) -> None:
        now = time.monotonic()
        while self._exchanges:
            _key, exchange = next(iter(self._exchanges.items()))
            if now - exchange.started < self.keep_seconds and len(self._exchanges) <= self.capacity:
                break
            self._exchanges.popitem(last=False)

    async def answer(self, key: Hashable, sender: str, run_bot: Callable[[], Awaitable[list[str]]], *,
                     deadline: float) -> str | None:
        """The passive reply text for a push, or ``None`` to answer ``success``.

        Args:
            key: identifies the push across retries (``MsgId``, or sender + CreateTime for events).
            sender: the sender id, for late delivery.
            run_bot: processes the push and returns the bot's texts (called once per key).
            deadline: ``time.monotonic()`` by which the passive reply must be ready.
        """
        self._forget_old()
        exchange = self._exchanges.get(key)
        if exchange is None:
            exchange = _Exchange(sender)
            self._exchanges[key] = exchange
            self.tasks.spawn(self._run(exchange, run_bot), name=f"wechat push {key}")
        else:
            logger.info("wechat: push %s delivered again; answering with the first outcome", key)
        if not exchange.late:
            try:
                await asyncio.wait_for(asyncio.shield(exchange.answer), timeout=max(0.0, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                pass
            if not exchange.answer.done():
                exchange.late = True
                logger.info("wechat: the answer to %s is not ready in time; it will follow as a "
                            "customer-service message", key)
        if exchange.late:
            return None
        texts: list[str] = exchange.answer.result()
        passive = "\n\n".join(text for text in texts if text)
        if not passive:
            return None
        if len(passive.encode("utf-8")) > self.max_passive_bytes:
            exchange.late = True
            self.tasks.spawn(self._deliver(exchange, texts), name=f"wechat long answer {key}")
            return None
        return passive

    async def _run(self, exchange: _Exchange, run_bot: Callable[[], Awaitable[list[str]]]) -> None:
        try:
            texts = await run_bot()
        except Exception:
            logger.exception("wechat: processing a message failed")
            texts = [system_reply("failed")]
        exchange.answer.set_result(texts)
        # No await between set_result and this check: a waiting delivery either sees the answer
        # (passive reply) or has already marked the exchange late (delivered here).
        if exchange.late:
            await self._deliver(exchange, texts)

    async def _deliver(self, exchange: _Exchange, texts: list[str]) -> None:
        texts = [text for text in texts if text]
        if texts:
            await self.deliver_late(exchange.sender, texts)
