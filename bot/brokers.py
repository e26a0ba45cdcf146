"""The Rasa event broker of ``endpoints.yml``: every conversation event to each of Kefu's brokers.

:class:`KefuEventBrokers` hands each event Rasa's tracker store publishes to

* :class:`bot.events.KefuEventBroker`, always: the app database's ``conversation_events``
  (transcripts, the agent console's live feed, analytics);
* :class:`bot.event_stream.KefuPikaEventBroker`, when ``RABBITMQ_URL`` is set: RabbitMQ, in Rasa's
  Pika event broker shape, for a shop's data team (docs/operators/events-for-the-data-team.md).

Off by default: without ``RABBITMQ_URL`` the database broker alone runs, exactly as before.
``RABBITMQ_EXCHANGE`` and ``RABBITMQ_QUEUES`` name the exchange and the queues (Rasa's
``rasa-exchange`` and ``rasa_core_events`` by default); ``endpoints.yml``'s ``batch_seconds`` still
goes to the database broker.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.event_stream import KefuPikaEventBroker
from bot.events import KefuEventBroker
from kefu.settings import current

logger = logging.getLogger(__name__)


class KefuEventBrokers(EventBroker):
    """Publishes every event to each broker in turn; the first (the app database) decides readiness."""

    def __init__(self, brokers: Sequence[EventBroker]) -> None:
        if not brokers:
            raise ValueError("KefuEventBrokers needs at least one broker")
        self.brokers = tuple(brokers)

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig | None = None, event_loop: asyncio.AbstractEventLoop | None = None,
    ) -> KefuEventBrokers:
        brokers: list[EventBroker] = [await KefuEventBroker.from_endpoint_config(broker_config)]
        settings = current()
        if settings.rabbitmq_url:
            brokers.append(await KefuPikaEventBroker.started(
                settings.rabbitmq_url, queues=settings.rabbitmq_queues, exchange_name=settings.rabbitmq_exchange))
        return cls(brokers)

    @property
    def stream(self) -> KefuPikaEventBroker | None:
        """The RabbitMQ broker, when ``RABBITMQ_URL`` is set."""
        return next((b for b in self.brokers if isinstance(b, KefuPikaEventBroker)), None)

    def publish(self, event: dict[str, Any]) -> None:
        for broker in self.brokers:
            try:
                broker.publish(event)
            except Exception:  # one broker's fault never keeps the event from the others
                logger.exception("event broker %s could not take an event", type(broker).__name__)

    async def settle(self, sender_id: str) -> None:
        """Waits, briefly, until the brokers that confirm (RabbitMQ) have the conversation's
        events so far: called by the tracker store at the end of a save, inside the turn's lock."""
        for broker in self.brokers:
            if isinstance(broker, KefuPikaEventBroker):
                await broker.settle(sender_id)

    def is_ready(self) -> bool:
        """The app database's broker is ready: RabbitMQ away is no reason to stop serving."""
        return self.brokers[0].is_ready()

    async def close(self) -> None:
        for broker in self.brokers:
            try:
                await broker.close()
            except Exception:
                logger.exception("event broker %s did not close cleanly", type(broker).__name__)


async def settle(event_broker: object, sender_id: str) -> None:
    """Waits until an event broker that confirms (:class:`KefuEventBrokers` with RabbitMQ) has the
    conversation's events so far, so that the next turn, on any replica, publishes after them.
    The tracker store calls it at the end of a save, inside the turn's lock; other brokers: no wait."""
    settled = getattr(event_broker, "settle", None)
    if settled is not None:
        await settled(sender_id)
