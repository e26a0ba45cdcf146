"""The handoff summary at the top of the console's conversation view: 3-6 lines.

Built from the conversation's own data (:mod:`assist.conversation`), in the agent's language:

1. what the shopper wants: the intents and FAQ topics of the session, in order (a repeat of the
   previous one is left out);
2. the orders the session checked (slot ``order_id``) and their status in the shop, each marked
   verified or not (only when there were any); the products it was about (slot ``product_sku``,
   the product in focus of each pre-sales answer), named from the shop's catalogue with today's
   price (only when there were any);
3. the handoff's reason and the message that triggered it;
4. the mood: the sentiment the Rasa pipeline's check (``bot.nlu.sentiment``) put on each message
   (``parse_data.sentiment``), over the conversation;
5. for a verified customer: name, member level and earlier handoffs (only when known); for a
   customer only linked earlier to the channel identity, its id marked "not verified";
6. that customer's open follow-ups (回访: note, due date, assignee), when there are any. They are
   the customers package's; the web app hands them in (:data:`FollowUpsOf`), so assist does not
   import customers (docs/design.md, "Layers").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from assist.conversation import Conversation
from assist.labels import INTENTS, MEMBER_LEVELS, REASONS, STATUSES, WORDS, word
from handoff.models import Handoff
from kefu.db import session_scope
from shop.adapter import ShopAdapter, catalogue_of

#: FAQ id → (question in Chinese, question in English), to name FAQ topics.
FaqTitles = Mapping[str, tuple[str, str]]
#: Sentiment scores from which a message counts as negative when the label is missing.
NEGATIVE_SCORE = 0.5
MAX_TOPICS = 6
MAX_TRIGGER = 120
MAX_PRODUCTS = 3


@dataclass(frozen=True)
class OpenFollowUp:
    """An open follow-up task (回访) of the customer, as the summary shows it."""

    note: str
    due: dt.date | None = None
    assignee: str | None = None


#: The open follow-ups of a customer id, oldest first (composed by the web app from customers/).
FollowUpsOf = Callable[[str], Sequence[OpenFollowUp]]
#: How many open follow-ups the line names, and how much of each note.
MAX_FOLLOW_UPS = 3
MAX_NOTE = 60


@dataclass(frozen=True)
class Line:
    """One line of the summary: what it is about (``wants``, ``orders`` ...) and its text."""

    kind: str
    text: str

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "text": self.text}


def topics(found: Conversation, titles: FaqTitles, language: str) -> list[str]:
    """The session's intents and FAQ topics, in order, named in ``language``."""
    named: list[str] = []
    for event in found.events:
        name: str | None = None
        if event.type == "user" and event.intent in INTENTS:
            name = word(INTENTS, event.intent, language)
        elif event.type == "bot" and isinstance(event.event_metadata, dict):
            action = str(event.event_metadata.get("utter_action") or "")
            if action.startswith("utter_faq/"):
                faq_id = action.removeprefix("utter_faq/")
                title = titles.get(faq_id)
                name = "FAQ " + ((title[1] if language == "en" else title[0]) if title else faq_id)
        if name and (not named or named[-1] != name):
            named.append(name)
    return named[-MAX_TOPICS:] if len(named) > MAX_TOPICS else named


def sentiment_of(event: Any) -> tuple[bool, float] | None:
    """(negative?, score) of a ``user`` event from its parse data, or None when it was not scored."""
    data = event.data if isinstance(event.data, dict) else {}
    sentiment = (data.get("parse_data") or {}).get("sentiment")
    if not isinstance(sentiment, dict):
        return None
    score = sentiment.get("score")
    score = float(score) if isinstance(score, (int, float)) else 0.0
    label = sentiment.get("label")
    return (label == "negative" if label else score >= NEGATIVE_SCORE), score


def mood(found: Conversation, language: str) -> str:
    """The mood over the conversation, e.g. ``不满（2/3 条消息带负面情绪）``."""
    scored = [s for s in (sentiment_of(e) for e in found.customer_messages()) if s is not None]
    negative = sum(1 for is_negative, _ in scored if is_negative)
    if not scored:
        return word(WORDS, "mood_unknown", language)
    share = word(WORDS, "negative_of", language).format(n=negative, total=len(scored))
    if negative == 0:
        return word(WORDS, "mood_calm", language)
    if not scored[-1][0] and len(scored) >= 2:
        key = "mood_improving"
    else:
        key = "mood_negative"
    open_, close = (" (", ")") if language == "en" else ("（", "）")
    return f"{word(WORDS, key, language)}{open_}{share}{close}"


def orders_line(found: Conversation, shop: ShopAdapter | None, language: str) -> str | None:
    ids = [value for value in found.slot_values("order_id") if isinstance(value, str)]
    if found.handoff.order_id and found.handoff.order_id not in ids:
        ids.append(found.handoff.order_id)
    if not ids:
        return None
    verified = found.verified_order_id()
    parts = []
    for order_id in ids[-3:]:
        order = shop.get_order(order_id=order_id) if shop is not None else None
        status = word(STATUSES, order.status, language) if order is not None else word(WORDS, "unknown_order", language)
        check = word(WORDS, "verified" if order_id == verified else "not_verified", language)
        parts.append(f"{order_id} {status} ({check})" if language == "en" else f"{order_id} {status}（{check}）")
    return ("; " if language == "en" else "；").join(parts)


def products_line(found: Conversation, shop: ShopAdapter | None, language: str) -> str | None:
    """The products the session was about (latest :data:`MAX_PRODUCTS`), e.g.
    ``羊毛双面大衣 LM-AP-001 ¥899.00；降噪蓝牙耳机 LM-EL-007 ¥699.00``; a SKU the catalogue no longer
    holds is shown as it is."""
    skus = [value for value in found.slot_values("product_sku") if isinstance(value, str) and value]
    if not skus:
        return None
    catalogue = catalogue_of(shop) if shop is not None else None
    parts = []
    for sku in list(dict.fromkeys(reversed(skus)))[:MAX_PRODUCTS][::-1]:
        product = catalogue.get_product(sku=sku) if catalogue is not None else None
        if product is None:
            parts.append(sku)
            continue
        name = product.name_en if language == "en" else product.name_zh
        parts.append(f"{name} {sku} ¥{product.price_cny:,.2f}")
    return ("; " if language == "en" else "；").join(parts)


def earlier_handoffs(database_url: str, handoff: Handoff) -> int:
    """Handoffs of the same customer (else the same conversation) before this one."""
    with session_scope(database_url) as db:
        who = (Handoff.customer_id == handoff.customer_id) if handoff.customer_id else (
            Handoff.sender_id == handoff.sender_id)
        return int(db.execute(sa.select(sa.func.count(Handoff.id)).where(
            who, Handoff.id != handoff.id, Handoff.created_at < handoff.created_at)).scalar_one())


def customer_line(found: Conversation, shop: ShopAdapter | None, previous: int, language: str) -> str | None:
    customer_id = found.handoff.customer_id
    if not customer_id:
        return None
    if not found.handoff.customer_proven:  # only linked earlier: the record's id, not its name
        return (", " if language == "en" else "，").join([customer_id, word(WORDS, "linked_only", language)])
    customer = shop.get_customer(customer_id=customer_id) if shop is not None else None
    parts = [customer.name if customer is not None and customer.name else customer_id]
    if customer is not None:
        parts.append(word(MEMBER_LEVELS, customer.member_level, language))
    parts.append(word(WORDS, "previous", language).format(n=previous) if previous else word(WORDS, "no_previous", language))
    return (", " if language == "en" else "，").join(parts)


def follow_ups_line(customer_id: str | None, follow_ups: FollowUpsOf | None, language: str) -> str | None:
    """The customer's open follow-ups: note (shortened), due date, assignee; ``None`` when none."""
    if not customer_id or follow_ups is None:
        return None
    found = list(follow_ups(customer_id))
    if not found:
        return None
    parts = []
    for task in found[:MAX_FOLLOW_UPS]:
        note = task.note if len(task.note) <= MAX_NOTE else task.note[:MAX_NOTE] + "…"
        details = [word(WORDS, "due", language).format(due=task.due.isoformat())] if task.due else []
        details += [task.assignee] if task.assignee else []
        joined = (", " if language == "en" else "，").join(details)
        parts.append(note if not details else f"{note} ({joined})" if language == "en" else f"{note}（{joined}）")
    more = len(found) - MAX_FOLLOW_UPS
    if more > 0:
        parts.append(f"+{more}")
    return ("; " if language == "en" else "；").join(parts)


def summarize(found: Conversation, *, language: str, database_url: str, shop: ShopAdapter | None = None,
              titles: FaqTitles | None = None, follow_ups: FollowUpsOf | None = None) -> list[Line]:
    """The summary of a handed-over conversation in ``language`` (``zh`` or ``en``)."""
    language = "en" if language == "en" else "zh"
    colon = ": " if language == "en" else "："
    arrow = " → "

    def line(kind: str, text: str) -> Line:
        return Line(kind, f"{word(WORDS, kind, language)}{colon}{text}")

    named = topics(found, titles or {}, language)
    lines = [line("wants", arrow.join(named) if named else word(WORDS, "nothing_asked", language))]
    orders = orders_line(found, shop, language)
    if orders:
        lines.append(line("orders", orders))
    products = products_line(found, shop, language)
    if products:
        lines.append(line("products", products))
    handoff = found.handoff
    reason = word(REASONS, handoff.reason, language)
    trigger = (handoff.trigger_text or "").strip()
    if len(trigger) > MAX_TRIGGER:
        trigger = trigger[:MAX_TRIGGER] + "…"
    lines.append(line("handoff", f"{reason}, \"{trigger}\"" if language == "en" and trigger
                      else f"{reason}，“{trigger}”" if trigger else reason))
    lines.append(line("mood", mood(found, language)))
    customer = customer_line(found, shop, earlier_handoffs(database_url, handoff) if handoff.customer_id else 0,
                             language)
    if customer:
        lines.append(line("customer", customer))
    tasks = follow_ups_line(handoff.customer_id, follow_ups, language)
    if tasks:
        lines.append(line("follow_ups", tasks))
    return lines
