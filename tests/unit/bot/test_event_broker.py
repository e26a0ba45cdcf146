"""The event broker: Rasa's tracker store publishes each turn's events, they land in conversation_events."""

from __future__ import annotations

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationPaused, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.events import KefuEventBroker
from kefu.db import session_scope
from kefu.events import ConversationEvent


async def test_every_event_of_a_turn_is_stored_in_order(database_url, tmp_path):
    broker = await KefuEventBroker.from_endpoint_config(EndpointConfig(url=database_url))
    domain = Domain.from_dict({"slots": {"handoff_reason": {"type": "any", "mappings": [{"type": "custom"}]}}})
    store = SQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "tracker.db"), event_broker=broker)
    tracker = DialogueStateTracker.from_events("shopper-1", [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered("我要投诉", intent={"name": "complaint", "confidence": 0.97}, input_channel="rest",
                    parse_data={"sentiment": {"label": "negative"}}, metadata={"customer_token": "secret.jwt.value",
                                                                             "page": "/orders"}),
        SlotSet("handoff_reason", "complaint"),
        ActionExecuted("action_handoff_request"),
        BotUttered("正在为您转接人工客服", metadata={"utter_action": "utter_handoff_queued"}),
        ConversationPaused(),
    ])
    await store.save(tracker)
    tracker = await store.retrieve("shopper-1")  # the next turn starts from the stored conversation
    tracker.update(BotUttered("您好，我是小林", metadata={"agent": "小林"}))
    await store.save(tracker)
    await broker.close()

    with session_scope(database_url) as session:
        rows = session.execute(sa.select(ConversationEvent).order_by(ConversationEvent.id)).scalars().all()
    assert [r.type for r in rows] == ["action", "session_started", "action", "user", "slot", "action", "bot",
                                      "pause", "bot"]
    assert all(r.sender_id == "shopper-1" for r in rows)
    user = rows[3]
    assert (user.text, user.intent, user.confidence, user.input_channel) == ("我要投诉", "complaint", 0.97, "rest")
    assert user.event_metadata == {"page": "/orders"}  # the customer token is never stored
    assert "secret.jwt.value" not in str(user.data)
    assert user.data["parse_data"]["sentiment"] == {"label": "negative"}
    assert rows[4].name == "handoff_reason" and rows[5].name == "action_handoff_request"
    assert rows[6].text == "正在为您转接人工客服" and rows[8].event_metadata == {"agent": "小林"}
    stamps = [r.timestamp for r in rows]
    assert stamps == sorted(stamps)


def test_table_is_indexed_for_conversation_and_time_queries(database_url):
    from kefu.db import get_engine

    indexes = {tuple(ix["column_names"]) for ix in sa.inspect(get_engine(database_url)).get_indexes("conversation_events")}
    assert ("sender_id",) in indexes and ("timestamp",) in indexes and ("sender_id", "timestamp") in indexes


def test_publishing_outside_an_event_loop_writes_at_once(database_url):
    broker = KefuEventBroker(database_url)
    broker.publish({"sender_id": "s", "event": "user", "text": "hi", "timestamp": 1_700_000_000.0})
    broker.wait()
    with session_scope(database_url) as session:
        assert session.execute(sa.select(ConversationEvent.text)).scalar_one() == "hi"


def test_a_failed_write_never_logs_the_customers_message(tmp_path, caplog, monkeypatch):
    # A database without the table: every attempt fails with an SQL error, which is logged.
    monkeypatch.setattr("bot.events.RETRY_PAUSES", (0.0, 0.0))
    broker = KefuEventBroker(f"sqlite:///{tmp_path / 'empty.db'}")
    with caplog.at_level("WARNING"):
        broker.publish({"sender_id": "shopper-9", "event": "user", "text": "我的手机13812345678 地址是幸福路8号",
                        "timestamp": 1_700_000_000.0})
        broker.wait()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "could not be stored" in logged  # the failure itself is reported
    assert "13812345678" not in logged and "幸福路" not in logged


def test_turns_ending_during_a_write_are_written_together_in_order(database_url, monkeypatch):
    import threading

    from kefu import events as conversation_events

    started, release, batches = threading.Event(), threading.Event(), []

    def slow_first_write(url, events):  # the real write, held back the first time
        events = list(events)
        batches.append([e["text"] for e in events])
        if len(batches) == 1:
            started.set()
            release.wait(10)
        return conversation_events.record_events(url, events)

    monkeypatch.setattr("bot.events.record_events", slow_first_write)
    broker = KefuEventBroker(database_url)
    broker.publish({"sender_id": "s", "event": "user", "text": "t1", "timestamp": 1_700_000_000.0})
    assert started.wait(10)
    for n in (2, 3, 4):  # three more turns end while the first write is in progress
        broker.publish({"sender_id": "s", "event": "user", "text": f"t{n}", "timestamp": 1_700_000_000.0 + n})
    release.set()
    broker.wait()
    assert batches == [["t1"], ["t2", "t3", "t4"]]
    with session_scope(database_url) as session:
        texts = session.execute(sa.select(ConversationEvent.text).order_by(ConversationEvent.id)).scalars().all()
    assert texts == ["t1", "t2", "t3", "t4"]
    broker.publish({"sender_id": "s", "event": "user", "text": "t5", "timestamp": 1_700_000_010.0})
    broker.wait()  # after the burst, a new turn is written on its own again
    assert batches[-1] == ["t5"]


def _recording_writes(monkeypatch) -> list[list[str]]:
    from kefu import events as conversation_events

    batches: list[list[str]] = []

    def write(url, events):  # the real write, remembering what went into each transaction
        events = list(events)
        batches.append([e["text"] for e in events])
        return conversation_events.record_events(url, events)

    monkeypatch.setattr("bot.events.record_events", write)
    return batches


async def test_turns_ending_within_the_batch_time_share_one_transaction(database_url, monkeypatch):
    import asyncio

    batches = _recording_writes(monkeypatch)
    broker = KefuEventBroker(database_url, batch_seconds=0.1)
    for turn in range(3):  # three turns, a few milliseconds apart
        for part in ("user", "bot"):
            broker.publish({"sender_id": f"s{turn}", "event": part, "text": f"{part}{turn}",
                            "timestamp": 1_700_000_000.0 + turn})
        await asyncio.sleep(0.005)
    assert batches == []  # nothing written before the batch time is up ...
    await asyncio.sleep(0.3)
    assert batches == [["user0", "bot0", "user1", "bot1", "user2", "bot2"]]  # ... then all at once, in order
    with session_scope(database_url) as session:
        assert session.execute(sa.select(sa.func.count(ConversationEvent.id))).scalar_one() == 6
    await broker.close()


async def test_closing_writes_what_waits_for_its_batch(database_url, monkeypatch):
    batches = _recording_writes(monkeypatch)
    broker = KefuEventBroker(database_url, batch_seconds=60)
    broker.publish({"sender_id": "s", "event": "user", "text": "last words", "timestamp": 1_700_000_000.0})
    await broker.close()  # a server shutting down loses nothing
    assert batches == [["last words"]]
    with session_scope(database_url) as session:
        assert session.execute(sa.select(ConversationEvent.text)).scalar_one() == "last words"


async def test_batch_time_comes_from_the_endpoint_configuration(database_url):
    configured = await KefuEventBroker.from_endpoint_config(EndpointConfig(url=database_url, batch_seconds=0))
    default = await KefuEventBroker.from_endpoint_config(EndpointConfig(url=database_url))
    assert configured.batch_seconds == 0
    from bot.events import BATCH_SECONDS

    assert default.batch_seconds == BATCH_SECONDS > 0
