"""Tables of the analytics (app database, ``kefu.db.Base``; migration 0005).

They are derived data: :mod:`analytics.ingest` fills them from ``conversation_events`` and the
``handoffs`` table, and could rebuild them from scratch (mark back to 0, tables emptied).
Customer text is stored masked (:func:`kefu.privacy.mask_pii`) and cut to :data:`MAX_TEXT`.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped

from kefu.db import Base, column

#: Characters of a customer message kept in the inbox.
MAX_TEXT = 500
#: Kinds of unanswered message.
KINDS = ("fallback", "out_of_scope", "handoff")
#: Statuses of an inbox item: still to look at, turned into an FAQ (or a variant), or noise.
ITEM_STATUSES = ("open", "resolved", "dismissed")

_BIGINT = sa.BigInteger().with_variant(sa.Integer, "sqlite")


class AnalyticsMark(Base):
    """How far the ingester got: ``conversation_events`` (last event id) and ``handoffs`` (last run)."""

    __tablename__ = "analytics_marks"

    name: Mapped[str] = column(sa.String(64), primary_key=True)
    #: id of the last conversation event ingested
    last_id: Mapped[int] = column(_BIGINT, nullable=False, default=0)
    #: when the handoffs were last synchronised (UTC)
    last_at: Mapped[datetime | None] = column(sa.DateTime(timezone=True))
    updated_at: Mapped[datetime | None] = column(sa.DateTime(timezone=True))


class ConversationSession(Base):
    """One Rasa conversation session (from ``session_started`` to the next one) of one sender."""

    __tablename__ = "analytics_sessions"
    __table_args__ = (sa.Index("ix_analytics_sessions_sender_started", "sender_id", "started_at"),)

    id: Mapped[int] = column(sa.Integer, primary_key=True, autoincrement=True)
    #: ``<sender id>#<id of the session's first event>``: unique, deterministic
    session_key: Mapped[str] = column(sa.String(300), nullable=False, unique=True)
    sender_id: Mapped[str] = column(sa.String(255), nullable=False)
    #: channel of the session's first customer message (``rest``, ``socketio``, ``telegram`` ...); "" if none
    channel: Mapped[str] = column(sa.String(64), nullable=False, default="")
    #: the shop's local day the session started (``ANALYTICS_TIMEZONE``, default the handoff zone)
    day: Mapped[date] = column(sa.Date, nullable=False, index=True)
    started_at: Mapped[datetime] = column(sa.DateTime(timezone=True), nullable=False)
    last_event_at: Mapped[datetime] = column(sa.DateTime(timezone=True), nullable=False)
    #: customer messages (not the ``EXTERNAL`` intents the system triggers)
    user_turns: Mapped[int] = column(sa.Integer, nullable=False, default=0)
    #: FAQ answers the bot gave (``utter_faq/<id>``)
    faq_answers: Mapped[int] = column(sa.Integer, nullable=False, default=0)
    #: customer messages the bot did not understand (answered with ``utter_default`` or a handoff)
    fallbacks: Mapped[int] = column(sa.Integer, nullable=False, default=0)
    #: customer messages declined as out of scope (``utter_out_of_scope``)
    out_of_scope: Mapped[int] = column(sa.Integer, nullable=False, default=0)
    #: a handoff was opened during the session
    handed_over: Mapped[bool] = column(sa.Boolean, nullable=False, default=False)
    #: the session's first handoff and its figures
    handoff_id: Mapped[int | None] = column(sa.Integer, index=True)
    handoff_reason: Mapped[str | None] = column(sa.String(32))
    handoff_status: Mapped[str | None] = column(sa.String(16))
    #: seconds from the handoff request to an agent's claim
    wait_seconds: Mapped[float | None] = column(sa.Float)
    #: seconds from the claim to the resolution
    handling_seconds: Mapped[float | None] = column(sa.Float)
    #: the customer's 1-5 satisfaction rating of the handoff
    rating: Mapped[int | None] = column(sa.Integer)
    #: the customer wrote and no human was needed (``user_turns > 0 and not handed_over``)
    contained: Mapped[bool] = column(sa.Boolean, nullable=False, default=False)
    #: ingester state: the last customer message, and the last one that asked something
    last_user_event_id: Mapped[int | None] = column(_BIGINT)
    last_question_event_id: Mapped[int | None] = column(_BIGINT)


class FaqAnswer(Base):
    """One FAQ answer the bot sent."""

    __tablename__ = "analytics_faq_answers"

    #: the ``bot`` event of the answer
    event_id: Mapped[int] = column(_BIGINT, primary_key=True, autoincrement=False)
    session_id: Mapped[int] = column(sa.Integer, sa.ForeignKey("analytics_sessions.id", ondelete="CASCADE"),
                                     nullable=False, index=True)
    faq_id: Mapped[str] = column(sa.String(64), nullable=False, index=True)
    at: Mapped[datetime] = column(sa.DateTime(timezone=True), nullable=False)
    day: Mapped[date] = column(sa.Date, nullable=False, index=True)


class UnansweredMessage(Base):
    """A customer message the bot could not answer: the editors' inbox."""

    __tablename__ = "analytics_unanswered"
    __table_args__ = (sa.Index("ix_analytics_unanswered_status_at", "status", "at"),)

    id: Mapped[int] = column(sa.Integer, primary_key=True, autoincrement=True)
    #: the customer's ``user`` event (one item per message)
    event_id: Mapped[int] = column(_BIGINT, nullable=False, unique=True)
    session_id: Mapped[int] = column(sa.Integer, sa.ForeignKey("analytics_sessions.id", ondelete="CASCADE"),
                                     nullable=False, index=True)
    sender_id: Mapped[str] = column(sa.String(255), nullable=False)
    channel: Mapped[str] = column(sa.String(64), nullable=False, default="")
    #: fallback (not understood), out_of_scope (declined) or handoff (handed to a human)
    kind: Mapped[str] = column(sa.String(16), nullable=False)
    #: the message with personal data masked, at most MAX_TEXT characters
    text: Mapped[str] = column(sa.Text, nullable=False)
    #: ``kefu.text.normalize`` of ``text``: what grouping and "resolve by text" compare
    normalized: Mapped[str] = column(sa.Text, nullable=False, index=False)
    at: Mapped[datetime] = column(sa.DateTime(timezone=True), nullable=False)
    day: Mapped[date] = column(sa.Date, nullable=False, index=True)
    #: open, resolved (an FAQ now answers it) or dismissed (noise)
    status: Mapped[str] = column(sa.String(16), nullable=False, default="open")
    #: the FAQ that now answers it (set by ``POST /api/inbox/resolve``)
    resolved_faq_id: Mapped[str | None] = column(sa.String(64))
    resolved_at: Mapped[datetime | None] = column(sa.DateTime(timezone=True))
    #: user name of the editor who resolved or dismissed it
    resolved_by: Mapped[str | None] = column(sa.String(64))
