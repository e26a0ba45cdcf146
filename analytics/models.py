"""Tables of the analytics (app database, ``kefu.db.Base``; migration 0005).

They are derived data: :mod:`analytics.ingest` fills them from ``conversation_events`` and the
``handoffs`` table, and could rebuild them from scratch (mark back to 0, tables emptied).
Customer text is stored masked (:func:`kefu.privacy.mask_pii`) and cut to :data:`MAX_TEXT`.
"""

from __future__ import annotations

import sqlalchemy as sa

from kefu.db import Base

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

    name = sa.Column(sa.String(64), primary_key=True)
    #: id of the last conversation event ingested
    last_id = sa.Column(_BIGINT, nullable=False, default=0)
    #: when the handoffs were last synchronised (UTC)
    last_at = sa.Column(sa.DateTime(timezone=True))
    updated_at = sa.Column(sa.DateTime(timezone=True))


class ConversationSession(Base):
    """One Rasa conversation session (from ``session_started`` to the next one) of one sender."""

    __tablename__ = "analytics_sessions"
    __table_args__ = (sa.Index("ix_analytics_sessions_sender_started", "sender_id", "started_at"),)

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    #: ``<sender id>#<id of the session's first event>``: unique, deterministic
    session_key = sa.Column(sa.String(300), nullable=False, unique=True)
    sender_id = sa.Column(sa.String(255), nullable=False)
    #: channel of the session's first customer message (``rest``, ``socketio``, ``telegram`` ...); "" if none
    channel = sa.Column(sa.String(64), nullable=False, default="")
    #: the shop's local day the session started (``ANALYTICS_TIMEZONE``, default the handoff zone)
    day = sa.Column(sa.Date, nullable=False, index=True)
    started_at = sa.Column(sa.DateTime(timezone=True), nullable=False)
    last_event_at = sa.Column(sa.DateTime(timezone=True), nullable=False)
    #: customer messages (not the ``EXTERNAL`` intents the system triggers)
    user_turns = sa.Column(sa.Integer, nullable=False, default=0)
    #: FAQ answers the bot gave (``utter_faq/<id>``)
    faq_answers = sa.Column(sa.Integer, nullable=False, default=0)
    #: customer messages the bot did not understand (answered with ``utter_default`` or a handoff)
    fallbacks = sa.Column(sa.Integer, nullable=False, default=0)
    #: customer messages declined as out of scope (``utter_out_of_scope``)
    out_of_scope = sa.Column(sa.Integer, nullable=False, default=0)
    #: a handoff was opened during the session
    handed_over = sa.Column(sa.Boolean, nullable=False, default=False)
    #: the session's first handoff and its figures
    handoff_id = sa.Column(sa.Integer, index=True)
    handoff_reason = sa.Column(sa.String(32))
    handoff_status = sa.Column(sa.String(16))
    #: seconds from the handoff request to an agent's claim
    wait_seconds = sa.Column(sa.Float)
    #: seconds from the claim to the resolution
    handling_seconds = sa.Column(sa.Float)
    #: the customer's 1-5 satisfaction rating of the handoff
    rating = sa.Column(sa.Integer)
    #: the customer wrote and no human was needed (``user_turns > 0 and not handed_over``)
    contained = sa.Column(sa.Boolean, nullable=False, default=False)
    #: ingester state: the last customer message, and the last one that asked something
    last_user_event_id = sa.Column(_BIGINT)
    last_question_event_id = sa.Column(_BIGINT)


class FaqAnswer(Base):
    """One FAQ answer the bot sent."""

    __tablename__ = "analytics_faq_answers"

    #: the ``bot`` event of the answer
    event_id = sa.Column(_BIGINT, primary_key=True, autoincrement=False)
    session_id = sa.Column(sa.Integer, sa.ForeignKey("analytics_sessions.id", ondelete="CASCADE"), nullable=False,
                           index=True)
    faq_id = sa.Column(sa.String(64), nullable=False, index=True)
    at = sa.Column(sa.DateTime(timezone=True), nullable=False)
    day = sa.Column(sa.Date, nullable=False, index=True)


class UnansweredMessage(Base):
    """A customer message the bot could not answer: the editors' inbox."""

    __tablename__ = "analytics_unanswered"
    __table_args__ = (sa.Index("ix_analytics_unanswered_status_at", "status", "at"),)

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    #: the customer's ``user`` event (one item per message)
    event_id = sa.Column(_BIGINT, nullable=False, unique=True)
    session_id = sa.Column(sa.Integer, sa.ForeignKey("analytics_sessions.id", ondelete="CASCADE"), nullable=False,
                           index=True)
    sender_id = sa.Column(sa.String(255), nullable=False)
    channel = sa.Column(sa.String(64), nullable=False, default="")
    #: fallback (not understood), out_of_scope (declined) or handoff (handed to a human)
    kind = sa.Column(sa.String(16), nullable=False)
    #: the message with personal data masked, at most MAX_TEXT characters
    text = sa.Column(sa.Text, nullable=False)
    #: ``kefu.text.normalize`` of ``text``: what grouping and "resolve by text" compare
    normalized = sa.Column(sa.Text, nullable=False, index=False)
    at = sa.Column(sa.DateTime(timezone=True), nullable=False)
    day = sa.Column(sa.Date, nullable=False, index=True)
    #: open, resolved (an FAQ now answers it) or dismissed (noise)
    status = sa.Column(sa.String(16), nullable=False, default="open")
    #: the FAQ that now answers it (set by ``POST /api/inbox/resolve``)
    resolved_faq_id = sa.Column(sa.String(64))
    resolved_at = sa.Column(sa.DateTime(timezone=True))
    #: user name of the editor who resolved or dismissed it
    resolved_by = sa.Column(sa.String(64))
