"""Pieces shared by Kefu's messenger channels (Telegram, WeChat, site widget).

* :class:`SeenCache` — bounded, expiring memory of ids already handled (Telegram ``update_id``,
  WeChat ``MsgId``), so that a platform's retry is processed once.
* :func:`retrying` — calls an outside API again with growing pauses after a transient failure.
* :class:`BackgroundTasks` — work started after a webhook has answered, kept until it is done.
* :func:`agent_name` — who wrote a bot message: an agent's name when an agent did.
* :func:`conversation_language` — the conversation's language, for a channel's own replies
  (:mod:`bot.channels.system_replies`).
* :func:`typed_text` — typed text as the bot reads it, never as Rasa's ``/intent`` shortcut.
"""

from __future__ import annotations

import asyncio
import logging
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any, TypeVar

from bot.channels.system_replies import system_reply

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Pauses (seconds) between attempts to reach a messenger's API; about 15 s in all.
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0)

LANGUAGE_SLOT = "language"


class SeenCache:
    """Remembers keys for ``ttl`` seconds, at most ``capacity`` of them (oldest forgotten first)."""

    def __init__(self, *, ttl: float = 3600, capacity: int = 50_000) -> None:
        self.ttl = ttl
        self.capacity = capacity
        self._seen: OrderedDict[Any, float] = OrderedDict()

    def _expire(self, now: float) -> None:
        while self._seen:
            _key, stamp = next(iter(self._seen.items()))
            if now - stamp < self.ttl and len(self._seen) <= self.capacity:
                break
            self._seen.popitem(last=False)

    def first_time(self, key: Any) -> bool:
        """True the first time ``key`` is seen (within ``ttl``); records it."""
        now = time.monotonic()
        self._expire(now)
        if key in self._seen:
            return False
        self._seen[key] = now
        return True

    def __contains__(self, key: Any) -> bool:
        self._expire(time.monotonic())
        return key in self._seen


class TransientError(Exception):
    """An outside API failed in a way worth retrying (network, 5xx, "busy", rate limit)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


async def retrying(operation: Callable[[], Awaitable[T]], *, what: str,
                   delays: Iterable[float] = RETRY_DELAYS) -> T:
    """Runs ``operation`` until it succeeds, retrying :class:`TransientError` after each delay.

    Args:
        operation: makes one attempt; raises :class:`TransientError` when another may succeed.
        what: names the call in the log (never include tokens).
        delays: pauses between attempts; their number is the number of retries.

    Raises:
        TransientError: the last failure, once the retries are used up (logged as an error).
        Exception: any other failure of ``operation``, at once.
    """
    pauses = list(delays)
    attempt = 0
    while True:
        attempt += 1
        try:
            return await operation()
        except TransientError as error:
            if attempt > len(pauses):
                logger.error("%s failed %d times, giving up: %s", what, attempt, error)
                raise
            pause = max(pauses[attempt - 1], error.retry_after or 0.0)
            logger.warning("%s failed (attempt %d): %s; retrying in %.1f s", what, attempt, error, pause)
            await asyncio.sleep(pause)


class BackgroundTasks:
    """Keeps references to fire-and-forget tasks (asyncio only keeps weak ones) and logs failures."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task] = set()

    def spawn(self, coroutine: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coroutine, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("%s failed", task.get_name(), exc_info=task.exception())

    def __len__(self) -> int:
        return len(self._tasks)

    async def drain(self, timeout: float = 5.0) -> None:
        """Waits (at most ``timeout`` seconds) for the running tasks, then cancels the rest."""
        if not self._tasks:
            return
        _done, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in pending:
            task.cancel()


def agent_name(message: dict[str, Any]) -> str | None:
    """The display name of the agent who wrote a bot message, or ``None`` for the bot itself.

    Agent messages are ``BotUttered`` events whose metadata names the agent (docs/design.md):
    ``{"agent": "<display name>"}``; also understood: ``{"agent_name": ...}`` and
    ``{"role": "agent"}``. Rasa merges the metadata into the message it hands to the output
    channel, so the keys are looked up both at the top level and under ``metadata``.
    """
    for source in (message, message.get("metadata") if isinstance(message.get("metadata"), dict) else {}):
        for key in ("agent", "agent_name"):
            value = source.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
            if isinstance(value, dict) and isinstance(value.get("name"), str) and value["name"].strip():
                return value["name"].strip()
        if source.get("role") == "agent" or source.get("sender") == "agent":
            return system_reply("agent")
    return None


def with_agent_prefix(text: str, message: dict[str, Any]) -> str:
    """``text`` prefixed with the agent's name when an agent wrote it (for text-only messengers)."""
    name = agent_name(message)
    return f"{name}：{text}" if name else text


async def conversation_language(app: Any, sender_id: str) -> str | None:
    """The ``language`` slot of a conversation on the running Rasa server (``None`` if unknown)."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    if agent is None or getattr(agent, "tracker_store", None) is None:
        return None
    try:
        # A turn in progress (its replies already sent, its tracker not yet saved) holds the
        # conversation's lock: waiting for it gives the language of the message just answered.
        lock_store = getattr(agent, "lock_store", None)
        if lock_store is not None:
            async with lock_store.lock(sender_id, lock_lifetime=10, wait_time_in_seconds=0.05):
                tracker = await agent.tracker_store.retrieve(sender_id)
        else:
            tracker = await agent.tracker_store.retrieve(sender_id)
    except Exception:  # the polite reply must not fail because the store or lock hiccups
        logger.warning("could not read the language of %s", sender_id, exc_info=True)
        return None
    return tracker.get_slot(LANGUAGE_SLOT) if tracker else None


def button_lines(buttons: list[dict[str, Any]]) -> str:
    """Buttons as numbered lines for messengers without buttons (``1. 是``)."""
    return "\n".join(f"{index}. {button.get('title') or button.get('payload')}"
                     for index, button in enumerate(buttons, 1))


def _hides_a_slash(char: str) -> bool:
    """True for a character that Rasa, after Kefu's NLU normaliser (:func:`kefu.text.normalize`:
    NFKC, control characters to spaces, format characters dropped) and its own ``strip()``, reads
    as a slash, a space or nothing at all."""
    if char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs"):
        return True
    return all(c == "/" or c.isspace() for c in unicodedata.normalize("NFKC", char))


def typed_text(text: str) -> str:
    """Typed text as the bot reads it: never as Rasa's ``/intent{"entity": ...}`` shortcut.

    Rasa reads a message whose text starts with ``/`` (after stripping) as an intent with
    entities, which a customer must never be able to type (``/inform{"order_id": ...}`` would set
    slots, ``/restart`` would reset the conversation). Leading slashes are dropped together with
    the spaces and invisible characters around them, until none is left: ``"/ /restart"``,
    ``"//restart"``, ``"／restart"`` (full-width) and ``"\u200b/restart"`` all become ``restart``.
    Text without a leading slash is returned exactly as typed; a text of nothing but slashes names
    no intent and is returned stripped. Buttons still send payloads: they do not come through here.
    """
    position, slashes = 0, 0
    while position < len(text) and _hides_a_slash(text[position]):
        slashes += "/" in unicodedata.normalize("NFKC", text[position])
        position += 1
    if not slashes:
        return text
    return text[position:] or text.strip()
