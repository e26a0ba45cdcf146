"""A scripted history of one customer (C1004 of the demo shop, 刘洋) over a week, written as Rasa's
event broker and the handoff queue write it, for the signal, record and erasure tests."""

from __future__ import annotations

import datetime as dt

from analytics.ingest import ingest_once
from customers.links import CustomerLinks
from handoff.states import Status
from handoff.store import HandoffStore, NewHandoff
from handoff.tickets import ComplaintTickets
from kefu.events import record_events
from shop.demo.seed import seed_demo_shop
from tests.unit.analytics.seed import ZONE, Conversation, local

DAY = dt.date(2026, 11, 23)
#: what the history's signals are, oldest first (the refund is the demo shop's order 261101000654)
SIGNALS = ["refund", "complaint", "low_rating", "abandoned_handoff", "repeat_contact", "unanswered"]
#: 3 + 3 + 2 + 2 + 1 + 1
SCORE = 12
#: what the customer typed, to look for after an erasure
WORDS = ("快递十天都冇到", "係咪寄失咗", "点解仲未退款", "刘洋", "18645678123")


def day(n: int, hour: int = 10) -> dt.datetime:
    return local(DAY + dt.timedelta(days=n), hour)


def _handoff(url: str, conversation: Conversation, reason: str, **values: object) -> int:
    item, _ = HandoffStore(url).open_handoff(
        NewHandoff(sender_id=conversation.sender, channel=conversation.channel, reason=reason, priority=1,
                   customer_id=values.pop("customer_id", None), trigger_text=values.pop("text", None)),  # type: ignore[arg-type]
        status=Status.WAITING, actor="bot", at=conversation.now)
    return item.id


def script(url: str) -> None:
    """C1004 writes on Telegram (linked by an order check) and on WeChat (linked later)."""
    seed_demo_shop(url, today=DAY)
    links = CustomerLinks(url)
    store = HandoffStore(url)
    # day 0, Telegram: a complaint, handed over, resolved and rated 2
    a = Conversation("tg:5551", "telegram", day(0))
    a.user("我要投诉 快递十天都冇到 我电话18645678123", "complaint").hand_over()
    record_events(url, a.events)
    links.link("C1004", channel="telegram", sender_id="tg:5551", by="order_check", at=a.now)
    complaint = _handoff(url, a, "complaint", customer_id="C1004", text="我要投诉 快递十天都冇到 我电话18645678123")
    ComplaintTickets(url).create(store.get(complaint), category="delivery", summary="我要投诉 快递十天都冇到",
                                 transcript=[{"role": "customer", "text": "我要投诉 快递十天都冇到", "ts": None}],
                                 at=a.now)
    store.transition(complaint, Status.ACTIVE, actor="agent:xiaolin", at=a.now + dt.timedelta(seconds=40),
                     claimed_by="xiaolin")
    store.transition(complaint, Status.RESOLVED, actor="agent:xiaolin", at=a.now + dt.timedelta(minutes=5))
    store.record_rating("tg:5551", 2, a.now + dt.timedelta(minutes=6))
    # day 2, Telegram again: asks for a human and leaves before anyone comes
    b = Conversation("tg:5551", "telegram", day(2))
    b.user("係咪寄失咗", "request_human").hand_over()
    record_events(url, b.events)
    left = _handoff(url, b, "customer_request", customer_id="C1004")
    store.transition(left, Status.ABANDONED, actor="system", at=b.now + dt.timedelta(minutes=10))
    # day 5, WeChat: the third conversation in a week, two messages the bot did not understand
    c = Conversation("wx:oLIU", "wechat", day(5))
    c.user("点解仲未退款", "nlu_fallback", 0.2).fallback().user("退款去咗边", "nlu_fallback", 0.3).fallback()
    record_events(url, c.events)
    links.link("C1004", channel="wechat", sender_id="wx:oLIU", by="order_check", at=c.now)
    # somebody else's conversation, which must survive an erasure of C1004
    other = Conversation("tg:8888", "telegram", day(5))
    other.user("运费怎么算", "faq").faq("shipping_fee")
    record_events(url, other.events)
    while ingest_once(url, now=day(6), zone=ZONE).events:
        pass
