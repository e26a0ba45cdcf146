"""The Rasa event broker that records every conversation event in the app database.

Configured in ``endpoints.yml`` (``event_broker: type: bot.events.KefuEventBroker``). Rasa's
tracker store hands it each new event after a conversation turn is saved; it writes them to
``conversation_events`` (:mod:`kefu.events`) on one background thread, in order, so the
Rasa server's event loop never waits for the database. The events of the turns that end within
:data:`BATCH_SECONDS` (and of those that end while a write is in progress) are written together
in one transaction. Handoff transcripts, the agent console's
live feed and analytics read that table; it works the same with one Rasa replica or several.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from kefu.events import record_events
from kefu.settings import current

logger = logging.getLogger(__name__)

#: Events published within this time (seconds) are written in one transaction: the conversations
#: of a busy server share the writer's work (a commit, the ORM-free INSERT) instead of each turn
#: paying for its own, and a turn seldom runs while a write holds the interpreter. The agent
#: console and transcripts see an event this much later at most.
BATCH_SECONDS = 0.025
#: A batch this large is written at once.
BATCH_EVENTS = 500
#: Pauses between attempts to store a batch of events when the database does not answer.
RETRY_PAUSES = (0.5, 1.0, 2.0, 4.0, 0.0)


class KefuEventBroker(EventBroker):
    """Writes Rasa events to ``conversation_events`` in the app database (``DATABASE_URL``)."""

    def __init__(self, database_url: str, batch_seconds: float = BATCH_SECONDS) -> None:
        self.database_url = database_url
        self.batch_seconds = batch_seconds
        self._pending: list[dict[str, Any]] = []
        self._scheduled = False
        self._writer = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="kefu-events")
        self._last_write: concurrent.futures.Future | None = None
        # Handed to the writer, not yet taken by it: events of turns that ended while a write was
        # in progress join the writer's next transaction instead of queueing one each.
        self._queue: list[dict[str, Any]] = []
        self._writing = False
        self._lock = threading.Lock()

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig | None = None, event_loop: asyncio.AbstractEventLoop | None = None,
    ) -> KefuEventBroker:
        url = (broker_config.url if broker_config is not None else None) or current().database_url
        batch_seconds = (broker_config.kwargs.get("batch_seconds") if broker_config is not None else None)
        return cls(url, BATCH_SECONDS if batch_seconds is None else float(batch_seconds))

    def publish(self, event: dict[str, Any]) -> None:
        """Queues one event; what was published within ``batch_seconds`` is written together."""
        self._pending.append(event)
        if len(self._pending) >= BATCH_EVENTS:
            self.flush()
            return
        if self._scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # called outside an event loop: write now
            self.flush()
            return
        self._scheduled = True
        if self.batch_seconds > 0:
            loop.call_later(self.batch_seconds, self.flush)
        else:
            loop.call_soon(self.flush)

    def flush(self) -> concurrent.futures.Future | None:
        """Hands the queued events to the writer thread; returns the future of the write that
        will include them."""
        self._scheduled = False
        batch, self._pending = self._pending, []
        if not batch:
            return self._last_write
        with self._lock:
            self._queue.extend(batch)
            if self._writing:  # the write in progress takes them when it is done
                return self._last_write
            self._writing = True
            self._last_write = self._writer.submit(self._drain)
        return self._last_write

    def _drain(self) -> None:
        """Writes whatever was handed over, in order, until nothing is left."""
        while True:
            with self._lock:
                batch, self._queue = self._queue, []
                if not batch:
                    self._writing = False
                    return
            self._write(batch)

    def _write(self, batch: list[dict[str, Any]]) -> None:
        for attempt, pause in enumerate(RETRY_PAUSES):
            try:
                record_events(self.database_url, batch)
                return
            except Exception as error:  # noqa: BLE001 - the conversation goes on; its record is retried
                if attempt == len(RETRY_PAUSES) - 1:
                    logger.error("event broker: %d conversation events (of %s) could not be stored: %s",
                                 len(batch), ", ".join(sorted({str(e.get("sender_id"))[:8] + "…" for e in batch})),
                                 error)
                    return
                logger.warning("event broker: storing events failed (%s); retrying in %.1f s", error, pause)
                time.sleep(pause)

    def wait(self, timeout: float | None = 10) -> None:
        """Blocks until everything published so far is written (tests, shutdown)."""
        future = self.flush()
        if future is not None:
            future.result(timeout=timeout)

    def is_ready(self) -> bool:
        return True

    async def close(self) -> None:
        future = self.flush()
        if future is not None:
            await asyncio.wrap_future(future)
        self._writer.shutdown(wait=True)
