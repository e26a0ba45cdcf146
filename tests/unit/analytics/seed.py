"""A seeded set of conversations, written as Rasa's event broker writes them, with their handoffs.

Days are the shop's local days (Asia/Shanghai); ``TODAY`` is the last one. What the dashboard must
show for them is spelled out in test_ingest.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from handoff.states import Status
from handoff.store import HandoffStore, NewHandoff
from kefu.events import record_events

ZONE = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 11, 30)
DAY1, DAY2, DAY3 = TODAY - dt.timedelta(days=2), TODAY - dt.timedelta(days=1), TODAY


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZONE).astimezone(dt.timezone.utc)


class Conversation:
    """Builds the events of one conversation session, two seconds apart."""

    def __init__(self, sender: str, channel: str, start: dt.datetime) -> None:
        self.sender, self.channel, self.now = sender, channel, start
        self.events: list[dict[str, Any]] = []
        self.action("action_session_start")
        self.add(event="session_started")
        self.action("action_listen")

    def add(self, **event: Any) -> None:
        self.now += dt.timedelta(seconds=2)
        self.events.append({"sender_id": self.sender, "timestamp": self.now.timestamp(), **event})

    def action(self, name: str) -> None:
        self.add(event="action", name=name, policy="RulePolicy", confidence=1.0)

    def bot(self, text: str, **metadata: Any) -> None:
        self.add(event="bot", text=text, data={}, metadata=metadata)

    def user(self, text: str, intent: str, confidence: float = 0.9) -> Conversation:
        self.add(event="user", text=text, input_channel=self.channel, message_id=f"m{len(self.events)}",
                 metadata={"customer_token": "secret-token"},
                 parse_data={"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": []})
        return self

    def faq(self, faq_id: str) -> Conversation:
        self.action("utter_faq")
        self.bot(f"answer of {faq_id}", utter_action=f"utter_faq/{faq_id}")
        self.action("action_listen")
        return self

    def reply(self, action: str, text: str) -> Conversation:
        self.action(action)
        self.bot(text, utter_action=action)
        self.action("action_listen")
        return self

    def fallback(self) -> Conversation:
        return self.reply("utter_default", "抱歉，我没太明白，您能换个说法吗？")

    def out_of_scope(self) -> Conversation:
        return self.reply("utter_out_of_scope", "抱歉，这个问题我回答不了。")

    def hand_over(self) -> Conversation:
        self.action("action_handoff_request")
        self.bot("正在为您转接人工客服，请稍候。", utter_action="utter_handoff_queued")
        self.add(event="pause")
        self.action("action_listen")
        return self

    def agent(self, text: str) -> Conversation:
        self.bot(text, agent="xiaolin")
        return self

    def resume_and_rate(self, rating: int) -> Conversation:
        self.add(event="resume")
        self.add(event="user", text="EXTERNAL: handoff_resolved", input_channel=None,
                 parse_data={"intent": {"name": "EXTERNAL_handoff_resolved", "confidence": 1.0}})
        self.reply("utter_handoff_ended", "本次服务已结束，请为我们打分（1-5）。")
        self.user(str(rating), "inform", 0.99)
        self.action("handoff_rating_form")
        self.action("action_handoff_rating_submit")
        self.bot("谢谢您的评价！", utter_action="utter_handoff_rating_thanks")
        return self

    def wait(self, seconds: float) -> Conversation:
        self.now += dt.timedelta(seconds=seconds)
        return self


def handoff(url: str, conversation: Conversation, reason: str, *, wait: float | None = None,
            handling: float | None = None, rating: int | None = None) -> int:
    """Opens a handoff now (in the conversation's time), claimed after ``wait`` s, resolved ``handling`` s later."""
    store = HandoffStore(url)
    created = conversation.now
    item, _ = store.open_handoff(
        NewHandoff(sender_id=conversation.sender, channel=conversation.channel, reason=reason, priority=1),
        status=Status.WAITING, actor="bot", at=created)
    if wait is not None:
        store.transition(item.id, Status.ACTIVE, actor="agent:xiaolin", at=created + dt.timedelta(seconds=wait),
                         claimed_by="xiaolin")
        if handling is not None:
            ended = created + dt.timedelta(seconds=wait + handling)
            store.transition(item.id, Status.RESOLVED, actor="agent:xiaolin", at=ended)
            if rating is not None:
                store.record_rating(conversation.sender, rating, ended + dt.timedelta(seconds=30))
    return item.id


def seed(url: str, today: dt.date = TODAY) -> None:
    """Seven conversations over three days up to ``today`` (plus one where the customer never wrote,
    and one of the week before)."""
    DAY1, DAY2, DAY3 = today - dt.timedelta(days=2), today - dt.timedelta(days=1), today
    conversations: list[Conversation] = []

    # day 1: two contained conversations
    a1 = Conversation("shopper-a", "rest", local(DAY1, 10))
    a1.user("运费怎么算", "faq").faq("shipping_fee").user("谢谢", "thank").reply("utter_thank", "不客气")
    b = Conversation("shopper-b", "socketio", local(DAY1, 11))
    b.user("你们卖不卖二手车", "out_of_scope").out_of_scope().user("怎么开发票", "faq").faq("invoice_request")
    conversations += [a1, b]

    # day 2: not understood twice → handoff (low_confidence), claimed after 120 s, resolved after 600 s, rated 5
    c = Conversation("shopper-c", "rest", local(DAY2, 9))
    c.user("能不能用花呗分期", "nlu_fallback", 0.2).fallback().user("花呗能分期吗", "nlu_fallback", 0.3).hand_over()
    record_events(url, c.events)
    handoff(url, c, "low_confidence", wait=120, handling=600, rating=5)
    c.events = []
    c.wait(120).user("在吗", "nlu_fallback", 0.1).agent("您好，我是小林，可以用花呗分期").wait(600).resume_and_rate(5)
    # a complaint on Telegram: claimed after 60 s, resolved after 300 s, rated 3
    d = Conversation("shopper-d", "telegram", local(DAY2, 14))
    d.user("我要投诉，快递十天了还没到", "complaint").hand_over()
    record_events(url, d.events)
    handoff(url, d, "complaint", wait=60, handling=300, rating=3)
    d.events = []
    d.wait(360).resume_and_rate(3)
    # asked about invoices, then for a human: still waiting
    e = Conversation("shopper-e", "rest", local(DAY2, 16))
    e.user("发票抬头写错了怎么改", "faq").faq("invoice_change").user("转人工", "request_human").hand_over()
    record_events(url, e.events)
    handoff(url, e, "customer_request")
    e.events = []
    conversations += [c, d, e]

    # day 3: not understood twice, but then answered (no handoff); shopper-a back in a new session
    f = Conversation("shopper-f", "socketio", local(DAY3, 10))
    f.user("我手机13812345678收不到验证码", "nlu_fallback", 0.25).fallback()
    f.user("花呗可以分期付款吗", "nlu_fallback", 0.35).fallback()
    f.user("运费多少", "faq").faq("shipping_fee")
    a2 = Conversation("shopper-a", "rest", local(DAY3, 20))
    a2.user("退货运费谁出", "faq").faq("return_shipping_cost")
    g = Conversation("shopper-g", "socketio", local(DAY3, 21))  # opened the widget, never wrote
    conversations += [f, a2, g]

    # a conversation of the week before: outside a 3-day window
    old = Conversation("shopper-old", "rest", local(DAY1 - dt.timedelta(days=5), 12))
    old.user("积分怎么用", "faq").faq("points_usage")
    conversations.append(old)

    for conversation in conversations:
        if conversation.events:
            record_events(url, conversation.events)
