"""What was said in the conversations of handoffs, read from ``conversation_events``.

A handoff's transcript is its conversation's customer, bot and agent messages from the start of
the Rasa session it was handed over in to the handoff's end. The console's live feed follows new
handoff transitions and new messages of conversations with a recent handoff
(:class:`handoff.live.LiveFeed`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy import func, select

from handoff.models import OPEN_STATUSES, Handoff, HandoffTransition
from kefu import events as conversation
from kefu.clock import as_utc
from kefu.db import session_scope
from kefu.events import ConversationEvent, TranscriptLine

#: How far back a transcript reaches when the conversation's session start is unknown.
TRANSCRIPT_FALLBACK_WINDOW = dt.timedelta(hours=6)
#: Conversations read together by :meth:`Transcripts.of_each`.
BATCH = 100


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

    def of_each(self, handoffs: list[Handoff], *, limit: int = 500) -> dict[int, list[TranscriptLine]]:
        """:meth:`of` for several handoffs, by handoff id: the same lines, read in two queries a
        batch of :data:`BATCH` conversations (their session starts, then their messages) instead
        of two a handoff (the console's queue list shows up to 200)."""
        found: dict[int, list[TranscriptLine]] = {}
        for first in range(0, len(handoffs), BATCH):
            found.update(self._batch(handoffs[first:first + BATCH], limit))
        return found

    def _batch(self, handoffs: list[Handoff], limit: int) -> dict[int, list[TranscriptLine]]:
        if not handoffs:
            return {}
        created = {handoff.id: as_utc(handoff.created_at) for handoff in handoffs}
        senders = sorted({handoff.sender_id for handoff in handoffs})
        with session_scope(self.database_url) as session:
            starts: dict[str, list[dt.datetime]] = defaultdict(list)
            for sender, stamp in session.execute(
                    select(ConversationEvent.sender_id, ConversationEvent.timestamp).where(
                        ConversationEvent.sender_id.in_(senders), ConversationEvent.type == "session_started",
                        ConversationEvent.timestamp <= max(created.values()))):
                starts[sender].append(as_utc(stamp))
            windows: dict[int, tuple[dt.datetime, dt.datetime | None]] = {}
            for handoff in handoffs:
                earlier = [stamp for stamp in starts[handoff.sender_id] if stamp <= created[handoff.id]]
                since = max(earlier) if earlier else created[handoff.id] - TRANSCRIPT_FALLBACK_WINDOW
                windows[handoff.id] = (since, as_utc(handoff.ended_at))
            earliest: dict[str, dt.datetime] = {}
            for handoff in handoffs:
                since = windows[handoff.id][0]
                earliest[handoff.sender_id] = min(since, earliest.get(handoff.sender_id, since))
            rows = session.execute(
                select(*conversation.MESSAGE_COLUMNS)
                .where(ConversationEvent.type.in_(("user", "bot")),
                       sa.or_(*(sa.and_(ConversationEvent.sender_id == sender, ConversationEvent.timestamp >= since)
                                for sender, since in earliest.items())))
                .order_by(ConversationEvent.id)).all()
        by_sender: dict[str, list[tuple[dt.datetime, TranscriptLine | None]]] = defaultdict(list)
        for row in rows:
            by_sender[row.sender_id].append((as_utc(row.timestamp), conversation.line_of(row)))
        found = {}
        for handoff in handoffs:
            since, until = windows[handoff.id]
            inside = [line for stamp, line in by_sender[handoff.sender_id]
                      if stamp >= since and (until is None or stamp <= until)][-limit:]
            found[handoff.id] = [line for line in inside if line is not None]
        return found

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
