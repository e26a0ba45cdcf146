"""Tables of the agents' tools (app database, ``kefu.db.Base``; migration 0010)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped

from kefu.clock import utcnow
from kefu.db import Base, column

_BIGINT = sa.BigInteger().with_variant(sa.Integer, "sqlite")


class CannedReply(Base):
    """A team's canned reply (快捷回复), typed in the console's reply box as ``/<shortcut>``."""

    __tablename__ = "assist_canned_replies"

    id: Mapped[int] = column(sa.Integer, primary_key=True, autoincrement=True)
    #: what follows the ``/`` in the reply box: letters, digits, ``_`` or ``-`` (Chinese too), unique
    shortcut: Mapped[str] = column(sa.String(32), nullable=False, unique=True)
    #: a short name shown in the completion list
    title: Mapped[str] = column(sa.String(80), nullable=False, default="")
    #: the reply in Chinese and in English; ``{name}`` and ``{order}`` are filled from the
    #: conversation's verified data
    text_zh: Mapped[str] = column(sa.Text, nullable=False, default="")
    text_en: Mapped[str] = column(sa.Text, nullable=False, default="")
    created_by: Mapped[str] = column(sa.String(64), nullable=False)
    updated_by: Mapped[str] = column(sa.String(64), nullable=False)
    created_at: Mapped[datetime] = column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = column(sa.DateTime(timezone=True), nullable=False, default=utcnow)


class AgentPreference(Base):
    """An agent's own settings for the console: the language of the summaries."""

    __tablename__ = "assist_agent_preferences"

    username: Mapped[str] = column(sa.String(64), primary_key=True)
    #: ``zh`` (the default) or ``en``
    language: Mapped[str] = column(sa.String(8), nullable=False, default="zh")
    updated_at: Mapped[datetime] = column(sa.DateTime(timezone=True), nullable=False, default=utcnow)


class SuggestionOutcome(Base):
    """What an agent did with a suggested reply: sent it as it was, edited it, or ignored it."""

    __tablename__ = "assist_suggestion_outcomes"

    id: Mapped[int] = column(sa.Integer, primary_key=True, autoincrement=True)
    handoff_id: Mapped[int] = column(sa.Integer, nullable=False, index=True)
    username: Mapped[str] = column(sa.String(64), nullable=False)
    #: ``faq`` (a published FAQ answer) or ``agent_reply`` (what an agent answered a similar message)
    source: Mapped[str] = column(sa.String(16), nullable=False)
    #: the FAQ id or the agent reply's event id
    ref: Mapped[str] = column(sa.String(64), nullable=False, default="")
    #: ``sent`` (as it was), ``edited`` (changed, then sent) or ``ignored``
    outcome: Mapped[str] = column(sa.String(16), nullable=False)
    at: Mapped[datetime] = column(sa.DateTime(timezone=True), nullable=False, default=utcnow, index=True)


class FaqDraft(Base):
    """An FAQ proposed from an agent's answer to a message the bot could not answer.

    Nothing here is live: the editor turns it into an FAQ (or a variant of a close one) in the
    working copy, then publishes."""

    __tablename__ = "assist_faq_drafts"

    id: Mapped[int] = column(sa.Integer, primary_key=True, autoincrement=True)
    #: the shopper's unanswered ``user`` event (one draft per message)
    question_event_id: Mapped[int] = column(_BIGINT, nullable=False, unique=True)
    #: the agent's ``bot`` event that answered it
    reply_event_id: Mapped[int] = column(_BIGINT, nullable=False)
    sender_id: Mapped[str] = column(sa.String(255), nullable=False)
    #: the question and the answer with personal data masked
    question: Mapped[str] = column(sa.Text, nullable=False)
    answer: Mapped[str] = column(sa.Text, nullable=False)
    #: ``zh`` or ``en``: the language of the question and the answer
    language: Mapped[str] = column(sa.String(8), nullable=False)
    #: the category of the FAQ closest to the question (a guess), "" when none is close
    category: Mapped[str] = column(sa.String(64), nullable=False, default="")
    #: an existing FAQ close enough that the question may be a variant of it, and how close
    close_faq_id: Mapped[str | None] = column(sa.String(64))
    close_score: Mapped[float | None] = column(sa.Float)
    #: open, used (turned into an FAQ or a variant) or dismissed
    status: Mapped[str] = column(sa.String(16), nullable=False, default="open", index=True)
    faq_id: Mapped[str | None] = column(sa.String(64))
    resolved_by: Mapped[str | None] = column(sa.String(64))
    created_at: Mapped[datetime] = column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    resolved_at: Mapped[datetime | None] = column(sa.DateTime(timezone=True))

