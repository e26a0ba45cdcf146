"""Churn signals per customer (contract section 8) and the risk score.

Computed when asked, from what Kefu already records about the customer's conversations (the
channel identities of :mod:`customers.links`, plus handoffs and complaint tickets that name the
customer) and from the shop's orders:

============================  =====================================================  ======
kind                          when                                                   weight
============================  =====================================================  ======
``repeat_contact``            a 3rd conversation within 7 days (at: its start)         1
``low_rating``                a handoff rated 1 or 2 (at: the rating)                  2
``complaint``                 a complaint ticket (at: when recorded)                   3
``refund``                    an order refunded or being refunded, or a return filed   3
``abandoned_handoff``         the customer left the queue before an agent came         2
``unanswered``                2 or more unanswered messages in one conversation        1
============================  =====================================================  ======

**score** = the sum of the weights of the signals in the period (``GET /api/care/at-risk?days=N``:
the last N days; the customer record: the last :data:`RECORD_DAYS`). A conversation is an analytics
session in which the customer wrote (:class:`analytics.models.ConversationSession`), so signals
built on conversations appear once the analytics ingest has read the events (every few seconds).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, select

from analytics.models import ConversationSession, UnansweredMessage
from customers.links import stored as _at
from handoff.models import ComplaintTicket, Handoff
from kefu.db import session_scope
from kefu.privacy import mask_pii
from shop import policy
from shop.adapter import ShopAdapter
from shop.views import ShopError

logger = logging.getLogger(__name__)

#: Weight of each kind of signal in the score.
WEIGHTS: dict[str, int] = {"repeat_contact": 1, "low_rating": 2, "complaint": 3, "refund": 3,
                           "abandoned_handoff": 2, "unanswered": 1}
KINDS = tuple(WEIGHTS)
#: Conversations within :data:`REPEAT_WINDOW` that make a ``repeat_contact``.
REPEAT_CONVERSATIONS = 3
REPEAT_WINDOW = dt.timedelta(days=7)
#: Unanswered messages in one conversation that make an ``unanswered`` signal.
UNANSWERED_MESSAGES = 2
#: Ratings that make a ``low_rating``.
LOW_RATINGS = (1, 2)
#: Order statuses that make a ``refund``.
REFUND_STATUSES = policy.AFTER_SALES
#: Orders of a customer looked at for refunds.
ORDERS_LOOKED_AT = 20
#: Ids in one ``IN (...)`` of :func:`conversation_signals` (SQLite allows a few thousand).
QUERY_CHUNK = 500
#: The period of the risk shown on a customer's record.
RECORD_DAYS = 30
#: Characters of the customer's words kept in a signal's detail.
DETAIL_TEXT = 60


@dataclass(frozen=True)
class Signal:
    kind: str
    at: dt.datetime
    detail: str

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "at": self.at.isoformat(), "detail": self.detail}


def score(signals: Sequence[Signal]) -> int:
    """The sum of the signals' weights (:data:`WEIGHTS`)."""
    return sum(WEIGHTS[signal.kind] for signal in signals)


def _handoffs_of(customer_id: str, senders: Sequence[str]) -> Any:
    return sa.or_(Handoff.customer_id == customer_id, Handoff.sender_id.in_(list(senders)))


def repeat_contacts(starts: Sequence[dt.datetime]) -> list[Signal]:
    """A signal at each conversation that is the 3rd within 7 days, once per 7 days."""
    found: list[Signal] = []
    ordered = sorted(starts)
    for index in range(REPEAT_CONVERSATIONS - 1, len(ordered)):
        first, at = ordered[index - REPEAT_CONVERSATIONS + 1], ordered[index]
        if at - first > REPEAT_WINDOW or (found and at - found[-1].at < REPEAT_WINDOW):
            continue
        recent = [s for s in ordered[:index + 1] if at - s <= REPEAT_WINDOW]
        found.append(Signal("repeat_contact", at, f"{len(recent)} conversations in 7 days"))
    return found


def signals_of(database_url: str, shop: ShopAdapter, customer_id: str, senders: Sequence[str], *,
               since: dt.datetime) -> list[Signal]:
    """The customer's signals from ``since`` on, oldest first.

    Args:
        senders: the customer's conversations (channel identities' sender ids).
    """
    found = conversation_signals(database_url, {customer_id: senders}, since=since)[customer_id]
    return with_refunds(found, shop, customer_id, since=since)


def with_refunds(found: Sequence[Signal], shop: ShopAdapter, customer_id: str, *, since: dt.datetime) -> list[Signal]:
    """``found`` and the customer's :func:`refunds`, oldest first."""
    return sorted([*found, *refunds(shop, customer_id, since=since)], key=lambda signal: (signal.at, signal.kind))


def _chunks(values: Sequence[str], size: int = QUERY_CHUNK) -> list[list[str]]:
    return [list(values[start:start + size]) for start in range(0, len(values), size)]


def conversation_signals(database_url: str, senders_of: Mapping[str, Sequence[str]], *,
                         since: dt.datetime) -> dict[str, list[Signal]]:
    """The signals Kefu's own tables hold (all but ``refund``, which needs the shop) from ``since``
    on, of each customer of ``senders_of`` (customer id → their conversations' sender ids), in a
    few queries for all of them; oldest first."""
    customers_of: dict[str, list[str]] = defaultdict(list)  # sender id → the customers it counts for
    for customer_id, senders in senders_of.items():
        for sender in dict.fromkeys(senders):
            customers_of[sender].append(customer_id)
    found: dict[str, list[Signal]] = {customer_id: [] for customer_id in senders_of}
    starts: dict[str, list[dt.datetime]] = defaultdict(list)
    handoffs: dict[int, Handoff] = {}
    tickets: dict[int, ComplaintTicket] = {}
    # handoffs are filtered on their times in Python (stored times compared as the record did);
    # the query only leaves out what is older than a day before the period
    coarse = since - dt.timedelta(days=1)
    recent_handoff = sa.or_(sa.and_(Handoff.rating.in_(LOW_RATINGS), Handoff.rated_at >= coarse),
                            sa.and_(Handoff.status == "abandoned", Handoff.ended_at >= coarse))
    with session_scope(database_url) as db:
        for chunk in _chunks(list(customers_of)):
            for sender, at in db.execute(select(ConversationSession.sender_id, ConversationSession.started_at).where(
                    ConversationSession.sender_id.in_(chunk), ConversationSession.user_turns > 0,
                    ConversationSession.started_at >= since - REPEAT_WINDOW)).all():
                for customer_id in customers_of[sender]:
                    starts[customer_id].append(_at(at))
            for handoff in db.execute(select(Handoff).where(Handoff.sender_id.in_(chunk), recent_handoff)).scalars():
                handoffs[handoff.id] = handoff
            for ticket in db.execute(select(ComplaintTicket).where(
                    ComplaintTicket.sender_id.in_(chunk), ComplaintTicket.created_at >= since)).scalars():
                tickets[ticket.id] = ticket
            unanswered = db.execute(
                select(UnansweredMessage.sender_id, func.count().label("n"), func.max(UnansweredMessage.at).label("at"))
                .where(UnansweredMessage.sender_id.in_(chunk), UnansweredMessage.at >= since)
                .group_by(UnansweredMessage.session_id, UnansweredMessage.sender_id)
                .having(func.count() >= UNANSWERED_MESSAGES)
            ).all()
            for row in unanswered:
                for customer_id in customers_of[row.sender_id]:
                    found[customer_id].append(Signal("unanswered", _at(row.at),
                                                     f"{row.n} unanswered messages in one conversation"))
        for chunk in _chunks(list(senders_of)):
            for handoff in db.execute(select(Handoff).where(Handoff.customer_id.in_(chunk), recent_handoff)).scalars():
                handoffs[handoff.id] = handoff
            for ticket in db.execute(select(ComplaintTicket).where(
                    ComplaintTicket.customer_id.in_(chunk), ComplaintTicket.created_at >= since)).scalars():
                tickets[ticket.id] = ticket

        def owners(customer_id: str | None, sender_id: str) -> set[str]:
            named = {customer_id} if customer_id is not None and customer_id in senders_of else set()
            return named | set(customers_of.get(sender_id, ()))

        for handoff in handoffs.values():
            for customer_id in owners(handoff.customer_id, handoff.sender_id):
                if handoff.rating in LOW_RATINGS and handoff.rated_at is not None and _at(handoff.rated_at) >= since:
                    found[customer_id].append(Signal("low_rating", _at(handoff.rated_at),
                                                     f"rated {handoff.rating}/5 after handoff {handoff.id}"))
                if handoff.status == "abandoned" and handoff.ended_at is not None and _at(handoff.ended_at) >= since:
                    found[customer_id].append(Signal(
                        "abandoned_handoff", _at(handoff.ended_at),
                        f"left the queue before an agent came (handoff {handoff.id}, {handoff.reason})"))
        for ticket in tickets.values():
            words = (mask_pii(ticket.summary) or "")[:DETAIL_TEXT]
            for customer_id in owners(ticket.customer_id, ticket.sender_id):
                found[customer_id].append(Signal("complaint", _at(ticket.created_at),
                                                 f"complaint {ticket.id} ({ticket.category}): {words}"))
    for customer_id, moments in starts.items():
        found[customer_id] += [s for s in repeat_contacts(moments) if s.at >= since]
    return {customer_id: sorted(signals, key=lambda signal: (signal.at, signal.kind))
            for customer_id, signals in found.items()}


def refunds(shop: ShopAdapter, customer_id: str, *, since: dt.datetime) -> list[Signal]:
    """Orders refunded, being refunded or with a return filed (read from the shop)."""
    try:
        orders = shop.list_customer_orders(customer_id=customer_id, limit=ORDERS_LOOKED_AT)
        found = []
        for order in orders:
            request = shop.get_after_sales_request(order_id=order.order_id)
            filed = request is not None and request.kind == "return"
            if order.status not in REFUND_STATUSES and not filed:
                continue
            at = request.created_at if request is not None else (order.delivered_at or order.created_at)
            if _at(at) >= since:
                found.append(Signal("refund", _at(at), f"order {order.order_id}: {order.status}"))
        return found
    except ShopError:
        logger.warning("customers: the shop could not list the customer's orders; no refund signals")
        return []
