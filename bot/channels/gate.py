"""The one door every customer message goes through, whichever channel it came from.

Every channel (REST, the widget's Socket.IO, Telegram, WeChat) hands each customer message to
its :class:`Gate` instead of straight to Rasa:

1. :meth:`Gate.admit` applies the per-sender rate limit (:mod:`kefu.ratelimit`, one limiter per
   process, in Redis when ``REDIS_URL`` is set). A refused message is never processed or stored;
   the channel only decides how to tell the customer (REST: a 429; the others: one polite message
   per flood, :attr:`kefu.ratelimit.Decision.notify`).
2. :meth:`Gate.hand_over` asks the handoff record who holds the conversation
   (:meth:`handoff.store.HandoffStore.hold_of`: one indexed query). While a human holds it (a
   handoff ``waiting`` or ``active``; a ``callback`` request only once an agent claims it), the
   message is recorded in the conversation without any bot reply: under the conversation's lock,
   Rasa's processor logs it (NLU, slots, the event broker, so the agent sees it) and an
   ``action_listen`` ends the turn, so the tracker reads as a turn that ended listening. Otherwise
   it goes to the bot: the channel's ``on_new_message`` (Rasa's ``agent.handle_message``).

When the conversation's lock cannot be taken (Redis down) the message goes to Rasa, whose turn
fails on the same lock and answers with the apology of ``bot.faults``, as for every other message.

The record is the only truth: nothing pauses Rasa's tracker, so an agent's claim, release,
resolve and an abandoned wait change who answers with the very next message, and none of them
needs the Rasa server.

A message that arrives while a turn of its conversation is under way (for instance the turn that
hands the conversation over) waits for that turn under the conversation's lock before the record
is asked, as Rasa's own turns queue: "转人工" followed at once by a second message gets the
queue's answer and then silence, not a bot reply to the second message.

Conversations an older Kefu left paused (it paused the tracker on handing over; migration 0007
marks those handoffs ``tracker_paused``): once such a conversation is no longer held, the next
message resumes the tracker (``resume`` + ``action_listen``, as that Kefu did on resolving) and
clears the mark, then goes to the bot as usual.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, ConversationResumed

from handoff.store import HandoffStore, Hold
from kefu.ratelimit import Decision, RateLimiter, shared_message_limiter
from kefu.settings import Settings, current

logger = logging.getLogger(__name__)

#: Seconds between two looks at a busy conversation lock (Rasa's own turns look every second).
LOCK_POLL = 0.05

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class Gate:
    """Rate limit, then "does a human hold this conversation?", for one Rasa process's channels.

    Args:
        store: the handoff record (the app database).
        limiter: the per-sender message limit; default: the process's shared one.
    """

    def __init__(self, store: HandoffStore, limiter: RateLimiter | None = None) -> None:
        self.store = store
        self._limiter = limiter
        # SQLite: one indexed read of a local file (tens of microseconds) costs less than the hand-
        # over to a worker thread and back; a database server is asked from a worker thread.
        self._inline = store.database_url.startswith("sqlite")

    @classmethod
    def from_settings(cls, settings: Settings) -> Gate:
        return cls(HandoffStore.from_settings(settings))

    @property
    def limiter(self) -> RateLimiter:
        if self._limiter is None:
            self._limiter = shared_message_limiter()
        return self._limiter

    # ------------------------------------------------------------------ 1. the rate limit
    async def admit(self, channel: str, sender_id: str) -> Decision:
        """Takes one message of ``sender_id`` on ``channel`` from the sender's bucket.

        Returns:
            The decision: refused messages must not be handed over; ``notify`` says the sender
            has not been told in this flood yet.
        """
        decision = await self.limiter.hit(f"{channel}:{sender_id}")
        if not decision.allowed and decision.notify:
            logger.warning("%s: a sender exceeds the message rate limit; refusing for now", channel)
        return decision

    # ------------------------------------------------------------------ 2. who answers
    async def hand_over(self, message: UserMessage, on_new_message: OnNewMessage, app: Any, *,
                        hold: Hold | None = None) -> bool:
        """Gives an admitted message to the bot, or records it silently while a human holds the
        conversation.

        Args:
            on_new_message: what Rasa handed the channel (``agent.handle_message``).
            app: the Rasa server's Sanic app (``app.ctx.agent``).
            hold: what :meth:`hold_of` said for this message a moment ago (the REST channel asks
                it together with its outbox); else the record is asked here.

        Returns:
            True when the bot had the message, False when it was recorded for the agent.
        """
        agent = getattr(getattr(app, "ctx", None), "agent", None)
        lock_store = getattr(agent, "lock_store", None)
        if lock_store is None or getattr(agent, "processor", None) is None:  # no model loaded: Rasa says so
            await on_new_message(message)
            return True
        sender = message.sender_id
        if hold is None:
            hold = await self.hold_of(sender)
        if hold.by_human or hold.tracker_paused or self._turn_under_way(lock_store, sender):
            async with contextlib.AsyncExitStack() as locked:
                try:
                    await locked.enter_async_context(lock_store.lock(sender, wait_time_in_seconds=LOCK_POLL))
                except Exception as error:  # noqa: BLE001 - Redis is down: Rasa's turn apologises (bot.faults)
                    logger.warning("gate: the conversation's lock could not be taken (%s)", type(error).__name__)
                else:
                    hold = await self.hold_of(sender)  # as it is now that no other turn runs
                    if hold.by_human:
                        await self._record(agent, message)
                        return False
                    if hold.tracker_paused:
                        await self._resume_old_pause(agent, sender)
        await on_new_message(message)
        return True

    async def hold_of(self, sender_id: str, *, outbox: bool = False) -> Hold:
        """What the record says; when it cannot be read, the bot answers (logged).

        ``outbox``: also whether the REST outbox holds a message for the conversation, in the same
        statement (:meth:`handoff.store.HandoffStore.hold_of`); unknown (the record could not be
        read) counts as yes, so the outbox is then asked on its own."""
        try:
            if self._inline:
                return self.store.hold_of(sender_id, outbox=outbox)
            return await asyncio.get_running_loop().run_in_executor(
                None, functools.partial(self.store.hold_of, sender_id, outbox=outbox))
        except Exception as error:  # noqa: BLE001 - the bot's answer (or its apology) beats silence
            logger.warning("gate: the handoff record could not be read (%s); the bot answers", type(error).__name__)
            return Hold(outbox=outbox)

    @staticmethod
    def _turn_under_way(lock_store: Any, sender_id: str) -> bool:
        try:
            return bool(lock_store.is_someone_waiting(sender_id))
        except Exception:  # noqa: BLE001 - the lock store is down: Rasa's turn will say so
            return False

    @staticmethod
    async def _record(agent: Any, message: UserMessage) -> None:
        """The customer's message in the conversation, no bot reply: a turn that ended listening."""
        processor = agent.processor
        tracker = await processor.log_message(message, should_save_tracker=False)
        tracker = await processor.run_action_extract_slots(message.output_channel, tracker)
        tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
        await processor.run_anonymization_pipeline(tracker)
        await processor.save_tracker(tracker)

    async def _resume_old_pause(self, agent: Any, sender_id: str) -> None:
        processor = agent.processor
        tracker = await processor.get_tracker(sender_id)
        if tracker.is_paused():
            tracker.update(ConversationResumed())
            tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
            await processor.save_tracker(tracker)
            logger.info("gate: a conversation left paused by an older Kefu was resumed")
        await asyncio.get_running_loop().run_in_executor(None, self.store.tracker_resumed, sender_id)


class GatedChannel:
    """Mixin of Kefu's input channels: their :class:`Gate`, built from the settings on first use
    (:meth:`gate_settings`) and replaceable (tests hand one in)."""

    _gate: Gate | None = None

    def gate_settings(self) -> Settings:
        """The settings the gate is built from; a channel that holds its own returns those."""
        return current()

    @property
    def gate(self) -> Gate:
        if self._gate is None:
            self._gate = Gate.from_settings(self.gate_settings())
        return self._gate

    @gate.setter
    def gate(self, gate: Gate) -> None:
        self._gate = gate
