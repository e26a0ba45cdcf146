"""The handoff actions on a real database, with the clock set by the test (never the time of day)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.human_handoff import common
from actions.human_handoff.rating_submit import ActionHandoffRatingSubmit
from actions.human_handoff.rating_validate import ValidateHandoffRatingForm
from actions.human_handoff.request import ActionHandoffRequest
from handoff.service import HandoffService
from handoff.store import HandoffStore
from handoff.tickets import ComplaintTickets
from kefu.keys import CUSTOMER_TOKENS, derive_text
from kefu.tokens import CustomerTokens

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
DAYTIME = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
NIGHT = dt.datetime(2026, 11, 23, 23, 30, tzinfo=SHANGHAI)


@pytest.fixture
def app_database(database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("KEFU_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("KEFU_SECRET_KEY", "k" * 40)
    monkeypatch.delenv("HANDOFF_SERVICE_HOURS", raising=False)
    monkeypatch.delenv("KEFU_VERIFICATION_MINUTES", raising=False)
    common._service_for.cache_clear()
    yield database_url
    common._service_for.cache_clear()


@pytest.fixture
def clock(monkeypatch):
    moments = {"now": DAYTIME}
    monkeypatch.setattr(common.Clocks, "now", staticmethod(lambda: moments["now"].astimezone(dt.timezone.utc)))
    return moments


def tracker(text="转人工", intent="request_human", *, sender="shopper-1", slots=None, parse=None,
            metadata=None, channel="rest", active_loop=None) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": [],
              "metadata": metadata or {}, **(parse or {})}
    events = [
        {"event": "session_started", "timestamp": time.time() - 60},
        {"event": "user", "text": "你好", "timestamp": time.time() - 50, "input_channel": channel},
        {"event": "bot", "text": "您好！请问有什么可以帮您？", "timestamp": time.time() - 49},
        {"event": "user", "text": text, "timestamp": time.time(), "input_channel": channel,
         "parse_data": latest},
    ]
    return Tracker(sender, {"language": "zh-Hans", **(slots or {})}, latest, events, False, None,
                   active_loop or {}, "action_listen")


async def run(action, tracker_):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker_, {})
    return dispatcher.messages, events


def store(url) -> HandoffStore:
    return HandoffStore(url)


async def test_request_in_service_hours_queues_and_the_record_holds_it(app_database, clock):
    messages, events = await run(ActionHandoffRequest(), tracker())
    assert [m["response"] for m in messages] == ["utter_handoff_queued"]
    assert messages[0]["queue_position"] == 1 and messages[0]["wait_minutes"] >= 1
    # the record says a human holds it (what the channels' gate asks); Rasa's tracker is not paused
    assert not any(e["event"] == "pause" for e in events)
    assert store(app_database).hold_of("shopper-1").by_human
    [handoff] = store(app_database).list(["waiting"])
    assert (handoff.sender_id, handoff.reason, handoff.priority, handoff.channel) == ("shopper-1", "customer_request",
                                                                                       1, "rest")
    assert handoff.trigger_text == "转人工"


async def test_second_customer_hears_they_are_second(app_database, clock):
    await run(ActionHandoffRequest(), tracker(sender="first"))
    messages, _ = await run(ActionHandoffRequest(), tracker(sender="second"))
    assert messages[0]["queue_position"] == 2


async def test_outside_hours_takes_a_callback_request_and_keeps_the_bot(app_database, clock):
    clock["now"] = NIGHT
    messages, events = await run(ActionHandoffRequest(), tracker())
    assert [m["response"] for m in messages] == ["utter_handoff_callback"]
    assert messages[0]["callback_time"] == "明天 09:00（北京时间）"
    assert messages[0]["service_hours"] == "09:00-22:00"
    assert not any(e["event"] == "pause" for e in events)
    assert not store(app_database).hold_of("shopper-1").by_human
    [handoff] = store(app_database).list(["callback"])
    assert handoff.callback_due_at is not None


async def test_callback_time_in_english(app_database, clock):
    clock["now"] = dt.datetime(2026, 11, 23, 6, 0, tzinfo=SHANGHAI)
    messages, _ = await run(ActionHandoffRequest(), tracker("human please", slots={"language": "en"}))
    assert messages[0]["callback_time"] == "09:00 today (Beijing time)"


@pytest.mark.parametrize(
    "text, intent, slots, parse, reason, priority",
    [
        ("我要投诉", "complaint", {}, {}, "complaint", 3),
        ("我的快递怎么还不到，烦死了", "complaint", {}, {"sentiment": {"label": "negative", "intent_before": "order_status"}},
         "negative_sentiment", 2),
        ("asdf", "nlu_fallback", {}, {}, "low_confidence", 1),
        ("1234", "inform", {"handoff_reason": "verification_failed"}, {}, "verification_failed", 2),
    ],
)
async def test_reason_and_priority(app_database, clock, text, intent, slots, parse, reason, priority):
    _, events = await run(ActionHandoffRequest(), tracker(text, intent, slots=slots, parse=parse))
    [handoff] = store(app_database).list(["waiting"])
    assert (handoff.reason, handoff.priority) == (reason, priority)
    assert {"event": "slot", "name": "handoff_reason", "value": None} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events]


async def test_complaint_is_recorded_as_a_ticket_and_the_customer_told(app_database, clock):
    messages, _ = await run(ActionHandoffRequest(), tracker("快递十天了还没到，太差了", "complaint"))
    assert [m["response"] for m in messages] == ["utter_handoff_complaint_recorded", "utter_handoff_queued"]
    [handoff] = store(app_database).list(["waiting"])
    ticket = ComplaintTickets(app_database).of_handoff(handoff.id)
    assert ticket.category == "delivery" and messages[0]["ticket_id"] == str(ticket.id)
    assert [line["text"] for line in ticket.transcript] == ["你好", "您好！请问有什么可以帮您？", "快递十天了还没到，太差了"]


async def test_an_upset_shoppers_question_is_answered_then_handed_over(app_database, clock):
    parse = {"sentiment": {"label": "negative", "intent_before": "faq"},
             "response_selector": {"faq": {"response": {"intent_response_key": "faq/refund_time"}}}}
    messages, _ = await run(ActionHandoffRequest(), tracker("这次购物体验太糟糕了，退款什么时候到账", "complaint",
                                                            parse=parse))
    assert [m["response"] for m in messages] == ["utter_faq/refund_time", "utter_handoff_complaint_recorded",
                                                 "utter_handoff_queued"]


async def test_a_complaint_that_asks_nothing_gets_no_faq_answer(app_database, clock):
    # the classifier's FAQ guess of a message it took for an order question is no answer
    parse = {"sentiment": {"label": "negative", "intent_before": "order_status"},
             "response_selector": {"faq": {"response": {"intent_response_key": "faq/shipping_time"}}}}
    messages, _ = await run(ActionHandoffRequest(), tracker("快递十天了还没到，太差了", "complaint", parse=parse))
    assert "utter_faq/shipping_time" not in [m["response"] for m in messages]


async def test_logged_in_widget_customer_is_known(app_database, clock):
    token = CustomerTokens(secret=derive_text("k" * 40, CUSTOMER_TOKENS)).issue("C1001")
    await run(ActionHandoffRequest(), tracker(metadata={"customer_token": token}, channel="socketio"))
    [handoff] = store(app_database).list(["waiting"])
    assert handoff.customer_id == "C1001" and handoff.channel == "socketio"
    await run(ActionHandoffRequest(), tracker(sender="forger", metadata={"customer_token": "forged"}))
    assert store(app_database).open_for("forger").customer_id is None


async def test_a_customer_id_slot_of_a_forged_tracker_is_not_believed(app_database, clock):
    # no slot of the domain holds a customer id; a caller of the action server can send any slots
    await run(ActionHandoffRequest(), tracker(slots={"customer_id": "C1005"}))
    assert store(app_database).open_for("shopper-1").customer_id is None


async def test_the_customer_of_a_verified_order_is_known_while_the_verification_counts(app_database, clock):
    from datetime import date

    from shop.demo.seed import seed_demo_shop

    seed_demo_shop(app_database, today=date(2026, 11, 22))
    fresh = {"order_id": "261103004817", "channel": "rest", "at": time.time() - 30}
    await run(ActionHandoffRequest(), tracker(sender="verified", slots={"order_verification": fresh}))
    assert store(app_database).open_for("verified").customer_id == "C1004"
    stale = {**fresh, "at": time.time() - 16 * 60}
    await run(ActionHandoffRequest(), tracker(sender="stale", slots={"order_verification": stale}))
    assert store(app_database).open_for("stale").customer_id is None
    elsewhere = {**fresh, "channel": "telegram"}
    await run(ActionHandoffRequest(), tracker(sender="elsewhere", slots={"order_verification": elsewhere}))
    assert store(app_database).open_for("elsewhere").customer_id is None


async def test_active_form_is_closed_when_handing_over(app_database, clock):
    _, events = await run(ActionHandoffRequest(), tracker(active_loop={"name": "order_form"}))
    kinds = [e["event"] for e in events]
    assert "active_loop" in kinds and "pause" not in kinds


async def test_database_down_gets_an_apology_not_a_crash(monkeypatch, tmp_path, clock):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/nowhere")  # nothing listens there
    monkeypatch.setenv("KEFU_VAR_DIR", str(tmp_path))
    common._service_for.cache_clear()
    messages, events = await run(ActionHandoffRequest(), tracker())
    common._service_for.cache_clear()
    assert [m["response"] for m in messages] == ["utter_handoff_unavailable"]
    assert not any(e["event"] == "pause" for e in events)


def rating_tracker(text, retries=None):
    return Tracker("shopper-1", {"language": "zh-Hans", "handoff_rating_retries": retries},
                   {"text": text, "intent": {"name": "inform"}}, [], False, None,
                   {"name": "handoff_rating_form"}, "action_listen")


def test_rating_validation_reads_ratings_and_asks_again_once():
    validate = ValidateHandoffRatingForm()
    dispatcher = CollectingDispatcher()
    assert validate.validate_handoff_rating("５分", dispatcher, rating_tracker("５分"), {}) == {"handoff_rating": 5}
    assert validate.validate_handoff_rating("非常满意", dispatcher, rating_tracker("非常满意"), {}) == {"handoff_rating": 5}
    first = validate.validate_handoff_rating("嗯", dispatcher, rating_tracker("嗯"), {})
    assert first == {"handoff_rating": None, "handoff_rating_retries": 1}
    assert [m["response"] for m in dispatcher.messages] == ["utter_handoff_rating_invalid"]
    second = validate.validate_handoff_rating("随便", dispatcher, rating_tracker("随便", retries=1), {})
    assert second == {"handoff_rating": "skipped", "handoff_rating_retries": None}


async def test_rating_is_stored_on_the_resolved_handoff(app_database, clock):
    service = HandoffService.create(app_database, clock=common.Clocks.now)
    handoff = service.request(sender_id="shopper-1", channel="rest", reason="customer_request").handoff
    service.claim(handoff.id, "agent")
    service.resolve(handoff.id, "agent")
    rated = rating_tracker("5")
    rated.slots["handoff_rating"] = 5
    messages, _events = await run(ActionHandoffRatingSubmit(), rated)
    assert messages == [{"response": "utter_handoff_rating_thanks", "handoff_rating": 5, **{
        k: messages[0][k] for k in messages[0] if k not in ("response", "handoff_rating")}}]
    assert store(app_database).get(handoff.id).rating == 5
    skipped = rating_tracker("whatever")
    skipped.slots["handoff_rating"] = "skipped"
    messages, _ = await run(ActionHandoffRatingSubmit(), skipped)
    assert messages[0]["response"] == "utter_handoff_rating_skipped"


async def test_dedicated_service_wording_follows_the_catalogue_s_member_benefits(app_database, clock):
    from datetime import date

    from kefu.db import session_scope
    from shop.demo.catalogue_models import MemberBenefit
    from shop.demo.seed import seed_demo_shop

    seed_demo_shop(app_database, today=date(2026, 11, 22))

    def signed_in(customer_id):
        return {"customer_token": CustomerTokens(secret=derive_text("k" * 40, CUSTOMER_TOKENS)).issue(customer_id)}

    messages, _ = await run(ActionHandoffRequest(), tracker(sender="gold", metadata=signed_in("C1008")))
    assert [m["response"] for m in messages] == ["utter_handoff_queued_member"]
    assert messages[0]["customer_name"] == "周傑"
    messages, _ = await run(ActionHandoffRequest(), tracker(sender="silver", metadata=signed_in("C1007")))
    assert [m["response"] for m in messages] == ["utter_handoff_queued"]
    # a shop whose gold tier has no dedicated line: the plain queue message (the priority stays the contract's)
    with session_scope(app_database) as session:
        row = session.get(MemberBenefit, "gold")
        row.document = {**row.document, "dedicated_service": False}
    messages, _ = await run(ActionHandoffRequest(), tracker(sender="gold-2", metadata=signed_in("C1001")))
    assert [m["response"] for m in messages] == ["utter_handoff_queued"]
    assert store(app_database).open_for("gold-2").priority == 2
