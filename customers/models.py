"""Tables of the customer record (app database, ``kefu.db.Base``; migration 0009).

Kefu keeps only the links between the shop's customers and the channel identities they wrote
from, and the follow-up tasks (回访) agents open for them. Who the customer is (name, tier,
profile language, orders) is read from the shop through the shop adapter every time.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped

from kefu.clock import utcnow
from kefu.db import Base, column

#: How a channel identity came to be linked to a customer.
LINKED_BY = ("customer_token", "order_check")
#: Statuses of a follow-up task.
FOLLOW_UP_STATUSES = ("open", "done")


class CustomerIdentity(Base):
    """One channel identity (a conversation's sender id on a channel) of a shop customer."""

    __tablename__ = "customer_identities"

    id: Mapped[int] = column(sa.Integer, primary_key=True, autoincrement=True)
    #: the shop's customer number
    customer_id: Mapped[str] = column(sa.String(64), nullable=False, index=True)
    #: ``socketio`` (widget), ``telegram``, ``wechat``, ``rest`` ...
    channel: Mapped[str] = column(sa.String(64), nullable=False, default="")
    #: the conversation's Rasa sender id (``tg:…``, ``wx:…``, a widget session ...): one customer each
    sender_id: Mapped[str] = column(sa.String(255), nullable=False, unique=True)
    #: ``customer_token`` (signed-in widget session) or ``order_check`` (passed the phone check)
    linked_by: Mapped[str] = column(sa.String(16), nullable=False)
    linked_at: Mapped[datetime] = column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    #: the latest message known from this identity (updated on each link; the conversation events
    #: may know a later one, :mod:`customers.links` reads both)
    last_seen: Mapped[datetime] = column(sa.DateTime(timezone=True), nullable=False, default=utcnow)


class FollowUp(Base):
    """A follow-up task (回访) for a customer: note, due date, assignee, outcome."""

    __tablename__ = "customer_follow_ups"

    id: Mapped[int] = column(sa.Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = column(sa.String(64), nullable=False, index=True)
    note: Mapped[str] = column(sa.Text, nullable=False)
    due: Mapped[date | None] = column(sa.Date)
    #: user name of the agent who is to follow up (default: who opened it)
    assignee: Mapped[str | None] = column(sa.String(64))
    created_by: Mapped[str] = column(sa.String(64), nullable=False)
    #: open or done
    status: Mapped[str] = column(sa.String(8), nullable=False, default="open")
    outcome: Mapped[str | None] = column(sa.Text)
    created_at: Mapped[datetime] = column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    done_at: Mapped[datetime | None] = column(sa.DateTime(timezone=True))


class FollowUpMessage(Base):
    """A message sent to the customer from a follow-up task."""

    __tablename__ = "customer_follow_up_messages"

    id: Mapped[int] = column(sa.Integer, primary_key=True, autoincrement=True)
    follow_up_id: Mapped[int] = column(sa.Integer, sa.ForeignKey("customer_follow_ups.id", ondelete="CASCADE"),
                                       nullable=False, index=True)
    channel: Mapped[str] = column(sa.String(64), nullable=False)
    sender_id: Mapped[str] = column(sa.String(255), nullable=False)
    text: Mapped[str] = column(sa.Text, nullable=False)
    sent_by: Mapped[str] = column(sa.String(64), nullable=False)
    sent_at: Mapped[datetime] = column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
