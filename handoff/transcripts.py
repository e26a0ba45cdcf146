"""What was said in the conversations of handoffs, read from ``conversation_events``.

A handoff's transcript is its conversation's customer, bot and agent messages from the start of
the Rasa session it was handed over in to the handoff's end. The console's live feed follows new
handoff transitions and new messages of conversations with a recent handoff
(:class:`handoff.live.LiveFeed`).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy import func, select

from handoff.models import OPEN_STATUSES, Handoff, HandoffTransition
from kefu import events as conversation
from kefu.clock import as_utc
from kefu.db import session_scope
from kefu.events import ConversationEvent, TranscriptLine

#: How far back a transcript reaches when the conversation's session start is unknown.
TRANSCRIPT_FALLBACK_WINDOW = dt.timedelta(hours=6)


class Transcripts:
    """Reads handoffs' conversations from the app database.

    Args:
        database_url: the app database (``Settings.database_url``).
    """

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    def of(self, handoff: Handoff, *, limit: int = 500) -> list[TranscriptLine]:
        """The conversation's messages from the start of its session to the handoff's end."""
        created = as_utc(handoff.created_at)
        with session_scope(self.database_url) as session:
            since = conversation.session_start(session, handoff.sender_id, created)
            if since is None:
                since = created - TRANSCRIPT_FALLBACK_WINDOW
            until = as_utc(handoff.ended_at)
            return conversation.transcript(session, handoff.sender_id, since=since, until=until, limit=limit)

    def of_each(self, handoffs: list[Handoff]) -> dict[int, list[TranscriptLine]]:
        """:meth:`of` for several handoffs, by handoff id."""
        return {handoff.id: self.of(handoff) for handoff in handoffs}

    # ------------------------------------------------------------------ live feed
    def cursor(self) -> tuple[int, int]:
        """The newest transition id and conversation event id (where a live feed starts)."""
        with session_scope(self.database_url) as session:
            transition = session.execute(select(func.max(HandoffTransition.id))).scalar_one() or 0
            event = session.execute(select(func.max(ConversationEvent.id))).scalar_one() or 0
        return transition, event

    def changes_since(self, transition_id: int, event_id: int, *, now: dt.datetime, limit: int = 500
                      ) -> tuple[list[HandoffTransition], list[tuple[int, TranscriptLine]]]:
        """What happened after a cursor: transitions after ``transition_id``, and the messages after
        ``event_id`` of conversations whose handoff is open or ended in the last hour, as
        ``(handoff id, line)`` pairs."""
        with session_scope(self.database_url) as session:
            transitions = list(session.execute(
                select(HandoffTransition).where(HandoffTransition.id > transition_id)
                .order_by(HandoffTransition.id).limit(limit)
            ).scalars().all())
            recent = session.execute(
                select(Handoff.id, Handoff.sender_id).where(sa.or_(
                    Handoff.status.in_(OPEN_STATUSES), Handoff.ended_at >= now - dt.timedelta(hours=1)))
                .order_by(Handoff.id)
            ).all()
            handoff_of = {sender: handoff_id for handoff_id, sender in recent}  # the latest wins
            events = []
            if handoff_of:
                events = session.execute(
                    select(ConversationEvent)
                    .where(ConversationEvent.id > event_id, ConversationEvent.type.in_(("user", "bot")),
                           ConversationEvent.sender_id.in_(list(handoff_of)))
                    .order_by(ConversationEvent.id).limit(limit)
                ).scalars().all()
        messages = []
        for event in events:
            line = conversation.line_of(event)
            if line is not None:
                messages.append((handoff_of[event.sender_id], line))
        return transitions, messages
