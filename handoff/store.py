"""Persistence of the handoff queue, in the shape of Rasa's stores.

:meth:`HandoffStore.create` picks the implementation from a configuration (a database URL, a
``{"type": "sql", "url": ...}`` mapping or a :class:`kefu.settings.Settings`). SQL is the real
one: it runs on SQLite and PostgreSQL, and every status change is a conditional UPDATE
(``... WHERE id = :id AND status = :current``), so two agents claiming one conversation at the
same moment cannot both win, on one process or many.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from handoff.models import OPEN_STATUSES, ComplaintTicket, Handoff, HandoffTransition
from handoff.states import HandoffError, Status, check_transition
from kefu import events as conversation
from kefu.clock import as_utc
from kefu.db import session_scope
from kefu.events import TranscriptLine

#: How far back a transcript reaches when the conversation's session start is unknown.
TRANSCRIPT_FALLBACK_WINDOW = dt.timedelta(hours=6)


class HandoffNotFound(HandoffError, LookupError):
    def __init__(self, handoff_id: int) -> None:
        self.handoff_id = handoff_id
        super().__init__(f"No handoff with id {handoff_id}.")


class HandoffConflict(HandoffError):
    """The handoff changed under us (another agent claimed it first, it was resolved ...)."""

    def __init__(self, message: str, handoff: Handoff | None = None) -> None:
        self.handoff = handoff
        super().__init__(message)


class UnknownStoreType(HandoffError, ValueError):
    pass


@dataclass(frozen=True)
class NewHandoff:
    """What is known about a conversation when it is handed over."""

    sender_id: str
    channel: str
    reason: str
    priority: int
    language: str | None = None
    customer_id: str | None = None
    order_id: str | None = None
    trigger_text: str | None = None


class HandoffStore:
    """Interface of a handoff store; see :class:`SQLHandoffStore`."""

    @staticmethod
    def create(config: Any) -> HandoffStore:
        """Creates the store a configuration asks for.

        Args:
            config: a database URL, a mapping ``{"type": "sql", "url": ...}`` or an object with a
                ``database_url`` attribute (:class:`kefu.settings.Settings`).

        Raises:
            UnknownStoreType: for a type other than ``sql``.
        """
        if isinstance(config, HandoffStore):
            return config
        if isinstance(config, str):
            return SQLHandoffStore(config)
        if isinstance(config, Mapping):
            kind = str(config.get("type") or "sql").lower()
            if kind != "sql":
                raise UnknownStoreType(f"Handoff store type {kind!r} is not supported; use 'sql'.")
            return SQLHandoffStore(config["url"])
        url = getattr(config, "database_url", None)
        if isinstance(url, str):
            return SQLHandoffStore(url)
        raise UnknownStoreType(f"Cannot create a handoff store from {type(config).__name__}.")

    # The methods below are what the service and the API use.
    def open_handoff(self, new: NewHandoff, *, status: Status, actor: str, at: dt.datetime,
                     callback_due_at: dt.datetime | None = None) -> tuple[Handoff, bool]:
        raise NotImplementedError

    def get(self, handoff_id: int) -> Handoff:
        raise NotImplementedError

    def open_for(self, sender_id: str) -> Handoff | None:
        raise NotImplementedError

    def list(self, statuses: Iterable[str] | None = None, *, limit: int = 200) -> list[Handoff]:
        raise NotImplementedError

    def transition(self, handoff_id: int, target: Status, *, actor: str, at: dt.datetime,
                   expected: Iterable[Status] | None = None, note: str | None = None,
                   claimed_by: str | None = None) -> Handoff:
        raise NotImplementedError


class SQLHandoffStore(HandoffStore):
    """The handoff queue in the app database (SQLite or PostgreSQL)."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    # ------------------------------------------------------------------ handoffs
    def open_handoff(self, new: NewHandoff, *, status: Status, actor: str, at: dt.datetime,
                     callback_due_at: dt.datetime | None = None) -> tuple[Handoff, bool]:
        """Creates a handoff in ``status`` (waiting or callback) with its first transition.

        When the conversation already has an open handoff, that one is returned instead
        (``created`` False): a customer who asks twice keeps their place.
        """
        check_transition(Status.BOT, status)
        existing = self.open_for(new.sender_id)
        if existing is not None:
            return existing, False
        try:
            with session_scope(self.database_url) as session:
                handoff = Handoff(
                    sender_id=new.sender_id, channel=new.channel or "", reason=new.reason, priority=new.priority,
                    status=status.value, language=new.language, customer_id=new.customer_id,
                    order_id=new.order_id, trigger_text=new.trigger_text, created_at=at, updated_at=at,
                    callback_due_at=callback_due_at,
                )
                session.add(handoff)
                session.flush()
                session.add(HandoffTransition(handoff_id=handoff.id, from_status=Status.BOT.value,
                                              to_status=status.value, actor=actor, note=new.reason, at=at))
        except IntegrityError:  # another process opened one for this conversation just now
            existing = self.open_for(new.sender_id)
            if existing is None:
                raise
            return existing, False
        return handoff, True

    def get(self, handoff_id: int) -> Handoff:
        with session_scope(self.database_url) as session:
            handoff = session.get(Handoff, handoff_id)
            if handoff is None:
                raise HandoffNotFound(handoff_id)
            return handoff

    def open_for(self, sender_id: str) -> Handoff | None:
        with session_scope(self.database_url) as session:
            return session.execute(
                select(Handoff).where(Handoff.sender_id == sender_id, Handoff.status.in_(OPEN_STATUSES))
            ).scalars().first()

    def latest_for(self, sender_id: str) -> Handoff | None:
        with session_scope(self.database_url) as session:
            return session.execute(
                select(Handoff).where(Handoff.sender_id == sender_id).order_by(Handoff.id.desc()).limit(1)
            ).scalars().first()

    def list(self, statuses: Iterable[str] | None = None, *, limit: int = 200) -> list[Handoff]:
        """Handoffs in queue order: priority first (complaints first), then oldest first.

        Final statuses (resolved, abandoned) are listed newest first.
        """
        query = select(Handoff)
        wanted = [str(s) for s in statuses] if statuses else None
        if wanted:
            query = query.where(Handoff.status.in_(wanted))
        if wanted and set(wanted) <= {"resolved", "abandoned"}:
            query = query.order_by(Handoff.ended_at.desc(), Handoff.id.desc())
        else:
            query = query.order_by(Handoff.priority.desc(), Handoff.created_at, Handoff.id)
        with session_scope(self.database_url) as session:
            return list(session.execute(query.limit(limit)).scalars().all())

    def transition(self, handoff_id: int, target: Status, *, actor: str, at: dt.datetime,
                   expected: Iterable[Status] | None = None, note: str | None = None,
                   claimed_by: str | None = None) -> Handoff:
        """Moves a handoff to ``target`` and stores the transition, atomically.

        Args:
            expected: statuses the caller saw the handoff in; anything else is a conflict.
            claimed_by: the agent taking it (for ``active``).

        Raises:
            HandoffNotFound: no such handoff.
            InvalidTransition: the status machine forbids the change.
            HandoffConflict: the handoff changed concurrently (or is not in ``expected``).
        """
        with session_scope(self.database_url) as session:
            current = session.get(Handoff, handoff_id)
            if current is None:
                raise HandoffNotFound(handoff_id)
            current_status = Status(current.status)
            if expected is not None and current_status not in set(expected):
                session.expunge(current)  # keep its loaded state for the caller after the rollback
                raise HandoffConflict(f"Handoff {handoff_id} is {current_status.value}.", current)
            check_transition(current_status, target, handoff_id)
            values: dict[str, Any] = {"status": target.value, "updated_at": at}
            if target is Status.ACTIVE:
                values.update(claimed_by=claimed_by, claimed_at=at)
            if target in (Status.RESOLVED, Status.ABANDONED):
                values["ended_at"] = at
            if target is Status.WAITING and current_status is Status.ACTIVE:
                values.update(claimed_by=None, claimed_at=None)
            changed = session.execute(
                update(Handoff)
                .where(Handoff.id == handoff_id, Handoff.status == current_status.value)
                .values(**values)
                .execution_options(synchronize_session=False)
            ).rowcount
            if changed != 1:
                session.rollback()
                latest = session.get(Handoff, handoff_id, populate_existing=True)
                session.expunge(latest)
                raise HandoffConflict(f"Handoff {handoff_id} changed meanwhile; it is now {latest.status}.", latest)
            session.add(HandoffTransition(handoff_id=handoff_id, from_status=current_status.value,
                                          to_status=target.value, actor=actor, note=note, at=at))
        return self.get(handoff_id)

    def mark_bot_resumed(self, handoff_id: int, at: dt.datetime) -> None:
        with session_scope(self.database_url) as session:
            session.execute(update(Handoff).where(Handoff.id == handoff_id).values(bot_resumed_at=at))

    def pending_resumes(self, *, since: dt.datetime) -> list[Handoff]:
        """Ended handoffs whose conversation was not given back to the bot yet."""
        with session_scope(self.database_url) as session:
            return list(session.execute(
                select(Handoff).where(
                    Handoff.status.in_(("resolved", "abandoned")), Handoff.bot_resumed_at.is_(None),
                    Handoff.ended_at >= since,
                ).order_by(Handoff.id)
            ).scalars().all())

    def transitions(self, handoff_id: int) -> list[HandoffTransition]:
        with session_scope(self.database_url) as session:
            return list(session.execute(
                select(HandoffTransition).where(HandoffTransition.handoff_id == handoff_id)
                .order_by(HandoffTransition.id)
            ).scalars().all())

    def waiting_ahead(self, handoff: Handoff) -> int:
        """How many waiting handoffs will be served before this one."""
        with session_scope(self.database_url) as session:
            return session.execute(
                select(func.count()).select_from(Handoff).where(
                    Handoff.status == Status.WAITING.value,
                    Handoff.id != handoff.id,
                    sa.or_(
                        Handoff.priority > handoff.priority,
                        sa.and_(Handoff.priority == handoff.priority,
                                sa.or_(Handoff.created_at < handoff.created_at,
                                       sa.and_(Handoff.created_at == handoff.created_at, Handoff.id < handoff.id))),
                    ),
                )
            ).scalar_one()

    def recent_handling(self, *, since: dt.datetime, limit: int = 20) -> tuple[list[float], int]:
        """Minutes agents spent on recently resolved handoffs, and how many agents claimed since."""
        with session_scope(self.database_url) as session:
            rows = session.execute(
                select(Handoff.claimed_at, Handoff.ended_at).where(
                    Handoff.status == Status.RESOLVED.value, Handoff.claimed_at.is_not(None),
                    Handoff.ended_at >= since,
                ).order_by(Handoff.ended_at.desc()).limit(limit)
            ).all()
            agents = session.execute(
                select(func.count(sa.distinct(Handoff.claimed_by))).where(
                    Handoff.claimed_at >= since, Handoff.claimed_by.is_not(None))
            ).scalar_one()
        minutes = [(as_utc(end) - as_utc(start)).total_seconds() / 60 for start, end in rows if start and end]
        return minutes, agents

    def stale_waiting(self, *, quiet_since: dt.datetime) -> list[Handoff]:
        """Waiting handoffs whose customer has written nothing since ``quiet_since``."""
        last_message = (
            select(func.max(conversation.ConversationEvent.timestamp))
            .where(conversation.ConversationEvent.sender_id == Handoff.sender_id,
                   conversation.ConversationEvent.type == "user")
            .scalar_subquery()
        )
        with session_scope(self.database_url) as session:
            return list(session.execute(
                select(Handoff).where(
                    Handoff.status == Status.WAITING.value,
                    Handoff.created_at < quiet_since,
                    sa.or_(last_message.is_(None), last_message < quiet_since),
                )
            ).scalars().all())

    def record_rating(self, sender_id: str, rating: int, at: dt.datetime) -> Handoff | None:
        """Stores the rating on the conversation's latest resolved handoff without one."""
        with session_scope(self.database_url) as session:
            handoff = session.execute(
                select(Handoff).where(Handoff.sender_id == sender_id, Handoff.status == Status.RESOLVED.value,
                                      Handoff.rating.is_(None))
                .order_by(Handoff.ended_at.desc(), Handoff.id.desc()).limit(1)
            ).scalars().first()
            if handoff is None:
                return None
            handoff.rating, handoff.rated_at = rating, at
            return handoff

    # ------------------------------------------------------------------ transcripts
    def transcript(self, handoff: Handoff, *, limit: int = 500) -> list[TranscriptLine]:
        """The conversation's messages from the start of its session to the handoff's end."""
        created = as_utc(handoff.created_at)
        with session_scope(self.database_url) as session:
            since = conversation.session_start(session, handoff.sender_id, created)
            if since is None:
                since = created - TRANSCRIPT_FALLBACK_WINDOW
            until = as_utc(handoff.ended_at)
            return conversation.transcript(session, handoff.sender_id, since=since, until=until, limit=limit)

    def transcripts(self, handoffs: list[Handoff]) -> dict[int, list[TranscriptLine]]:
        return {handoff.id: self.transcript(handoff) for handoff in handoffs}

    # ------------------------------------------------------------------ complaint tickets
    def create_ticket(self, handoff: Handoff, *, category: str, summary: str,
                      transcript: list[dict[str, Any]], at: dt.datetime) -> ComplaintTicket:
        with session_scope(self.database_url) as session:
            ticket = ComplaintTicket(
                handoff_id=handoff.id, sender_id=handoff.sender_id, channel=handoff.channel,
                customer_id=handoff.customer_id, order_id=handoff.order_id, category=category,
                summary=summary, transcript=transcript, status="open", created_at=at, updated_at=at,
            )
            session.add(ticket)
        return ticket

    def ticket_for(self, handoff_id: int) -> ComplaintTicket | None:
        with session_scope(self.database_url) as session:
            return session.execute(
                select(ComplaintTicket).where(ComplaintTicket.handoff_id == handoff_id)
            ).scalars().first()

    def get_ticket(self, ticket_id: int) -> ComplaintTicket | None:
        with session_scope(self.database_url) as session:
            return session.get(ComplaintTicket, ticket_id)

    def list_tickets(self, statuses: Iterable[str] | None = None, *, limit: int = 200) -> list[ComplaintTicket]:
        query = select(ComplaintTicket)
        if statuses:
            query = query.where(ComplaintTicket.status.in_(list(statuses)))
        with session_scope(self.database_url) as session:
            return list(session.execute(query.order_by(ComplaintTicket.id.desc()).limit(limit)).scalars().all())

    def update_ticket(self, ticket_id: int, *, at: dt.datetime, status: str | None = None,
                      note: str | None = None, transcript: list[dict[str, Any]] | None = None,
                      ) -> ComplaintTicket | None:
        with session_scope(self.database_url) as session:
            ticket = session.get(ComplaintTicket, ticket_id)
            if ticket is None:
                return None
            if status is not None:
                ticket.status = status
            if note is not None:
                ticket.note = note
            if transcript is not None:
                ticket.transcript = transcript
            ticket.updated_at = at
            return ticket

    # ------------------------------------------------------------------ live feed
    def cursor(self) -> tuple[int, int]:
        """The newest transition id and conversation event id (where a live feed starts)."""
        with session_scope(self.database_url) as session:
            transition = session.execute(select(func.max(HandoffTransition.id))).scalar_one() or 0
            event = session.execute(select(func.max(conversation.ConversationEvent.id))).scalar_one() or 0
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
                    select(conversation.ConversationEvent)
                    .where(conversation.ConversationEvent.id > event_id,
                           conversation.ConversationEvent.type.in_(("user", "bot")),
                           conversation.ConversationEvent.sender_id.in_(list(handoff_of)))
                    .order_by(conversation.ConversationEvent.id).limit(limit)
                ).scalars().all()
        messages = []
        for event in events:
            line = conversation.line_of(event)
            if line is not None:
                messages.append((handoff_of[event.sender_id], line))
        return transitions, messages

    def max_event_id(self) -> int:
        with session_scope(self.database_url) as session:
            return session.execute(select(func.max(conversation.ConversationEvent.id))).scalar_one() or 0
