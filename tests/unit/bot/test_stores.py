"""KefuTrackerStore: Rasa's SQL tracker store on Kefu's database, credentials never stored.

On SQLite and PostgreSQL, with stock Rasa's retrieve and save and with the patched ones
(``store_mode``). The patch's cache is tested in tests/unit/bot/patches/test_tracker_cache.py.
"""

from __future__ import annotations

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from bot.stores import KefuTrackerStore

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet]
slots:
  language:
    type: text
    influence_conversation: false
    mappings: [{type: custom}]
"""
)


def store(url: str) -> KefuTrackerStore:
    return KefuTrackerStore(domain=DOMAIN, host=url)


def dump(tracker) -> list[dict]:
    return [{k: v for k, v in e.as_dict().items() if k != "timestamp"} for e in tracker.events]


async def turn(tracker_store: KefuTrackerStore, sender: str, text: str):
    tracker = await tracker_store.get_or_create_tracker(sender)
    tracker.update(UserUttered(text, {"name": "greet", "confidence": 1.0}))
    await tracker_store.save(tracker)  # Rasa saves after the user message ...
    tracker.update(ActionExecuted("utter_greet"))
    tracker.update(BotUttered(f"re: {text}"))
    tracker.update(SlotSet("language", "zh-Hans"))
    tracker.update(ActionExecuted("action_listen"))
    await tracker_store.save(tracker)  # ... and after the bot's actions
    return tracker


@pytest.fixture()
def url(database_url):
    return database_url


class RecordingBroker:
    """Stands for any event broker (Kafka, RabbitMQ, Kefu's own): records what it is handed."""

    def __init__(self) -> None:
        self.published: list[dict] = []

    def publish(self, event: dict) -> None:
        self.published.append(event)


TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJDMTAwMSJ9.secret-signature-of-the-token"


def signed_in_message(text: str) -> UserUttered:
    return UserUttered(text, {"name": "greet", "confidence": 1.0}, input_channel="rest",
                       metadata={"customer_token": TOKEN, "page": "/orders", "auth": {"password": "pw-123"}})


def stored_bytes(url: str) -> bytes:
    """Every row of Rasa's events table as stored (the JSON text of each event)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT data FROM events")).scalars().all()
    engine.dispose()
    return "\n".join(rows).encode()


async def test_credentials_in_message_metadata_are_never_stored_or_published(url, store_mode):
    broker = RecordingBroker()
    replica = KefuTrackerStore(domain=DOMAIN, host=url, event_broker=broker)
    tracker = await replica.get_or_create_tracker("c7")
    tracker.update(signed_in_message("我的订单"))
    await replica.save(tracker)  # this store's save (the patched one's own path) ...
    assert tracker.latest_message.metadata["customer_token"] == TOKEN  # ... the turn's actions still see it
    outsider = await store(url).retrieve("c7")
    outsider.update(signed_in_message("再查一个"))
    await replica.save(outsider)  # ... and the way through Rasa's SQLTrackerStore.save

    data = stored_bytes(url)
    assert TOKEN.encode() not in data and b"secret-signature" not in data and b"pw-123" not in data
    published = repr(broker.published)
    assert broker.published and TOKEN not in published and "pw-123" not in published
    fresh = await store(url).retrieve("c7")
    said = [e for e in fresh.events if isinstance(e, UserUttered)]
    assert [e.text for e in said] == ["我的订单", "再查一个"]
    assert all(e.metadata == {"page": "/orders", "auth": {}} for e in said)  # the rest is kept
