"""Issue 19.1: a conversation is linked to the shop's customer by a widget login or a passed order
check; later conversations from the same channel identity are linked too; a link opens nothing
to the conversation (the identity rule of contract section 4 stands)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import customer_links
from actions.human_handoff import common
from actions.human_handoff.request import ActionHandoffRequest
from actions.orders.order_status import ActionOrderStatus
from actions.orders.validate_order_lookup_form import ValidateOrderLookupForm
from customers.links import CustomerLinks
from handoff.store import HandoffStore
from kefu.settings import current
from kefu.text import normalize
from tests.unit.actions.orders.conftest import SLOTS, Run, token, verified

validate, status = ValidateOrderLookupForm(), ActionOrderStatus()
FORM = {"name": "order_lookup_form"}


def say(action, sender: str, text: str, *, channel: str, intent: str = "inform", slots: dict | None = None,
        metadata: dict | None = None, loop: dict | None = None, session_age: float = 600) -> Run:
    """Runs ``action`` on the message ``text`` of conversation ``sender`` on ``channel``."""
    all_slots: dict[str, Any] = {**SLOTS, "language": "zh-Hans", **(slots or {})}
    latest = {"text": normalize(text), "intent": {"name": intent, "confidence": 0.9}, "entities": [],
              "metadata": metadata or {}}
    now = time.time()
    events = [{"event": "session_started", "timestamp": now - session_age},
              {"event": "user", "text": text, "parse_data": latest, "metadata": metadata or {},
               "timestamp": now, "input_channel": channel}]
    tracker = Tracker(sender, all_slots, latest, events, False, None, loop or {}, "action_listen")
    dispatcher = CollectingDispatcher()
    result = asyncio.run(action.run(dispatcher, tracker, {}))
    return Run(result, dispatcher.messages, all_slots["language"], all_slots)


def links() -> CustomerLinks:
    customer_links._links.cache_clear()
    return CustomerLinks(current().database_url)


def test_a_widget_login_links_the_conversation_to_its_customer(shop):
    say(validate, "web:abc", "查下订单261120000612", channel="socketio", loop=FORM, metadata=token("C1001"))
    assert links().customer_of("web:abc") == "C1001"
    [identity] = links().identities("C1001")
    assert (identity.channel, identity.sender_id, identity.linked_by) == ("socketio", "web:abc", "customer_token")


def test_a_token_for_someone_elses_order_links_nothing(shop):
    run = say(validate, "web:abc", "261103004817", channel="socketio", loop=FORM, metadata=token("C1001"))
    assert "utter_order_not_in_account" in run.responses
    assert links().customer_of("web:abc") is None


def test_an_order_check_links_then_a_second_channel_joins_the_same_record(shop):
    # on Telegram, anonymous: order number and phone digits (full-width, the way people type them)
    say(validate, "tg:5551", "订单２６１１０３００４８１７ 尾号８１２３", channel="telegram", loop=FORM)
    assert links().customer_of("tg:5551") == "C1004"
    # a wrong check links nothing
    say(validate, "tg:9999", "261103004817 手机尾号0000", channel="telegram", loop=FORM)
    assert links().customer_of("tg:9999") is None
    # later the same customer on WeChat, checking their other order
    say(validate, "wx:oABC", "261120000733 尾號8123 唔該", channel="wechat", loop=FORM)
    record = links().identities("C1004")
    assert {(i.channel, i.sender_id) for i in record} == {("telegram", "tg:5551"), ("wechat", "wx:oABC")}
    assert all(i.linked_by == "order_check" for i in record)


def test_a_link_by_an_order_check_opens_no_other_order_and_no_later_session(shop):
    say(validate, "tg:5551", "261103004817 8123", channel="telegram", loop=FORM)
    assert links().customer_of("tg:5551") == "C1004"
    # the customer's other order, asked from the linked conversation without a new check
    other = say(status, "tg:5551", "另一张单261120000733呢", channel="telegram", intent="order_status",
                slots={"order_id": "261120000733"})
    assert "utter_order_verification_failed" in [m["response"] for m in other.messages]
    assert "处理中" not in other.texts and "261120000733" not in other.texts
    # the checked order itself in a later session (the check made in an earlier one)
    later = say(status, "tg:5551", "我的快递到哪了", channel="telegram", intent="order_status",
                slots=verified("261103004817", "8123", age=1200, channel="telegram"), session_age=300)
    assert "SF9296037519664" not in later.texts


def test_an_order_check_does_not_replace_a_widget_logins_link(shop):
    say(validate, "web:abc", "261120000612", channel="socketio", loop=FORM, metadata=token("C1001"))
    say(validate, "web:abc", "261103004817 8123", channel="socketio", loop=FORM)
    assert links().customer_of("web:abc") == "C1001"


def test_a_later_conversation_of_the_same_identity_is_linked_in_its_handoff(shop, monkeypatch):
    common._service_for.cache_clear()
    say(validate, "tg:5551", "261103004817 8123", channel="telegram", loop=FORM)
    # days later, a new session on the same Telegram chat: no check, straight to a human
    say(ActionHandoffRequest(), "tg:5551", "真人客服", channel="telegram", intent="request_human", session_age=5)
    [handoff] = HandoffStore(current().database_url).list(["waiting", "callback"])
    # the agent sees the record it is linked to, marked as not proven in this conversation
    assert handoff.customer_id == "C1004" and handoff.customer_proven is False
    common._service_for.cache_clear()


def test_a_handoff_of_a_conversation_that_proves_its_customer_now_is_proven(shop):
    common._service_for.cache_clear()
    say(ActionHandoffRequest(), "web:abc", "转人工", channel="socketio", intent="request_human", metadata=token("C1001"))
    checked = verified("261103004817", "8123", age=30, channel="telegram")
    say(ActionHandoffRequest(), "tg:5551", "真人客服", channel="telegram", intent="request_human", slots=checked)
    found = {h.sender_id: (h.customer_id, h.customer_proven)
             for h in HandoffStore(current().database_url).list(["waiting", "callback"])}
    assert found == {"web:abc": ("C1001", True), "tg:5551": ("C1004", True)}
    common._service_for.cache_clear()


def test_a_gold_members_handoff_is_served_before_a_regular_one_of_the_same_reason(shop, monkeypatch):
    """Contract section 8: the reason's priority + 1 for gold and black_gold; higher first."""
    common._service_for.cache_clear()
    opening = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc)  # 10:00 in Shanghai: in service hours
    monkeypatch.setattr(common.Clocks, "now", staticmethod(lambda: opening))
    first = say(ActionHandoffRequest(), "web:regular", "转人工", channel="socketio", intent="request_human",
                metadata=token("C1002"))  # 李伟, regular, asks first
    assert first.messages[-1]["queue_position"] == 1 and first.responses == ["utter_handoff_queued"]
    gold = say(ActionHandoffRequest(), "web:gold", "人工客服 唔該", channel="socketio", intent="request_human",
               metadata=token("C1001"))  # 王芳, gold, a moment later
    assert gold.messages[-1]["queue_position"] == 1
    # 专属客服 wording, by name, for the member signed in now
    assert gold.texts.startswith("王芳您好，您是我们的尊贵会员，已为您优先转接专属客服，您当前排在第 1 位")
    # a black_gold member linked earlier by an order check (its phone may be a gift recipient's), now
    # asking without proof: linking never widens what an anonymous conversation gets (issue 19):
    # no tier point, and nothing of the record is said to the conversation
    say(validate, "tg:777", "261120000815 尾号9043", channel="telegram", loop=FORM)
    linked = say(ActionHandoffRequest(), "tg:777", "找真人", channel="telegram", intent="request_human",
                 session_age=5)
    assert linked.responses == ["utter_handoff_queued"] and "陈静" not in linked.texts
    queue = HandoffStore(current().database_url).list(["waiting"])
    assert [(h.sender_id, h.reason, h.priority, h.customer_proven) for h in queue] == [
        ("web:gold", "customer_request", 2, True), ("web:regular", "customer_request", 1, True),
        ("tg:777", "customer_request", 1, False)]
    common._service_for.cache_clear()


def test_the_member_wording_in_english(shop, monkeypatch):
    common._service_for.cache_clear()
    opening = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc)
    monkeypatch.setattr(common.Clocks, "now", staticmethod(lambda: opening))
    run = say(ActionHandoffRequest(), "web:kit", "can i talk to a real person pls", channel="socketio",
              intent="request_human", metadata=token("C1008"), slots={"language": "en"})  # 周傑, gold
    assert run.texts.startswith("周傑, as a valued member you are served first: I'm connecting you to your dedicated agent.")
    common._service_for.cache_clear()
