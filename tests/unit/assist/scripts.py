"""Scripted conversations for the agents' tools, written as Rasa's event broker writes them.

On the demo shop (``seed_demo_shop``): customer C1001 is 王芳 (gold), order 261120000612 is hers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from handoff.states import Status
from handoff.store import HandoffStore, NewHandoff
from kefu.clock import utcnow
from kefu.events import record_events
from kefu.text import detect_language
from tests.unit.analytics.seed import Conversation

ORDER = "261120000612"


def said(conversation: Conversation, text: str, intent: str, *, negative: float | None = None,
         confidence: float = 0.9) -> Conversation:
    """A shopper message with the sentiment the pipeline's check gives it (``negative``: its score)."""
    parse: dict[str, Any] = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": []}
    if negative is not None:
        parse["sentiment"] = {"label": "negative" if negative >= 0.5 else "neutral", "score": negative}
    conversation.add(event="user", text=text, input_channel=conversation.channel,
                     message_id=f"m{len(conversation.events)}", metadata={}, parse_data=parse)
    return conversation


def slot(conversation: Conversation, name: str, value: Any) -> Conversation:
    conversation.add(event="slot", name=name, value=value)
    return conversation


def hand_over(url: str, conversation: Conversation, reason: str, trigger: str, *, customer_id: str | None = None,
              order_id: str | None = None, language: str = "zh-Hans", claim: str | None = None,
              proven: bool = True) -> int:
    """Records the events so far and opens the handoff at the conversation's time (claimed by ``claim``);
    ``proven=False``: ``customer_id`` is only the earlier link of the channel identity."""
    conversation.hand_over()
    record_events(url, conversation.events)
    conversation.events = []
    store = HandoffStore(url)
    item, _ = store.open_handoff(
        NewHandoff(sender_id=conversation.sender, channel=conversation.channel, reason=reason, priority=1,
                   language=language, customer_id=customer_id, customer_proven=proven and customer_id is not None,
                   order_id=order_id, trigger_text=trigger),
        status=Status.WAITING, actor="bot", at=conversation.now)
    if claim:
        store.transition(item.id, Status.ACTIVE, actor=f"agent:{claim}", at=conversation.now, claimed_by=claim)
    return int(item.id)


def start(sender: str, channel: str = "socketio", *, minutes_ago: float = 30) -> Conversation:
    return Conversation(sender, channel, utcnow() - dt.timedelta(minutes=minutes_ago))


def order_conversation(url: str, sender: str = "shopper-order") -> int:
    """A signed-in shopper checks an order (phone check passed), then asks for a human."""
    c = start(sender)
    said(c, "我的订单到哪了", "order_status", negative=0.05)
    slot(c, "order_id", ORDER)
    slot(c, "order_verification", {"order_id": ORDER, "channel": "socketio", "at": c.now.timestamp()})
    c.reply("action_order_status", f"订单{ORDER}当前状态：运输中。")
    said(c, "运费怎么算", "faq", negative=0.1).faq("shipping_fee")
    said(c, "转人工", "request_human", negative=0.2)
    return hand_over(url, c, "customer_request", "转人工", customer_id="C1001", order_id=ORDER, claim="agent")


def linked_conversation(url: str, sender: str = "shopper-linked") -> int:
    """A later conversation from a channel identity linked to C1001 by an earlier order check (the
    order's phone may be a gift recipient's): it proves nothing now, and types C1001's order number."""
    c = start(sender, "telegram")
    said(c, "我的订单到哪了", "order_status", negative=0.05)
    slot(c, "order_id", ORDER)
    said(c, "转人工", "request_human", negative=0.2)
    return hand_over(url, c, "customer_request", "转人工", customer_id="C1001", order_id=ORDER, claim="agent",
                     proven=False)


def complaint_conversation(url: str, sender: str = "shopper-complaint") -> int:
    """An anonymous shopper, upset about a late parcel, names an order they never verified."""
    c = start(sender, "rest")
    said(c, "快递十天了还没到，太差了吧", "complaint", negative=0.93)
    slot(c, "order_id", "261112000345")
    return hand_over(url, c, "complaint", "快递十天了还没到，太差了吧", order_id="261112000345")


def answered_by_agent(url: str, sender: str, question: str, reply: str, *, intent: str = "nlu_fallback",
                      customer_id: str | None = None, minutes_ago: float = 120) -> int:
    """A message the bot did not understand, handed over; an agent answers it."""
    english = detect_language(question) == "en"
    human = "talk to a human pls" if english else "转人工"
    c = start(sender, "rest", minutes_ago=minutes_ago)
    said(c, question, intent, confidence=0.2).fallback()
    said(c, human, "request_human")
    handoff_id = hand_over(url, c, "customer_request", human, customer_id=customer_id, claim="agent",
                           language="en" if english else "zh-Hans")
    c.wait(30).bot(reply, agent="小林")  # an agent's message names the agent's display name
    record_events(url, c.events)
    return handoff_id


def product_conversation(url: str, sender: str = "shopper-products") -> int:
    """A shopper asks about the coat's stock, then the earbuds, then wants a human."""
    c = start(sender)
    said(c, "羊毛大衣有没有黑色M码", "product_stock", negative=0.05)
    slot(c, "product_sku", "LM-AP-001")
    c.reply("action_product_answer", "羊毛双面大衣（黑色 M）暂时缺货。")
    said(c, "降噪蓝牙耳机续航多久", "product_fact", negative=0.05)
    slot(c, "product_sku", "LM-EL-007")
    c.reply("action_product_answer", "降噪蓝牙耳机的续航：……")
    said(c, "转人工", "request_human", negative=0.1)
    return hand_over(url, c, "customer_request", "转人工")
