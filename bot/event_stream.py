"""Conversation events to RabbitMQ for a shop's data team: Rasa's own Pika event broker, hardened.

:class:`KefuPikaEventBroker` is :class:`rasa.core.brokers.pika.PikaEventBroker` (the fanout
exchange, the durable queues bound to it, each event one persistent message holding the event's
JSON exactly as Rasa writes it) with these changes, each for a fault measured on this stack
(docs/operators/events-for-the-data-team.md):

* it connects to ``RABBITMQ_URL`` as written (virtual host, ``amqps://`` and its query
  parameters kept) and names the server by its host alone in log lines, never with the password;
* the Rasa server starts whether RabbitMQ answers or not: it waits :data:`CONNECT_WAIT` seconds
  for the first connection, then keeps trying in the background. Rasa's broker tries 20 times
  5 seconds and then stops the server; and what it is handed before it is connected it drops;
* what cannot be published (RabbitMQ gone, not yet connected) is kept in memory, in order, and
  sent when the connection is back, as Rasa's broker does, but at most :data:`BUFFER_EVENTS`
  events (the oldest go first beyond that, counted and logged): Rasa's buffer has no bound;
* what is sent again goes in the order it was first handed over (the events in flight when the
  connection broke fail after newer ones: Rasa's broker then sends them out of order), each
  message with a ``message_id`` that stays the same when it is sent again, so a consumer can
  drop the rare duplicate (an event RabbitMQ took whose confirmation the outage lost);
* a failure is logged once per outage, without the event: Rasa logs every failed event with the
  customer's words. A failure is also a publish whose confirmation aio-pika cancelled (it closes
  channels with ``CancelledError``: such events were lost without a trace), one not confirmed
  within :data:`CONFIRM_SECONDS` (a publish caught at a connection's break could wait for ever:
  :meth:`KefuPikaEventBroker._watch`)
  and one RabbitMQ returned because no queue is bound to the exchange (Rasa counts those as
  published). Kept events go again on the reconnect, with the next event taken, or after a pause
  (:data:`RETRY_PAUSES`) while the channel is open;
* the tracker store waits (:meth:`KefuPikaEventBroker.settle`, :data:`SETTLE_SECONDS` at most,
  not during an outage) until RabbitMQ confirmed a turn's events before the turn ends, so the
  next turn of that conversation, on whichever replica, publishes after them; and aio-pika's
  publish is called without holding the channel across the socket's drain (:meth:`_publish_now`).
  Both for order across replicas: Rasa publishes in the background, and a busy replica's events
  came seconds after the next turn's from the other replica;
* closing never waits more than 5 s (aio-pika's close waits for a reconnect in progress: a Rasa
  server stopped during an outage hung).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import aio_pika
import rasa.shared.core.events  # noqa: F401 - Rasa's _publish reads it through the package
from pamqp import commands as amqp
from rasa.core.brokers.pika import DEFAULT_QUEUE_NAME, RABBITMQ_EXCHANGE, PikaEventBroker

logger = logging.getLogger(__name__)

#: Seconds the Rasa server waits at start for RabbitMQ before it serves without it (and keeps trying).
CONNECT_WAIT = 10.0
#: Pauses between attempts to connect while RabbitMQ does not answer (the last one repeats).
CONNECT_PAUSES = (1.0, 2.0, 5.0, 10.0, 30.0)
#: Seconds a turn waits at most for RabbitMQ's confirmation of its events (:meth:`KefuPikaEventBroker.settle`).
SETTLE_SECONDS = 5.0
#: Seconds a publish waits at most for RabbitMQ's confirmation; then it counts as failed: the event
#: is kept and sent again (with its message id: at least once). A publish caught at a connection's
#: break could wait for ever (seen in the stack test under load: the event never arrived).
CONFIRM_SECONDS = 30.0
#: Pauses before the kept events are sent again while the channel is open (a failure that did not
#: break the connection: no reconnect sends them), longer each time up to the last, until one is taken.
RETRY_PAUSES = (2.0, 5.0, 10.0, 30.0, 60.0)
#: Events kept in memory while RabbitMQ is away. Measured under bench-load: 8.7 events a turn,
#: 600 bytes of JSON each on average; kept as dicts about 3 KB each, so some 150 MB at most:
#: about 1.5 hours of a shop at one turn a second.
BUFFER_EVENTS = 50_000

__all__ = ["BUFFER_EVENTS", "DEFAULT_QUEUE_NAME", "RABBITMQ_EXCHANGE", "KefuPikaEventBroker"]


@dataclass(frozen=True)
class _Pending:
    """An event handed over: its place in the order, its message id, the event, Rasa's headers."""

    sequence: int
    message_id: str
    event: dict[str, Any]
    headers: dict[str, str] | None


class KefuPikaEventBroker(PikaEventBroker):
    """Rasa's Pika event broker on ``RABBITMQ_URL`` that never stops or slows the conversations."""

    def __init__(self, url: str, *, queues: Iterable[str] = (DEFAULT_QUEUE_NAME,),
                 exchange_name: str = RABBITMQ_EXCHANGE, buffer_events: int = BUFFER_EVENTS,
                 event_loop: asyncio.AbstractEventLoop | None = None, confirm_seconds: float = CONFIRM_SECONDS,
                 retry_pauses: tuple[float, ...] = RETRY_PAUSES) -> None:
        parts = urlsplit(url)
        super().__init__(
            parts.hostname or "", unquote(parts.username or "guest"), unquote(parts.password or "guest"),
            port=parts.port or (5671 if parts.scheme == "amqps" else 5672), queues=list(queues),
            exchange_name=exchange_name, event_loop=event_loop,
        )
        self._url = url
        self.buffer_events = buffer_events
        self.confirm_seconds = confirm_seconds
        self.retry_pauses = retry_pauses
        self._retry: asyncio.TimerHandle | None = None
        self._retries = 0
        self._started: dict[asyncio.Task[None], float] = {}  # publishes in flight: when each began
        self._watching: asyncio.TimerHandle | None = None
        self._unpublished_events: deque[_Pending] = deque()  # type: ignore[assignment]
        self._sequence = 0
        self._latest: dict[str, asyncio.Task[None]] = {}  # each conversation's last event in flight
        #: events given up because the buffer was full (since the start)
        self.dropped = 0
        #: events published (confirmed by RabbitMQ) since the start
        self.published = 0
        self._failing = False
        self._slow = False
        self._connecting: asyncio.Task[None] | None = None

    @classmethod
    async def started(cls, url: str, *, queues: Iterable[str], exchange_name: str,
                      wait: float = CONNECT_WAIT, **options: Any) -> KefuPikaEventBroker:
        """A broker connected to RabbitMQ, or (when it does not answer within ``wait`` seconds)
        one that keeps what it is given and connects in the background."""
        broker = cls(url, queues=queues, exchange_name=exchange_name, event_loop=asyncio.get_running_loop(),
                     **options)
        broker._connecting = broker._loop.create_task(broker._keep_connecting())
        try:
            await asyncio.wait_for(asyncio.shield(broker._connecting), wait)
        except asyncio.TimeoutError:
            logger.warning("RabbitMQ event stream: %s:%s does not answer yet; the conversations go on and their "
                           "events are kept (up to %d) until it does", broker.host, broker.port, broker.buffer_events)
        return broker

    async def _keep_connecting(self) -> None:
        attempt = 0
        while True:
            try:
                await self.connect()
            except Exception as error:  # noqa: BLE001 - refused, unreachable, wrong credentials: said once, retried
                if attempt == 0:
                    logger.warning("RabbitMQ event stream: cannot connect to %s:%s (%s); trying again",
                                   self.host, self.port, _reason(error))
                await asyncio.sleep(CONNECT_PAUSES[min(attempt, len(CONNECT_PAUSES) - 1)])
                attempt += 1
                continue
            logger.info("RabbitMQ event stream: publishing to exchange %r on %s:%s (queues %s)",
                        self.exchange_name, self.host, self.port, ", ".join(self.queues))
            self._publish_unpublished_messages()
            return

    async def _connect(self) -> aio_pika.abc.AbstractRobustConnection:
        """One attempt (:meth:`_keep_connecting` repeats), with the URL as the operator wrote it."""
        return await aio_pika.connect_robust(self._url)

    def publish(self, event: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        """Publishes ``event`` (Rasa's event JSON, ``sender_id`` added) to the exchange; keeps it
        for later while RabbitMQ is away."""
        self._sequence += 1
        self._send(_Pending(self._sequence, uuid.uuid4().hex, event, headers))

    def _send(self, item: _Pending) -> None:
        if self._exchange is None:
            self._keep(item)
            return
        task = self._loop.create_task(self._publish_item(item))
        self._background_tasks.add(task)
        task.add_done_callback(self._background_tasks.discard)
        self._started[task] = self._loop.time()
        task.add_done_callback(self._forget_start)
        if self._watching is None:
            self._watching = self._loop.call_later(self.confirm_seconds / 2, self._watch)
        sender = str(item.event.get("sender_id"))
        self._latest[sender] = task
        task.add_done_callback(lambda done: self._latest.pop(sender, None) if self._latest.get(sender) is done
                               else None)

    async def settle(self, sender_id: str, timeout: float = SETTLE_SECONDS) -> None:
        """Waits (``timeout`` at most) until RabbitMQ has confirmed the events of ``sender_id``
        handed over so far. The tracker store calls it before a turn ends (and the conversation's
        lock is let go): the next turn, on whichever replica, publishes after them. Without it a
        busy replica's events came seconds late, after the next turn's from another replica
        (docs/operators/events-for-the-data-team.md#several-replicas). No wait during an outage."""
        task = self._latest.get(sender_id)
        if task is None or self._failing or self._slow:
            return
        done, _ = await asyncio.wait({task}, timeout=timeout)
        if not done:  # RabbitMQ (or this server) too slow: the next turns do not wait until it confirms again
            self._slow = True
            logger.warning("RabbitMQ event stream: no confirmation from %s:%s within %.0f s; turns go on without "
                           "waiting for it until it confirms again", self.host, self.port, timeout)

    async def _publish_item(self, item: _Pending) -> None:
        if self._exchange is None:
            self._keep(item)
            return
        try:
            confirmation = await self._publish_now(self._exchange, self._message_of(item))
            if confirmation is not None and not isinstance(confirmation, amqp.Basic.Ack):
                raise _Returned(f"returned by RabbitMQ: no queue is bound to exchange {self.exchange_name!r}")
        except (Exception, asyncio.CancelledError) as error:  # noqa: BLE001 - any failure to publish: kept,
            # sent when it is back. CancelledError too: aio-pika closes a channel (and aiormq fails its
            # unconfirmed publishes) with it, and an event that fell through here was lost unnoticed
            self._keep(item)
            self._retry_later()
            if not self._failing:
                self._failing = True
                logger.warning("RabbitMQ event stream: publishing to %s:%s failed (%s); events are kept in memory "
                               "(up to %d) and sent when it is back", self.host, self.port, _reason(error),
                               self.buffer_events)
            return
        self.published += 1
        self._slow = False
        self._retries = 0
        if self._failing:
            self._failing = False
            logger.info("RabbitMQ event stream: %s:%s is back; the kept events are being sent", self.host, self.port)
        if self._unpublished_events:  # kept while the connection came back: sent now, not at the next outage
            self._publish_unpublished_messages()

    @staticmethod
    async def _publish_now(exchange: aio_pika.Exchange, message: aio_pika.Message) -> Any:
        """What ``exchange.publish(message, "")`` does, without holding the channel while the
        frames are written: aio-pika waits for the socket's drain under the channel's lock, so
        every event took several turns of a busy event loop one after the other, and a loaded
        replica published seconds late (measured: 31 of 95 conversations out of order over two
        replicas). Queued under the lock (so in order), the confirmation awaited after: RabbitMQ's
        ``Basic.Ack``, or the message itself when RabbitMQ returned it (``mandatory``: no queue took
        it). Never more than :data:`CONFIRM_SECONDS` (:meth:`_watch` cancels it then)."""
        channel = exchange.channel  # aiormq's, replaced by aio-pika's robust exchange on a reconnect
        return await channel.basic_publish(message.body, exchange=exchange.name, routing_key="",
                                           properties=message.properties, mandatory=True,
                                           wait=False)  # type: ignore[call-arg] # aiormq 6.4's Channel has it, its ABC not

    def _message_of(self, item: _Pending) -> aio_pika.Message:
        """Rasa's message (the event's JSON, persistent, ``app_id`` RASA_ENVIRONMENT) with a
        ``message_id`` that stays the same when it is sent again after an outage."""
        message = self._message(item.event, item.headers)
        message.message_id = item.message_id
        return message

    def _publish_unpublished_messages(self, *_: Any, **__: Any) -> None:
        """Sends the kept events again, in the order they were first handed over (those in
        flight when the connection broke fail after the ones handed over later)."""
        kept = sorted(self._unpublished_events, key=lambda item: item.sequence)
        self._unpublished_events.clear()
        for item in kept:
            self._send(item)

    def _forget_start(self, task: asyncio.Task[None]) -> None:
        self._started.pop(task, None)

    def _watch(self) -> None:
        """Cancels the publishes waiting longer than :data:`CONFIRM_SECONDS` for RabbitMQ's
        confirmation (each is then kept and sent again: :meth:`_publish_item`), every half of that
        while any is in flight. A timer, not a timeout per publish: ``asyncio.wait_for`` would
        cost a task more for each of some nine events a turn."""
        self._watching = None
        too_old = self._loop.time() - self.confirm_seconds
        for task, started in list(self._started.items()):
            if started <= too_old:
                task.cancel()
        if self._started:
            self._watching = self._loop.call_later(self.confirm_seconds / 2, self._watch)

    def _retry_later(self) -> None:
        """Sends the kept events again after a pause (:data:`RETRY_PAUSES`), when the channel is
        open by then: a failure that leaves the connection up (a confirmation that never came, a
        returned event, a channel aio-pika reopened) gets no reconnect to send them, and without
        this they waited for the next event, which a quiet shop may not have for hours."""
        if self._retry is not None or self._loop.is_closed():
            return
        pause = self.retry_pauses[min(self._retries, len(self.retry_pauses) - 1)]
        self._retries += 1
        self._retry = self._loop.call_later(pause, self._retry_kept)

    def _retry_kept(self) -> None:
        self._retry = None
        if not self._unpublished_events:
            return
        channel = getattr(self._exchange, "channel", None) if self._exchange is not None else None
        if channel is None or channel.is_closed:  # RabbitMQ away: the reconnect sends them
            self._retry_later()
            return
        self._publish_unpublished_messages()

    def _keep(self, item: _Pending) -> None:
        if len(self._unpublished_events) >= self.buffer_events:
            self._unpublished_events.popleft()
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 10_000 == 0:
                logger.error("RabbitMQ event stream: more than %d events waiting; %d of the oldest given up so far",
                             self.buffer_events, self.dropped)
        self._unpublished_events.append(item)

    @property
    def waiting(self) -> int:
        """Events kept until RabbitMQ takes them."""
        return len(self._unpublished_events)

    async def flush(self, timeout: float = 10.0) -> None:
        """Waits until what was handed over so far is published (or kept), at most ``timeout`` s."""
        pending = set(self._background_tasks)
        if pending:
            await asyncio.wait(pending, timeout=timeout)

    async def close(self) -> None:
        """Sends what is in flight (a few seconds at most), then closes the connection."""
        if self._connecting is not None and not self._connecting.done():
            self._connecting.cancel()
        await self.flush(timeout=5.0)
        for timer in (self._retry, self._watching):
            if timer is not None:
                timer.cancel()
        self._retry = self._watching = None
        if self._unpublished_events:
            logger.warning("RabbitMQ event stream: closing with %d events not published", self.waiting)
        if self._connection is not None and not self._connection.is_closed:
            try:  # aio-pika's close waits for a reconnect in progress: never longer than this
                await asyncio.wait_for(self._connection.close(), 5.0)
            except (asyncio.TimeoutError, OSError, RuntimeError) as error:
                logger.warning("RabbitMQ event stream: the connection did not close cleanly (%s)", _reason(error))


class _Returned(Exception):
    """RabbitMQ returned an event (published ``mandatory``) because no queue is bound to the exchange:
    it is kept like any other that could not be published, and the failure logged once."""


def _reason(error: BaseException) -> str:
    """An error's kind and message for a log line (the URL's password never in it: aio-pika
    names hosts, not credentials, and the process's log filter redacts URL passwords)."""
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
