"""Tables of the handoff queue (app database, ``kefu.db.Base``; migration 0003)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped

from kefu.clock import utcnow
from kefu.db import Base, column

#: Statuses in which a conversation may have at most one handoff (see the partial unique index).
OPEN_STATUSES = ("waiting", "active", "callback")
#: Statuses in which a human holds the conversation: the bot stays silent (handoff.states.HELD).
HELD_STATUSES = ("waiting", "active")


class Handoff(Base):
    """A conversation the bot handed to a human: one row per request, from queue to resolution."""

    __tablename__ = "handoffs"
    __table_args__ = (
        sa.Index("ix_handoffs_status_priority", "status", "priority", "created_at"),
        # one open handoff per conversation; a second request joins the first
        sa.Index(
            "uq_handoffs_open_sender", "sender_id", unique=True,
            sqlite_where=sa.text("status IN ('waiting', 'active', 'callback')"),
            postgresql_where=sa.text("status IN ('waiting', 'active', 'callback')"),
        ),
    )

    id: Mapped[int] = column(sa.Integer, primary_key=True, autoincrement=True)
    #: the conversation (Rasa sender id)
    sender_id: Mapped[str] = column(sa.String(255), nullable=False, index=True)
    #: channel the customer wrote on when handed over (``rest``, ``socketio``, ``telegram`` ...)
    channel: Mapped[str] = column(sa.String(64), nullable=False, default="")
    #: why: customer_request, complaint, low_confidence, verification_failed, negative_sentiment
    reason: Mapped[str] = column(sa.String(32), nullable=False)
    #: queue priority, higher first (complaint 3; negative_sentiment, verification_failed 2; else 1)
    priority: Mapped[int] = column(sa.Integer, nullable=False)
    #: waiting, active, resolved, abandoned or callback (handoff.states.Status)
    status: Mapped[str] = column(sa.String(16), nullable=False, index=True)
    #: user name of the agent holding or last holding it
    claimed_by: Mapped[str | None] = column(sa.String(64))
    #: the customer's language when handed over (zh-Hans, zh-Hant, en)
    language: Mapped[str | None] = column(sa.String(8))
    #: shop customer id when known (signed widget login or the orders flow)
    customer_id: Mapped[str | None] = column(sa.String(64))
    #: whether this conversation proved ``customer_id`` (signed token or an order check passed in
    #: it); false: only its channel identity's earlier link, not verified (migration 0012)
    customer_proven: Mapped[bool] = column(sa.Boolean, nullable=False, default=False, server_default=sa.false())
    #: order number the conversation was about, when known (not necessarily verified)
    order_id: Mapped[str | None] = column(sa.String(32))
    #: the customer message that triggered the handoff
    trigger_text: Mapped[str | None] = column(sa.Text)
    created_at: Mapped[datetime] = column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    claimed_at: Mapped[datetime | None] = column(sa.DateTime(timezone=True))
    #: when it reached a final status (resolved or abandoned)
    ended_at: Mapped[datetime | None] = column(sa.DateTime(timezone=True))
    #: callback requests: when the customer was told they would hear back
    callback_due_at: Mapped[datetime | None] = column(sa.DateTime(timezone=True))
    #: resolved: when the rating question reached the Rasa server (NULL: still to send; the upkeep
    #: task retries it, handoff.upkeep)
    rating_requested_at: Mapped[datetime | None] = column(sa.DateTime(timezone=True))
    #: a process has been sending the rating question since then (a lease: another process leaves it
    #: alone for handoff.store.RATING_REQUEST_LEASE); NULL when nobody is sending it
    rating_requesting_since: Mapped[datetime | None] = column(sa.DateTime(timezone=True))
    #: an older Kefu (before migration 0007) paused Rasa's tracker for this handoff; the channels' gate
    #: resumes the tracker once the conversation is no longer held, then clears this
    tracker_paused: Mapped[bool] = column(sa.Boolean, nullable=False, default=False, server_default=sa.false())
    #: satisfaction rating 1-5 given after the handoff, and when
    rating: Mapped[int | None] = column(sa.Integer)
    rated_at: Mapped[datetime | None] = column(sa.DateTime(timezone=True))


class HandoffTransition(Base):
    """One status change of a handoff (the first one is from ``bot``)."""

    __tablename__ = "handoff_transitions"

    id: Mapped[int] = column(sa.Integer, primary_key=True, autoincrement=True)
    handoff_id: Mapped[int] = column(sa.Integer, sa.ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False,
                                     index=True)
    from_status: Mapped[str] = column(sa.String(16), nullable=False)
    to_status: Mapped[str] = column(sa.String(16), nullable=False)
    #: who made it: ``bot``, ``system`` or ``agent:<user name>``
    actor: Mapped[str] = column(sa.String(80), nullable=False)
    note: Mapped[str | None] = column(sa.String(500))
    at: Mapped[datetime] = column(sa.DateTime(timezone=True), nullable=False, default=utcnow)


class ComplaintTicket(Base):
    """A complaint on record (record → handle → follow up), kept even when the shopper leaves."""

    __tablename__ = "complaint_tickets"

    id: Mapped[int] = column(sa.Integer, primary_key=True, autoincrement=True)
    handoff_id: Mapped[int | None] = column(sa.Integer, sa.ForeignKey("handoffs.id", ondelete="SET NULL"), index=True)
    sender_id: Mapped[str] = column(sa.String(255), nullable=False, index=True)
    channel: Mapped[str] = column(sa.String(64), nullable=False, default="")
    customer_id: Mapped[str | None] = column(sa.String(64))
    order_id: Mapped[str | None] = column(sa.String(32))
    #: delivery, quality, wrong_item, refund, service, price, other (handoff.complaints)
    category: Mapped[str] = column(sa.String(32), nullable=False)
    #: the complaint in the customer's words
    summary: Mapped[str] = column(sa.Text, nullable=False)
    #: the conversation's messages ``[{"role", "text", "ts"}]``, refreshed when the handoff ends
    transcript: Mapped[Any] = column(sa.JSON, nullable=False)
    #: open (recorded), handled (the handoff was resolved), followed_up (agent followed up)
    status: Mapped[str] = column(sa.String(16), nullable=False, default="open")
    #: the agent's follow-up note
    note: Mapped[str | None] = column(sa.Text)
    created_at: Mapped[datetime] = column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
