"""Which shop customer a conversation belongs to: the channel identities linked to a customer.

A conversation (a Rasa sender id on a channel) is linked when its shopper proves who they are:
a signed-in widget session (a valid customer token, ``customer_token``) or a passed order check
(the order's customer, ``order_check``). A link says who the shopper is *to staff* (the console,
the priority of a handoff, the churn signals); it never opens anything to the conversation
itself: the order actions keep asking for the token or a new check (contract section 4).

Later conversations from the same channel identity (the same Telegram chat ``tg:…``, WeChat
OpenID ``wx:…`` or widget sender id) are linked by the same row. A signed-in session's link
replaces one made by an order check (the token is the stronger proof); an order check replaces an
earlier check's link (the latest proof counts), never a token's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import func, select

from customers.models import LINKED_BY, CustomerIdentity
from kefu.clock import as_utc, utcnow
from kefu.db import read_scope, rowcount, session_scope
from kefu.events import ConversationEvent


def stored(value: dt.datetime) -> dt.datetime:
    """A stored time (naive on SQLite) in UTC."""
    moment = as_utc(value)
    if moment is None:
        raise ValueError("a stored time is missing")
    return moment


@dataclass(frozen=True)
class Identity:
    """A channel identity of a customer, with when the customer last wrote from it."""

    channel: str
    sender_id: str
    last_seen: dt.datetime
    linked_by: str

    def as_json(self) -> dict[str, str]:
        return {"channel": self.channel, "sender_id": self.sender_id, "last_seen": self.last_seen.isoformat()}


class CustomerLinks:
    """The ``customer_identities`` table of the app database at ``database_url``."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    def link(self, customer_id: str, *, channel: str, sender_id: str, by: str,
             at: dt.datetime | None = None) -> bool:
        """Links the conversation ``sender_id`` to ``customer_id``; True when the link is new or changed.

        Raises:
            ValueError: ``by`` is not one of :data:`~customers.models.LINKED_BY`, or an id is empty.
        """
        if by not in LINKED_BY:
            raise ValueError(f"by must be one of {', '.join(LINKED_BY)}, got {by!r}")
        if not customer_id or not sender_id:
            raise ValueError("customer_id and sender_id must not be empty")
        at = stored(at) if at is not None else utcnow()
        with session_scope(self.database_url) as session:
            row = session.execute(
                select(CustomerIdentity).where(CustomerIdentity.sender_id == sender_id)
            ).scalar_one_or_none()
            if row is None:
                session.add(CustomerIdentity(customer_id=customer_id, channel=channel or "", sender_id=sender_id,
                                             linked_by=by, linked_at=at, last_seen=at))
                return True
            if stored(row.last_seen) < at:
                row.last_seen = at
            if row.customer_id == customer_id:
                if by == "customer_token" and row.linked_by != by:
                    row.linked_by = by
                return False
            if row.linked_by == "customer_token" and by != "customer_token":
                return False  # an order check does not undo a signed-in session's link
            row.customer_id, row.linked_by, row.linked_at = customer_id, by, at
            row.channel = channel or row.channel
            return True

    def customer_of(self, sender_id: str) -> str | None:
        """The customer this conversation is linked to, or ``None`` (one read, no transaction)."""
        with read_scope(self.database_url) as session:
            return session.execute(
                select(CustomerIdentity.customer_id).where(CustomerIdentity.sender_id == sender_id)
            ).scalar_one_or_none()

    def identities(self, customer_id: str) -> list[Identity]:
        """The customer's channel identities, the most recently seen first. ``last_seen`` is the
        later of the link's time and the identity's latest customer message."""
        latest = (
            select(func.max(ConversationEvent.timestamp))
            .where(ConversationEvent.sender_id == CustomerIdentity.sender_id, ConversationEvent.type == "user")
            .scalar_subquery()
        )
        with session_scope(self.database_url) as session:
            rows = session.execute(
                select(CustomerIdentity, latest.label("wrote_at")).where(CustomerIdentity.customer_id == customer_id)
            ).all()
            found = [
                Identity(row.CustomerIdentity.channel, row.CustomerIdentity.sender_id,
                         max(stored(row.CustomerIdentity.last_seen),
                             stored(row.wrote_at) if row.wrote_at else stored(row.CustomerIdentity.last_seen)),
                         row.CustomerIdentity.linked_by)
                for row in rows
            ]
        return sorted(found, key=lambda identity: identity.last_seen, reverse=True)

    def customers(self) -> list[str]:
        """Every customer with a linked identity."""
        with session_scope(self.database_url) as session:
            return list(session.execute(select(sa.distinct(CustomerIdentity.customer_id))).scalars().all())

    def senders_by_customer(self) -> dict[str, list[str]]:
        """Every linked customer's conversations (sender ids), in one query."""
        found: dict[str, list[str]] = {}
        with session_scope(self.database_url) as session:
            for customer_id, sender_id in session.execute(
                    select(CustomerIdentity.customer_id, CustomerIdentity.sender_id)).all():
                found.setdefault(customer_id, []).append(sender_id)
        return found

    def forget(self, customer_id: str) -> int:
        """Removes the customer's links (erasure); returns how many."""
        with session_scope(self.database_url) as session:
            return rowcount(session.execute(
                sa.delete(CustomerIdentity).where(CustomerIdentity.customer_id == customer_id)
            ))
