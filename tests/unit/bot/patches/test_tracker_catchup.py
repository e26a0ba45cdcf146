"""bot.patches.tracker_cache across replicas: when the other replica wrote the conversation since
this one cached it, the retrieve reads only the newer rows, and the tracker it gives equals what a
fresh read of the whole conversation gives (events, slots, latest message, active loop, the state
the action server and the policies are handed). Whenever that cannot be shown — an erased
conversation, a new session, unsaved events, a new model — it reads the conversation afresh.

Two stores on one database stand for two replicas, on SQLite and PostgreSQL; each retrieve is
compared with the retrieve of a third store that never saw the conversation, and the statements
it sends are counted (a full read is a transaction of the whole session's rows; the catch-up is
one autocommit statement for the new rows).
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import EventVerbosity

from bot.patches import tracker_cache
from bot.stores import UNREADABLE, KefuTrackerStore
from tests.unit.bot.test_stores_corrupt import BAD_ROWS

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet, order_status]
entities: [order_id]
slots:
  language:
    type: text
    influence_conversation: false
    mappings: [{type: custom}]
  order_id:
    type: text
    mappings: [{type: from_entity, entity: order_id}]
forms:
  order_form:
    required_slots: [order_id]
"""
)


@pytest.fixture()
def url(database_url, restored):
    tracker_cache.install()
    return database_url


def replica(url: str, domain: Domain = DOMAIN) -> KefuTrackerStore:
    return KefuTrackerStore(domain=domain, host=url)


_last = [0.0]


def now() -> float:
    """The time, strictly later than the last call's (events made in a row have distinct times)."""
    _last[0] = max(time.time(), _last[0] + 1e-3)
    return _last[0]


def user(text: str, intent: str = "greet", entities: list | None = None) -> UserUttered:
    parse = {"intent": {"name": intent, "confidence": 0.93}, "entities": entities or [],
             "intent_ranking": [{"name": intent, "confidence": 0.93}, {"name": "greet", "confidence": 0.04}]}
    return UserUttered(text, parse["intent"], entities or [], parse, timestamp=now(), input_channel="rest",
                       metadata={"page": "/help"})


def session_start() -> list:
    """What Rasa's processor logs when a session starts: the action's event before its own."""
    return [ActionExecuted("action_session_start", timestamp=now()), SessionStarted(timestamp=now()),
            ActionExecuted("action_listen", timestamp=now())]


async def turn(store: KefuTrackerStore, sender: str, text: str, *, new_session: bool | None = None,
               actions: tuple = ()) -> object:
    """One turn as Rasa's processor runs it: a session start on a new conversation (or if
    ``new_session``; never if it is False: the HTTP API's), the message saved, the bot's actions saved."""
    tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
    if new_session or (new_session is None and not tracker.events):
        for event in session_start():
            tracker.update(event)
    tracker.update(user(text))
    await store.save(tracker)
    for event in [SlotSet("language", "zh-Hans", timestamp=now()), *actions,
                  ActionExecuted("utter_greet", timestamp=now()), BotUttered(f"re: {text}", timestamp=now()),
                  ActionExecuted("action_listen", timestamp=now())]:
        tracker.update(event)
    await store.save(tracker)
    return tracker


def form_opens() -> tuple:
    return (ActionExecuted("order_form", timestamp=now()), ActiveLoop("order_form", timestamp=now()),
            SlotSet("requested_slot", "order_id", timestamp=now()))


def _untimed(event) -> dict:
    return {k: v for k, v in event.as_dict().items() if k != "timestamp"}


def dump(tracker) -> list[dict]:
    return [e.as_dict() for e in tracker.events]


async def assert_as_read_afresh(tracker, url: str, sender: str, domain: Domain = DOMAIN) -> None:
    """``tracker`` is what a replica that never saw the conversation reads.

    Compared as stored (JSON): the events this replica made itself are the very objects its turn
    left (a token a tuple where the stored JSON has a list), as on every turn the cache serves."""
    fresh = await replica(url, domain).retrieve(sender)
    assert stored(dump(tracker)) == dump(fresh)
    assert {k: s.value for k, s in tracker.slots.items()} == {k: s.value for k, s in fresh.slots.items()}
    # (after a restart it is a placeholder made when the tracker was: its time differs between any two reads)
    assert stored(_untimed(tracker.latest_message)) == _untimed(fresh.latest_message)
    assert tracker.active_loop == fresh.active_loop
    assert stored([e.as_dict() for e in tracker.applied_events()]) == [e.as_dict() for e in fresh.applied_events()]
    for verbosity in (EventVerbosity.NONE, EventVerbosity.AFTER_RESTART, EventVerbosity.ALL):
        assert stored(tracker.current_state(verbosity)) == fresh.current_state(verbosity)
    assert tracker.__dict__.get(UNREADABLE) == fresh.__dict__[UNREADABLE]


def stored(value):
    """``value`` as the tracker store's JSON gives it back."""
    return json.loads(json.dumps(value))


@dataclass
class Statements:
    """What the stores sent while the block ran: statements, transactions, rows returned (PostgreSQL's
    cursor counts the rows of a SELECT; SQLite's does not, None there)."""

    sent: list[str] = field(default_factory=list)
    transactions: int = 0
    rows: int | None = 0


@contextmanager
def statements():
    found = Statements()

    def before(conn, cursor, statement, parameters, context, executemany):
        found.sent.append(statement)

    def after(conn, cursor, statement, parameters, context, executemany):
        if cursor.rowcount < 0:
            found.rows = None
        elif found.rows is not None:
            found.rows += cursor.rowcount

    def begun(conn):
        found.transactions += 1

    listeners = [("before_cursor_execute", before), ("after_cursor_execute", after), ("begin", begun)]
    for name, listener in listeners:
        sa.event.listen(sa.engine.Engine, name, listener)
    try:
        yield found
    finally:
        for name, listener in listeners:
            sa.event.remove(sa.engine.Engine, name, listener)


def rows_of(url: str, sender: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": sender}).scalar()
    engine.dispose()
    return count


def texts(tracker) -> list[str]:
    return [e.text for e in tracker.events if isinstance(e, UserUttered)]


def caught_up(read: Statements, new_rows: int) -> bool:
    """The retrieve sent the newest-id lookup and one statement for the rows after the cached
    tracker's, outside a transaction (on PostgreSQL: the new rows alone came back)."""
    return continued(read) and read.rows in (None, 1 + new_rows)


def continued(read: Statements) -> bool:
    """The retrieve continued the cached tracker: the newest-id lookup, then the statement of the
    rows after the cached tracker's (with what proves the rows before it unchanged: ``kept``),
    outside a transaction; a full read sends the session's rows instead."""
    return len(read.sent) == 2 and read.transactions == 0 and "kept" in read.sent[1]


async def test_a_replica_reads_only_the_rows_the_other_wrote_and_gets_a_fresh_reads_tracker(url):
    a, b = replica(url), replica(url)
    cached = await turn(a, "s1", "你好")  # A starts the conversation: a session start, then the turn
    stored = rows_of(url, "s1")
    await turn(b, "s1", "查订单", actions=form_opens())  # B reads it afresh (it never saw it) and answers
    await turn(b, "s1", "12345")
    with statements() as read:
        tracker = await a.retrieve("s1")
    assert tracker is cached  # continued from the cache, not rebuilt
    assert caught_up(read, rows_of(url, "s1") - stored)
    await assert_as_read_afresh(tracker, url, "s1")
    assert texts(tracker) == ["你好", "查订单", "12345"] and tracker.active_loop_name == "order_form"
    fresh = replica(url)
    with statements() as full:  # what a replica without the conversation cached sends
        await fresh.retrieve("s1")
    # the session's rows alone (all but action_session_start; no newest-id lookup), outside a transaction
    assert len(full.sent) == 1 and full.transactions == 0
    assert full.rows in (None, rows_of(url, "s1") - 1)

    # the replicas take turns: each retrieve reads the other's turn alone, a restart among them
    for i in range(6):
        store = (a, b)[i % 2]
        stored = rows_of(url, "s1")
        await turn((b, a)[i % 2], "s1", f"第{i}句", actions=(Restarted(timestamp=now()),) if i == 3 else ())
        with statements() as read:
            tracker = await store.retrieve("s1")
        assert caught_up(read, rows_of(url, "s1") - stored)
        await assert_as_read_afresh(tracker, url, "s1")
    assert texts(tracker) == ["你好", "查订单", "12345", *(f"第{i}句" for i in range(6))]


async def test_after_a_new_session_on_either_replica_the_tracker_is_a_fresh_reads(url):
    a, b = replica(url), replica(url)
    await turn(a, "s2", "旧的")
    await turn(b, "s2", "还是旧的")
    await turn(a, "s2", "新的", new_session=True)  # A's cached tracker still holds the old session
    await turn(b, "s2", "B 说")  # B reads afresh: a session started since its turn
    with statements() as read:
        tracker = await a.retrieve("s2")
    assert continued(read)  # caught up, the old session's events dropped
    await assert_as_read_afresh(tracker, url, "s2")
    assert texts(tracker) == ["新的", "B 说"]

    await turn(b, "s2", "B 又开始", new_session=True)  # a session start among the new rows: read afresh
    with statements() as read:
        tracker = await a.retrieve("s2")
    assert not continued(read)
    await assert_as_read_afresh(tracker, url, "s2")
    assert texts(tracker) == ["B 又开始"]


def link(url: str, customer_id: str, sender: str) -> None:
    from customers.models import CustomerIdentity
    from kefu.db import session_scope

    with session_scope(url) as db:
        db.add(CustomerIdentity(customer_id=customer_id, channel="rest", sender_id=sender, linked_by="order_check"))


@pytest.mark.parametrize("sessions", [True, False], ids=["session-starts", "no-session-start"])
async def test_an_erased_conversation_is_never_continued_from_the_cache(url, sessions):
    from customers.privacy import erase

    a, b = replica(url), replica(url)
    link(url, "C1", "s3")
    await turn(a, "s3", "我的手机号是13800000000", new_session=None if sessions else False)
    tracker = await a.get_or_create_tracker("s3")
    if not sessions:  # a conversation without a session start (the HTTP API's)
        assert not [e for e in tracker.events if isinstance(e, SessionStarted)]
    await turn(a, "s3", "地址是幸福路七号")
    erase(url, "C1")  # issue 19: every row of the conversation deleted
    assert rows_of(url, "s3") == 0
    # the customer writes again (on SQLite the new rows take the erased rows' ids): more rows than before
    for text in ("还在吗", "查订单", "谢谢"):
        await turn(b, "s3", text, new_session=None if sessions else False)
    tracker = await a.retrieve("s3")
    assert "13800000000" not in repr(dump(tracker)) and "幸福路" not in repr(dump(tracker))
    assert texts(tracker) == ["还在吗", "查订单", "谢谢"]
    await assert_as_read_afresh(tracker, url, "s3")


def insert_bad_rows(store: KefuTrackerStore, sender: str, timestamp: float) -> None:
    table = store.SQLEvent.__table__
    with store.engine.begin() as connection:
        for type_name, data in BAD_ROWS:
            connection.execute(table.insert().values(sender_id=sender, type_name=type_name, timestamp=timestamp,
                                                     data=data.replace("\x00", "")))


@pytest.mark.parametrize("when", ["in-the-session", "before-it"])
async def test_unreadable_rows_written_in_between_are_skipped_as_a_fresh_read_skips_them(url, when, caplog):
    a, b = replica(url), replica(url)
    await turn(a, "s4", "你好")
    await turn(b, "s4", "运费怎么算")
    insert_bad_rows(b, "s4", now() if when == "in-the-session" else 1.0)  # the session started after 1.0
    await turn(b, "s4", "谢谢")
    caplog.clear()
    tracker = await a.retrieve("s4")
    await assert_as_read_afresh(tracker, url, "s4")
    assert texts(tracker) == ["你好", "运费怎么算", "谢谢"]
    skipped = [r for r in caplog.records if "skipped unreadable event row" in r.getMessage()]
    assert len(skipped) == (2 * len(BAD_ROWS) if when == "in-the-session" else 0)  # A's read, then the fresh one
    # the conversation goes on from either replica, nothing stored twice or lost
    await turn(a, "s4", "还有")
    await turn(b, "s4", "再见")
    for store in (a, b):
        tracker = await store.retrieve("s4")
        await assert_as_read_afresh(tracker, url, "s4")
        assert texts(tracker) == ["你好", "运费怎么算", "谢谢", "还有", "再见"]


async def test_events_a_replica_never_stored_are_not_kept(url):
    a, b = replica(url), replica(url)
    tracker = await turn(a, "s5", "你好")
    tracker.update(user("没存上"))  # the turn ended before its save
    await turn(b, "s5", "运费怎么算")
    again = await a.retrieve("s5")
    assert texts(again) == ["你好", "运费怎么算"]
    await assert_as_read_afresh(again, url, "s5")


async def test_a_turn_that_stopped_before_its_save_leaves_nothing_for_the_next_turn_of_the_same_replica(url):
    a = replica(url)
    tracker = await turn(a, "s7", "你好")
    for event in (user("我要退货"), ActionExecuted("utter_ask_order", timestamp=now()),
                  BotUttered("请提供订单号", timestamp=now())):
        tracker.update(event)  # the turn was cancelled (the shopper's request timed out) before its save
    again = await a.retrieve("s7")
    assert texts(again) == ["你好"]  # not the reply the shopper never got
    assert "请提供订单号" not in [e.as_dict().get("text") for e in again.events]
    await assert_as_read_afresh(again, url, "s7")
    await turn(a, "s7", "运费怎么算")  # and the next turn stores only its own events
    assert texts(await replica(url).retrieve("s7")) == ["你好", "运费怎么算"]


async def test_a_new_model_reads_the_conversation_afresh(url):
    a, b = replica(url), replica(url)
    await turn(a, "s6", "你好")
    await turn(b, "s6", "运费怎么算")
    domain = Domain.from_yaml(DOMAIN.as_yaml().replace(
        "slots:", "slots:\n  mood:\n    type: text\n    initial_value: calm\n    mappings: [{type: custom}]", 1))
    a.domain = domain  # Rasa loaded a new model
    tracker = await a.retrieve("s6")
    assert tracker.slots["mood"].value == "calm"
    await assert_as_read_afresh(tracker, url, "s6", domain)


@pytest.fixture(scope="module")
def agent(trained_model):
    from rasa.core.agent import Agent

    return Agent.load(str(trained_model))


QUESTIONS = ["怎么注册账号？", "运费怎么算", "忘记密码怎么办？", "怎么退货", "运费怎么算", "可以用微信登录吗", "谢谢"]


async def test_two_replicas_taking_turns_answer_as_one_replica_does(url, agent):
    """The trained model, the dialogue-state patches installed as in production: a conversation
    whose turns alternate between two replicas gets the replies one replica gives, and after each
    turn the other replica's tracker is a fresh read's, caught up from the rows of that turn."""
    from bot.patches import dialogue_states, memoization_states, rule_states, tracker_copy

    for patch in (dialogue_states, tracker_copy, memoization_states, rule_states):
        patch.install()
    a, b, one = replica(url, agent.domain), replica(url, agent.domain), replica(url, agent.domain)

    async def say(store: KefuTrackerStore, sender: str, text: str) -> list:
        agent.tracker_store = agent.processor.tracker_store = store
        return [reply.get("text") for reply in await agent.handle_text(text, sender_id=sender)]

    for i, text in enumerate(QUESTIONS):
        store = (a, b)[i % 2]
        if i >= 2:  # each replica has the conversation cached from its last turn
            with statements() as read:
                tracker = await store.retrieve("two")
            await assert_as_read_afresh(tracker, url, "two", agent.domain)
            assert continued(read)
        assert await say(store, "two", text) == await say(one, "one", text)
    answered = [e.text for e in (await replica(url, agent.domain).retrieve("two")).events if isinstance(e, BotUttered)]
    assert len(answered) >= len(QUESTIONS) - 1 and "运费" in "".join(answered)
