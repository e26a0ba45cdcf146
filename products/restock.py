"""Restock notices (issue 18.5): "到货通知我" on an out-of-stock variant subscribes the conversation;
when the variant's stock goes above 0 the shopper is told once, on the channel they asked on.

The ``product_restock_requests`` table (migration ``0011``) holds one row per conversation and
variant: the sender id, the channel the request came in on (``rest``, ``socketio``, ``telegram``,
``wechat``), when it was asked and when it was notified (``NULL`` while pending). A second request
for the same variant while one is pending is the same request. :meth:`RestockRequests.claim`
marks a request notified with a conditional UPDATE, so two stock updates arriving together never
notify a shopper twice; :meth:`RestockRequests.release` puts it back when the delivery failed.

WeChat lets a shop write to a follower only within 48 hours of their last message
(:data:`WECHAT_WINDOW`): a WeChat request older than that is not delivered (and stays pending until
the shopper asks again, which renews it). Nothing here connects at import time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import select, update
from sqlalchemy.orm import Mapped

from handoff.rasa_client import reply_channel
from handoff.store import HandoffStore
from kefu.botapi import BotApiError, BotServers
from kefu.clock import utcnow
from kefu.db import Base, column, get_engine, rowcount, session_scope

logger = logging.getLogger(__name__)

#: the intent the web app triggers for each waiting conversation (rule: action_product_restocked)
RESTOCKED_INTENT = "EXTERNAL_product_restocked"

#: WeChat's customer-service message window
WECHAT_WINDOW = dt.timedelta(hours=48)


class RestockRequest(Base):
    """A conversation waiting to be told that a variant is back in stock."""

    __tablename__ = "product_restock_requests"
    __table_args__ = (sa.Index("ix_product_restock_requests_pending", "variant_sku", "notified_at"),)

    id: Mapped[int] = column(sa.Integer, primary_key=True, autoincrement=True)
    sender_id: Mapped[str] = column(sa.String(255), nullable=False)
    channel: Mapped[str] = column(sa.String(32), nullable=False)
    variant_sku: Mapped[str] = column(sa.String(40), nullable=False)
    asked_at: Mapped[dt.datetime] = column(sa.DateTime(timezone=True), nullable=False)
    notified_at: Mapped[dt.datetime | None] = column(sa.DateTime(timezone=True))


@dataclass(frozen=True)
class Pending:
    """A request to notify, as :meth:`RestockRequests.due` lists it."""

    request_id: int
    sender_id: str
    channel: str
    variant_sku: str


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes: they were stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.timezone.utc)


class RestockRequests:
    """The restock requests of one app database."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    def subscribe(self, sender_id: str, *, channel: str, variant_sku: str, at: dt.datetime | None = None) -> bool:
        """Records the request; ``False`` when this conversation was already waiting for the variant
        (its time is renewed)."""
        now = at or utcnow()
        with session_scope(self.database_url) as session:
            waiting = session.scalars(select(RestockRequest).where(
                RestockRequest.sender_id == sender_id, RestockRequest.variant_sku == variant_sku,
                RestockRequest.notified_at.is_(None))).first()
            if waiting is not None:
                waiting.asked_at = now
                waiting.channel = channel or waiting.channel
                return False
            session.add(RestockRequest(sender_id=sender_id, channel=channel, variant_sku=variant_sku, asked_at=now))
            return True

    def waiting(self, sender_id: str) -> list[str]:
        """The variants this conversation waits for."""
        with session_scope(self.database_url) as session:
            return list(session.scalars(select(RestockRequest.variant_sku).where(
                RestockRequest.sender_id == sender_id, RestockRequest.notified_at.is_(None))
                .order_by(RestockRequest.id)))

    def due(self, variant_sku: str, *, now: dt.datetime | None = None) -> list[Pending]:
        """The pending requests for the variant that can be delivered now (WeChat: within its window)."""
        moment = now or utcnow()
        with session_scope(self.database_url) as session:
            rows = session.scalars(select(RestockRequest).where(
                RestockRequest.variant_sku == variant_sku, RestockRequest.notified_at.is_(None))
                .order_by(RestockRequest.id)).all()
            return [Pending(r.id, r.sender_id, r.channel, r.variant_sku) for r in rows
                    if r.channel != "wechat" or moment - _aware(r.asked_at) <= WECHAT_WINDOW]

    def claim(self, request_id: int, *, at: dt.datetime | None = None) -> bool:
        """Marks the request notified; ``False`` when another update claimed it first."""
        with get_engine(self.database_url).begin() as connection:
            return rowcount(connection.execute(
                update(_requests).where(_requests.c.id == request_id, _requests.c.notified_at.is_(None))
                .values(notified_at=at or utcnow()))) == 1

    def release(self, request_id: int) -> None:
        """Puts a claimed request back (its delivery failed): the next stock update tries again."""
        with get_engine(self.database_url).begin() as connection:
            connection.execute(update(_requests).where(_requests.c.id == request_id).values(notified_at=None))


_requests = RestockRequest.__table__


async def notify_restocked(requests: RestockRequests, bots: BotServers, *, product_sku: str,
                           variant_sku: str) -> int:
    """Tells every conversation waiting for the variant that it is back (once each): the bot's
    :data:`RESTOCKED_INTENT` turn on the request's channel (REST: the outbox, fetched with an empty
    message; the widget and Telegram push; WeChat through its message API). Returns how many were told.

    A conversation a human holds (its handoff waiting or active) is skipped and stays pending: the bot
    says nothing while an agent has it. A request whose delivery did not finish (the bot server's
    error, any other exception, or the stock update's request cancelled) is released for the next
    stock update; failures are logged without sender ids."""
    handoffs = HandoffStore(requests.database_url)
    told = 0
    for pending in await asyncio.to_thread(requests.due, variant_sku):
        if (await asyncio.to_thread(handoffs.hold_of, pending.sender_id)).by_human:
            continue
        if not await asyncio.to_thread(requests.claim, pending.request_id):
            continue
        delivered = False
        try:
            await bots.trigger_intent(pending.sender_id, RESTOCKED_INTENT,
                                      channel=reply_channel(pending.channel, pending.sender_id),
                                      entities={"product_sku": product_sku, "variant_sku": variant_sku})
            delivered = True
        except BotApiError as error:
            logger.warning("restock notice %s not delivered: %s", pending.request_id, type(error).__name__)
            continue
        finally:
            if not delivered:  # the thread finishes the release even when this await is cancelled
                await asyncio.to_thread(requests.release, pending.request_id)
        told += 1
    return told
