"""Tables of the handoff queue (app database, ``kefu.db.Base``; migration 0003)."""

from __future__ import annotations

import sqlalchemy as sa

from kefu.clock import utcnow
from kefu.db import Base

#: Statuses in which a conversation may have at most one handoff (see the partial unique index).
OPEN_STATUSES = ("waiting", "active", "callback")


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

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    #: the conversation (Rasa sender id)
    sender_id = sa.Column(sa.String(255), nullable=False, index=True)
    #: channel the customer wrote on when handed over (``rest``, ``socketio``, ``telegram`` ...)
    channel = sa.Column(sa.String(64), nullable=False, default="")
    #: why: customer_request, complaint, low_confidence, verification_failed, negative_sentiment
    reason = sa.Column(sa.String(32), nullable=False)
    #: queue priority, higher first (complaint 3; negative_sentiment, verification_failed 2; else 1)
    priority = sa.Column(sa.Integer, nullable=False)
    #: waiting, active, resolved, abandoned or callback (handoff.states.Status)
    status = sa.Column(sa.String(16), nullable=False, index=True)
    #: user name of the agent holding or last holding it
    claimed_by = sa.Column(sa.String(64))
    #: the customer's language when handed over (zh-Hans, zh-Hant, en)
    language = sa.Column(sa.String(8))
    #: shop customer id when known (signed widget login or the orders flow)
    customer_id = sa.Column(sa.String(64))
    #: order number the conversation was about, when known (not necessarily verified)
    order_id = sa.Column(sa.String(32))
    #: the customer message that triggered the handoff
    trigger_text = sa.Column(sa.Text)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    claimed_at = sa.Column(sa.DateTime(timezone=True))
    #: when it reached a final status (resolved or abandoned)
    ended_at = sa.Column(sa.DateTime(timezone=True))
    #: callback requests: when the customer was told they would hear back
    callback_due_at = sa.Column(sa.DateTime(timezone=True))
    #: when the bot was given the conversation back after the end (NULL: still to do)
    bot_resumed_at = sa.Column(sa.DateTime(timezone=True))
    #: satisfaction rating 1-5 given after the handoff, and when
    rating = sa.Column(sa.Integer)
    rated_at = sa.Column(sa.DateTime(timezone=True))


class HandoffTransition(Base):
    """One status change of a handoff (the first one is from ``bot``)."""

    __tablename__ = "handoff_transitions"

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    handoff_id = sa.Column(sa.Integer, sa.ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False, index=True)
    from_status = sa.Column(sa.String(16), nullable=False)
    to_status = sa.Column(sa.String(16), nullable=False)
    #: who made it: ``bot``, ``system`` or ``agent:<user name>``
    actor = sa.Column(sa.String(80), nullable=False)
    note = sa.Column(sa.String(500))
    at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)


class ComplaintTicket(Base):
    """A complaint on record (record → handle → follow up), kept even when the shopper leaves."""

    __tablename__ = "complaint_tickets"

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    handoff_id = sa.Column(sa.Integer, sa.ForeignKey("handoffs.id", ondelete="SET NULL"), index=True)
    sender_id = sa.Column(sa.String(255), nullable=False, index=True)
    channel = sa.Column(sa.String(64), nullable=False, default="")
    customer_id = sa.Column(sa.String(64))
    order_id = sa.Column(sa.String(32))
    #: delivery, quality, wrong_item, refund, service, price, other (handoff.complaints)
    category = sa.Column(sa.String(32), nullable=False)
    #: the complaint in the customer's words
    summary = sa.Column(sa.Text, nullable=False)
    #: the conversation's messages ``[{"role", "text", "ts"}]``, refreshed when the handoff ends
    transcript = sa.Column(sa.JSON, nullable=False)
    #: open (recorded), handled (the handoff was resolved), followed_up (agent followed up)
    status = sa.Column(sa.String(16), nullable=False, default="open")
    #: the agent's follow-up note
    note = sa.Column(sa.Text)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
