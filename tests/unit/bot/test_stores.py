"""KefuTrackerStore: Rasa's SQL tracker store with a validated per-process cache.

Every test compares against what a fresh store reads from the database, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

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


async def test_cached_tracker_equals_a_fresh_read(url):
    replica = store(url)
    for text in ("你好", "运费怎么算", "谢谢"):
        await turn(replica, "c1", text)
    cached = await replica.retrieve("c1")
    fresh = await store(url).retrieve("c1")
    assert dump(cached) == dump(fresh)
    assert [e.text for e in fresh.events if isinstance(e, UserUttered)] == ["你好", "运费怎么算", "谢谢"]
    assert fresh.get_slot("language") == "zh-Hans"


async def test_two_replicas_alternating_on_one_conversation_lose_nothing(url):
    first, second = store(url), store(url)
    for i in range(6):
        await turn(first if i % 2 == 0 else second, "c2", f"m{i}")
    for replica in (first, second, store(url)):
        tracker = await replica.retrieve("c2")
        assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == [f"m{i}" for i in range(6)]
        bot = [e.text for e in tracker.events if isinstance(e, BotUttered)]
        assert bot == [f"re: m{i}" for i in range(6)]


async def test_no_event_is_written_twice(url):
    replica = store(url)
    tracker = await turn(replica, "c3", "a")
    await replica.save(tracker)  # nothing new
    await replica.save(tracker)
    fresh = await store(url).retrieve("c3")
    assert dump(fresh) == dump(tracker)


async def test_a_tracker_from_elsewhere_is_saved_the_rasa_way(url):
    replica = store(url)
    await turn(replica, "c4", "a")
    outsider = await store(url).retrieve("c4")  # e.g. built by the HTTP API in another process
    outsider.update(UserUttered("b", {"name": "greet", "confidence": 1.0}))
    await replica.save(outsider)
    assert [e.text for e in (await store(url).retrieve("c4")).events if isinstance(e, UserUttered)] == ["a", "b"]
    assert [e.text for e in (await replica.retrieve("c4")).events if isinstance(e, UserUttered)] == ["a", "b"]


async def test_after_a_new_session_the_cached_tracker_predicts_like_a_fresh_read(url):
    replica = store(url)
    tracker = await turn(replica, "c5", "old session")
    tracker.update(SessionStarted())
    tracker.update(SlotSet("language", "en"))  # carried over
    tracker.update(ActionExecuted("action_listen"))
    await replica.save(tracker)
    await turn(replica, "c5", "new session")
    again = await replica.retrieve("c5")
    fresh = await store(url).retrieve("c5")
    applied = lambda t: [{k: v for k, v in e.as_dict().items() if k != "timestamp"} for e in t.applied_events()]  # noqa: E731
    assert applied(again) == applied(fresh)
    assert [e.text for e in fresh.events if isinstance(e, UserUttered)] == ["new session"]
    assert again.get_slot("language") == fresh.get_slot("language") == "zh-Hans"


async def test_failed_save_forgets_the_tracker(url, monkeypatch):
    replica = store(url)
    tracker = await turn(replica, "c6", "a")
    tracker.update(UserUttered("lost?", {"name": "greet", "confidence": 1.0}))

    def broken(*_args, **_kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(replica, "session_scope", broken)
    monkeypatch.setattr(replica, "_begin", broken)
    with pytest.raises(RuntimeError):
        await replica.save(tracker)
    monkeypatch.undo()
    reread = await replica.retrieve("c6")
    assert reread is not tracker
    assert [e.text for e in reread.events if isinstance(e, UserUttered)] == ["a"]


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


async def test_credentials_in_message_metadata_are_never_stored_or_published(url):
    broker = RecordingBroker()
    replica = KefuTrackerStore(domain=DOMAIN, host=url, event_broker=broker)
    tracker = await replica.get_or_create_tracker("c7")
    tracker.update(signed_in_message("我的订单"))
    await replica.save(tracker)  # this store's own save ...
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
