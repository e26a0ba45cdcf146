"""The customer record, the at-risk list and the follow-ups' messages (contract section 8).

:class:`Care` puts together the shop's customer (through the shop adapter), the channel
identities Kefu linked to them, their handoffs, ratings, churn signals and follow-up tasks.
Everything here is for agents and admins (the web API checks the roles); nothing of it is logged.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from customers.followups import FollowUpDone, FollowUps, follow_up_json
from customers.links import CustomerLinks, Identity
from customers.models import FollowUp
from customers.signals import RECORD_DAYS, Signal, conversation_signals, score, signals_of, with_refunds
from handoff.models import ComplaintTicket, Handoff
from handoff.rasa_client import reply_channel
from kefu.clock import as_utc, utcnow
from kefu.db import session_scope
from shop.adapter import OrderView, ShopAdapter, refunds_of
from shop.views import ShopError

logger = logging.getLogger(__name__)

#: WeChat lets a shop write to a customer only this long after the customer's last message.
WECHAT_WINDOW = dt.timedelta(hours=48)
RECENT_ORDERS = 5
RECENT_HANDOFFS = 20
MAX_DAYS = 365

#: Sends ``text`` to conversation ``sender_id`` through ``channel`` as ``agent`` (the delivery
#: agents' messages use: the Rasa server's API, which records it and pushes it on the channel).
Deliver = Callable[[str, str, str, str], Awaitable[object]]


class CustomerNotFound(LookupError):
    def __init__(self, customer_id: str) -> None:
        self.customer_id = customer_id
        super().__init__(f"customer {customer_id} not found")


class CannotReach(Exception):
    """The customer cannot be written to now (no channel known, or WeChat's 48-hour window is over)."""


@dataclass(frozen=True)
class Delivered:
    channel: str
    sender_id: str
    at: dt.datetime


def order_json(order: OrderView) -> dict[str, Any]:
    return {"order_id": order.order_id, "status": order.status,
            "created_at": order.created_at.isoformat() if order.created_at else None,
            "total_cny": str(order.total_cny), "carrier": order.carrier, "tracking_no": order.tracking_no}


def _iso(value: dt.datetime | None) -> str | None:
    moment = as_utc(value)
    return moment.isoformat() if moment is not None else None


class Care:
    """Customers and care on the app database at ``database_url`` and the shop ``shop``."""

    def __init__(self, database_url: str, shop: ShopAdapter, *,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.database_url = database_url
        self.shop = shop
        self.links = CustomerLinks(database_url)
        self.follow_ups = FollowUps(database_url)
        self.clock = clock
        #: deliveries under way (a strong reference each, so a cancelled request's delivery still finishes)
        self._sending: set[asyncio.Task[Delivered]] = set()

    # ------------------------------------------------------------------ the record
    def signals(self, customer_id: str, identities: list[Identity], *, days: int) -> list[Signal]:
        since = self.clock() - dt.timedelta(days=days)
        return signals_of(self.database_url, self.shop, customer_id, [i.sender_id for i in identities], since=since)

    def record(self, customer_id: str) -> dict[str, Any]:
        """``GET /api/customers/{customer_id}``. Raises :class:`CustomerNotFound`."""
        customer = self.shop.get_customer(customer_id=customer_id)
        if customer is None:
            raise CustomerNotFound(customer_id)
        identities = self.links.identities(customer_id)
        senders = [i.sender_id for i in identities]
        with session_scope(self.database_url) as db:
            handoffs = db.execute(
                select(Handoff).where((Handoff.customer_id == customer_id) | Handoff.sender_id.in_(senders))
                .order_by(Handoff.created_at.desc(), Handoff.id.desc()).limit(RECENT_HANDOFFS)
            ).scalars().all()
        signals = self.signals(customer_id, identities, days=RECORD_DAYS)
        follow_ups = self.follow_ups.of_customer(customer_id)
        return {
            "customer_id": customer.customer_id, "name": customer.name, "member_level": customer.member_level,
            "language": customer.language,
            "channels": [i.as_json() for i in identities],
            "orders": [order_json(o) for o in self.shop.list_customer_orders(customer_id=customer_id,
                                                                              limit=RECENT_ORDERS)],
            "handoffs": [{"id": h.id, "reason": h.reason, "status": h.status, "priority": h.priority,
                          "channel": h.channel, "created_at": _iso(h.created_at), "claimed_by": h.claimed_by,
                          "rating": h.rating} for h in handoffs],
            "ratings": [{"handoff_id": h.id, "rating": h.rating, "at": _iso(h.rated_at)}
                        for h in handoffs if h.rating is not None],
            "risk": {"score": score(signals), "signals": [s.as_json() for s in reversed(signals)]},
            "follow_ups": [follow_up_json(f, self.follow_ups.messages(f.id)) for f in follow_ups],
        }

    # ------------------------------------------------------------------ at risk
    def candidates(self) -> list[str]:
        """Customers Kefu knows a conversation of: linked identities, handoffs and tickets naming them."""
        with session_scope(self.database_url) as db:
            named = set(db.execute(select(Handoff.customer_id).where(Handoff.customer_id.is_not(None))).scalars())
            named |= set(db.execute(select(ComplaintTicket.customer_id)
                                    .where(ComplaintTicket.customer_id.is_not(None))).scalars())
        return sorted(named | set(self.links.customers()))

    def at_risk(self, *, days: int) -> list[dict[str, Any]]:
        """``GET /api/care/at-risk?days=N``: customers with signals in the last ``days``, highest score first.

        The candidates are the customers Kefu knows a conversation of that have a signal of Kefu's
        own tables in the period (every kind but ``refund``: a few queries for all customers,
        :func:`conversation_signals`) or, by the shop's :class:`~shop.adapter.ShopRefunds` (one
        call), a refund; the shop is asked only about those (their orders, name and tier). An
        adapter without that lookup has every known customer's orders read, as a refund alone
        lists a customer too.
        """
        since = self.clock() - dt.timedelta(days=days)
        linked = self.links.senders_by_customer()
        own = conversation_signals(self.database_url, {c: linked.get(c, []) for c in self.candidates()}, since=since)
        refunded = self._refund_candidates(since, known=set(own))
        listed = []
        for customer_id, found in own.items():
            if not found and customer_id not in refunded:
                continue
            # the shop's orders are read only for those it may have refunded (all, without its lookup)
            signals = with_refunds(found, self.shop, customer_id, since=since) if customer_id in refunded else found
            if not signals:
                continue
            customer = self.shop.get_customer(customer_id=customer_id)
            open_ones = [f for f in self.follow_ups.of_customer(customer_id) if f.status == "open"]
            listed.append({
                "customer_id": customer_id,
                "name": customer.name if customer is not None else None,
                "member_level": customer.member_level if customer is not None else None,
                "score": score(signals),
                "signals": [s.as_json() for s in reversed(signals)],
                "follow_up": follow_up_json(open_ones[0]) if open_ones else None,
            })
        return sorted(listed, key=lambda row: (-row["score"], row["customer_id"]))

    def _refund_candidates(self, since: dt.datetime, *, known: set[str]) -> set[str]:
        """The known customers the shop may have refunded since ``since``: all of them unless the
        adapter can say in one call (:func:`~shop.adapter.refunds_of`)."""
        source = refunds_of(self.shop)
        if source is None:
            return known
        try:
            return known & set(source.customers_with_refunds(since=since))
        except ShopError:
            logger.warning("customers: the shop could not list recent refunds; refund signals only where others are")
            return set()

    # ------------------------------------------------------------------ follow-ups
    def open_follow_up(self, customer_id: str, *, note: str, due: dt.date | None, by: str,
                       assignee: str | None = None) -> FollowUp:
        """Raises :class:`CustomerNotFound` for a customer the shop does not know."""
        if self.shop.get_customer(customer_id=customer_id) is None:
            raise CustomerNotFound(customer_id)
        return self.follow_ups.create(customer_id, note=note, due=due, by=by, assignee=assignee, at=self.clock())

    def last_channel(self, customer_id: str) -> Identity:
        """Where the customer wrote last. Raises :class:`CannotReach` when WeChat's window is over
        or no channel is known."""
        identities = self.links.identities(customer_id)
        if not identities:
            raise CannotReach("no channel of this customer is known: they have not written since they were linked")
        last = identities[0]
        if last.channel == "wechat" and self.clock() - last.last_seen > WECHAT_WINDOW:
            raise CannotReach(
                f"the customer last wrote on WeChat at {last.last_seen.isoformat()}; WeChat lets a shop write "
                "only within 48 hours of the customer's last message. Wait until they write again.")
        return last

    async def send(self, follow_up_id: int, text: str, *, agent: str, deliver: Deliver) -> Delivered:
        """Sends ``text`` from the follow-up to the customer's last channel and records it.

        The database steps run in a worker thread (never on the event loop). The delivery and its
        record run as one task that the caller's cancellation (a client that disconnects) does not
        stop: a message that went out is always recorded, and a delivery that fails records nothing.

        Raises:
            FollowUpNotFound, FollowUpDone, CannotReach; the delivery's own errors.
        """
        follow_up = await asyncio.to_thread(self.follow_ups.get, follow_up_id)
        if follow_up.status == "done":
            raise FollowUpDone(follow_up)
        last = await asyncio.to_thread(self.last_channel, follow_up.customer_id)
        task = asyncio.ensure_future(self._deliver_and_record(follow_up_id, text, last, agent, deliver))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)
        return await asyncio.shield(task)

    async def _deliver_and_record(self, follow_up_id: int, text: str, last: Identity, agent: str,
                                  deliver: Deliver) -> Delivered:
        channel = reply_channel(last.channel, last.sender_id)
        await deliver(last.sender_id, text, channel, agent)
        now = self.clock()
        await asyncio.to_thread(self.follow_ups.add_message, follow_up_id, channel=channel,
                                sender_id=last.sender_id, text=text, by=agent, at=now)
        return Delivered(channel, last.sender_id, now)
