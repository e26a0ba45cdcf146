"""Ingestion of conversation events into the analytics tables, and the dashboard's exact figures."""

from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest
import sqlalchemy as sa

from analytics.ingest import ingest
from analytics.models import AnalyticsMark, ConversationSession, UnansweredMessage
from analytics.report import dashboard
from faq.loader import load_catalogue
from kefu.db import get_engine, session_scope
from kefu.events import record_events
from kefu.settings import ROOT
from tests.unit.analytics.seed import DAY1, DAY2, DAY3, TODAY, ZONE, Conversation, local, seed

FAQS = load_catalogue(ROOT / "faq" / "content")[0].faqs
HUABEI = ["能不能用花呗分期", "花呗能分期吗", "花呗可以分期付款吗"]


def mark_times(url: str) -> dict[str, dt.datetime]:
    with session_scope(url) as db:
        return {mark.name: mark.updated_at for mark in db.execute(sa.select(AnalyticsMark)).scalars().all()}


def figures(url: str, days: int = 7) -> dict:
    return dashboard(url, days=days, today=TODAY, zone=ZONE, faqs=FAQS)


def add_malformed_rows(url: str) -> int:
    """Rows the ingester must skip: no sender; metadata that is not an object; (SQLite) no readable timestamp."""
    good = Conversation("shopper-x", "rest", local(DAY3, 22))
    rows = [
        {"sender_id": "", "type": "user", "timestamp": dt.datetime(2026, 11, 30, 12, tzinfo=dt.timezone.utc),
         "text": "我的电话是13812345678", "intent": "nlu_fallback", "data": {}},
        {"sender_id": "shopper-x", "type": "bot", "timestamp": dt.datetime(2026, 11, 30, 12, tzinfo=dt.timezone.utc),
         "text": "hi", "metadata": [1, 2], "data": {}},
    ]
    engine = get_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO conversation_events (sender_id, type, timestamp, text, intent, metadata, data) "
            "VALUES (:sender_id, :type, :timestamp, :text, :intent, :metadata, :data)"
        ).bindparams(sa.bindparam("metadata", type_=sa.JSON), sa.bindparam("data", type_=sa.JSON)),
            [{"intent": None, "metadata": None, **row} for row in rows])
        skipped = len(rows)
        if engine.dialect.name == "sqlite":
            connection.execute(sa.text(
                "INSERT INTO conversation_events (sender_id, type, timestamp, text) "
                "VALUES ('shopper-y', 'user', 'not a date', '我的电话是13812345678')"))
            skipped += 1
    record_events(url, good.events)  # after the bad rows: still ingested (a session without messages)
    return skipped


EXPECTED_PER_DAY = [
    {"day": (TODAY - dt.timedelta(days=n)).isoformat(), "total": 0, "by_channel": {}} for n in range(6, -1, -1)
]
EXPECTED_PER_DAY[4] = {"day": DAY1.isoformat(), "total": 2, "by_channel": {"rest": 1, "socketio": 1}}
EXPECTED_PER_DAY[5] = {"day": DAY2.isoformat(), "total": 3, "by_channel": {"rest": 2, "telegram": 1}}
EXPECTED_PER_DAY[6] = {"day": DAY3.isoformat(), "total": 2, "by_channel": {"rest": 1, "socketio": 1}}


def check_seeded_figures(report: dict) -> None:
    assert report["from"] == "2026-11-24" and report["to"] == "2026-11-30" and report["timezone"] == "Asia/Shanghai"
    assert report["conversations"]["total"] == 7
    assert report["conversations"]["per_day"] == EXPECTED_PER_DAY
    assert report["conversations"]["by_channel"] == {"rest": 4, "socketio": 2, "telegram": 1}
    assert report["conversations"]["channels"] == ["rest", "socketio", "telegram"]
    assert report["messages"] == {"customer": 16, "faq_answers": 5, "fallbacks": 4, "out_of_scope": 1}
    assert report["containment"] == {"conversations": 7, "contained": 4, "rate": 0.5714}
    assert report["handoffs"] == {"total": 3, "by_reason": {"complaint": 1, "customer_request": 1,
                                                            "low_confidence": 1}}
    assert report["wait_seconds"] == {"average": 90.0, "count": 2}
    assert report["handling_seconds"] == {"average": 450.0, "count": 2}
    assert report["csat"] == {"average": 4.0, "count": 2,
                              "distribution": {"1": 0, "2": 0, "3": 1, "4": 0, "5": 1}}
    assert [(f["faq_id"], f["count"]) for f in report["top_faqs"]] == [
        ("shipping_fee", 2), ("invoice_change", 1), ("invoice_request", 1), ("return_shipping_cost", 1)]
    assert report["top_faqs"][0]["question_zh"]
    top = report["top_unanswered"]
    assert [(t["count"], t["kinds"]) for t in top] == [
        (3, {"fallback": 3}), (1, {"fallback": 1}), (1, {"handoff": 1}), (1, {"handoff": 1}),
        (1, {"out_of_scope": 1})]
    assert top[0]["text"] in HUABEI and sorted(top[0]["examples"]) == sorted(HUABEI)
    assert [t["text"] for t in top[1:]] == [
        "我手机*******5678收不到验证码", "发票抬头写错了怎么改", "我要投诉，快递十天了还没到", "你们卖不卖二手车"]


@pytest.mark.parametrize("batch_size", [1000, 7])
def test_dashboard_numbers_on_seeded_conversations(database_url, batch_size):
    seed(database_url)
    result = ingest(database_url, batch_size=batch_size, zone=ZONE)
    assert result.skipped == 0 and result.unanswered == 7 and result.faq_answers == 6
    check_seeded_figures(figures(database_url))
    # a shorter window: only the last day
    last_day = figures(database_url, days=1)
    assert last_day["conversations"]["total"] == 2 and last_day["containment"]["rate"] == 1.0
    assert last_day["handoffs"]["total"] == 0 and last_day["csat"]["average"] is None
    assert last_day["wait_seconds"] == {"average": None, "count": 0}


def test_ingest_is_incremental_and_idempotent(database_url):
    seed(database_url)
    first = ingest(database_url, zone=ZONE)
    assert first.events > 0
    before = mark_times(database_url)
    again = ingest(database_url, zone=ZONE)
    assert (again.events, again.unanswered, again.faq_answers) == (0, 0, 0)
    assert mark_times(database_url) == before  # nothing new: an idle run only looks, it takes no lock and writes nothing
    check_seeded_figures(figures(database_url))

    # later the same day: a new conversation goes through fallback, out of scope and an FAQ
    h = Conversation("shopper-h", "wechat", local(DAY3, 22))
    h.user("花呗分期能用吗", "nlu_fallback", 0.3).fallback().user("今天天气怎么样", "out_of_scope").out_of_scope()
    record_events(database_url, h.events)
    later = ingest(database_url, zone=ZONE)
    assert (later.unanswered, later.faq_answers) == (2, 0)
    report = figures(database_url)
    assert report["conversations"]["total"] == 8
    assert report["conversations"]["per_day"][-1]["by_channel"] == {"rest": 1, "socketio": 1, "wechat": 1}
    assert report["containment"] == {"conversations": 8, "contained": 5, "rate": 0.625}
    assert report["top_unanswered"][0]["count"] == 4


def test_two_replicas_ingesting_at_once_count_everything_once(database_url):
    seed(database_url)
    errors: list[BaseException] = []

    def replica():
        try:
            for _ in range(5):
                ingest(database_url, batch_size=5, zone=ZONE)
        except BaseException as error:  # noqa: BLE001 - a thread's failure, reported below  # pragma: no cover
            errors.append(error)

    threads = [threading.Thread(target=replica) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    ingest(database_url, zone=ZONE)
    check_seeded_figures(figures(database_url))
    with session_scope(database_url) as db:
        assert db.execute(sa.select(sa.func.count()).select_from(UnansweredMessage)).scalar() == 7
        keys = db.execute(sa.select(ConversationSession.session_key)).scalars().all()
        assert len(keys) == len(set(keys)) == 9  # 8 sessions over the three days + the old one


def test_malformed_rows_are_logged_without_customer_text_and_skipped(database_url, caplog):
    seed(database_url)
    skipped = add_malformed_rows(database_url)
    with caplog.at_level(logging.WARNING, logger="analytics.ingest"):
        result = ingest(database_url, zone=ZONE)
    assert result.skipped == skipped
    warnings = [r.getMessage() for r in caplog.records if r.name == "analytics.ingest"]
    assert len(warnings) == skipped
    assert any("no sender id" in w for w in warnings) and any("metadata is not an object" in w for w in warnings)
    assert not any("13812345678" in w or "电话" in w for w in warnings)
    check_seeded_figures(figures(database_url))
    assert ingest(database_url, zone=ZONE).skipped == 0  # the mark moved past them


def test_inbox_items_are_masked_and_paused_messages_are_not_unanswered(database_url):
    seed(database_url)
    ingest(database_url, zone=ZONE)
    with session_scope(database_url) as db:
        items = db.execute(sa.select(UnansweredMessage).order_by(UnansweredMessage.at)).scalars().all()
        texts = [item.text for item in items]
        kinds = {item.text: item.kind for item in items}
    assert "我手机*******5678收不到验证码" in texts
    assert not any("13812345678" in text for text in texts)
    assert "在吗" not in texts  # written to the agent while the bot was paused
    assert "转人工" not in texts and kinds["发票抬头写错了怎么改"] == "handoff"
    assert kinds["花呗能分期吗"] == "fallback"  # the second misunderstanding, answered by the handoff


def test_a_rating_given_after_the_first_ingest_reaches_the_dashboard(database_url):
    from tests.unit.analytics.seed import handoff

    seed(database_url)
    late = Conversation("shopper-late", "rest", local(DAY3, 9))
    late.user("人工客服", "request_human").hand_over()
    record_events(database_url, late.events)
    ingest(database_url, zone=ZONE)  # the events are in before the handoff row
    handoff(database_url, late, "customer_request", wait=30, handling=90)
    late.events = []
    late.wait(120).resume_and_rate(4)
    from handoff.store import HandoffStore

    HandoffStore(database_url).record_rating("shopper-late", 4, late.now)
    record_events(database_url, late.events)
    ingest(database_url, zone=ZONE)
    report = figures(database_url)
    assert report["handoffs"]["by_reason"]["customer_request"] == 2
    assert report["csat"] == {"average": 4.0, "count": 3, "distribution": {"1": 0, "2": 0, "3": 1, "4": 1, "5": 1}}
    assert report["wait_seconds"] == {"average": 70.0, "count": 3}
