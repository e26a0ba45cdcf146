"""Persistence of the handoff queue in the app database.

:class:`HandoffStore` runs on SQLite and PostgreSQL. Every status change is a conditional UPDATE
(``... WHERE id = :id AND status = :current``), so two agents claiming one conversation at the
same moment cannot both win, on one process or many. :meth:`HandoffStore.hold_of` is what the
channels' gate asks for every customer message: one indexed query.

Complaint tickets are kept by :mod:`handoff.tickets`; the conversation's messages (transcripts,
the console's live feed) are read by :mod:`handoff.transcripts`.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from handoff.models import HELD_STATUSES, OPEN_STATUSES, Handoff, HandoffTransition
from handoff.states import HandoffError, Status, check_transition
from kefu.clock import as_utc
from kefu.db import get_engine, reader, rowcount, session_scope
from kefu.events import ConversationEvent
from kefu.outbox import outbox_waiting

#: How long a process sending a rating question keeps it to itself (then another may try again).
RATING_REQUEST_LEASE = dt.timedelta(minutes=1)


class HandoffNotFound(HandoffError, LookupError):
    def __init__(self, handoff_id: int) -> None:
        self.handoff_id = handoff_id
        super().__init__(f"handoff {handoff_id} not found")


class HandoffConflict(HandoffError):
    """The handoff changed under us (another agent claimed it first, it was resolved ...)."""

    def __init__(self, message: str, handoff: Handoff | None = None) -> None:
        self.handoff = handoff
        super().__init__(message)


@dataclass(frozen=True)
class NewHandoff:
    """What is known about a conversation when it is handed over."""

    sender_id: str
    channel: str
    reason: str
    priority: int
    language: str | None = None
    customer_id: str | None = None
    #: the conversation proved ``customer_id`` itself (not only an earlier link of its identity)
    customer_proven: bool = False
    order_id: str | None = None
    trigger_text: str | None = None


@dataclass(frozen=True)
class Hold:
    """Who holds a conversation, as the handoff record says (:meth:`HandoffStore.hold_of`)."""

    #: the status of the conversation's open handoff (waiting, active, callback); ``None``: none open
    status: str | None = None
    #: an older Kefu paused Rasa's tracker for a handoff of this conversation (migration 0007)
    tracker_paused: bool = False
    #: messages wait in the REST outbox for this conversation (asked with ``outbox=True`` only;
    #: True also when the record could not be read: then the outbox is asked on its own)
    outbox: bool = False

    @property
    def by_human(self) -> bool:
        """True while a human holds the conversation (waiting or active): the bot says nothing."""
        return self.status in HELD_STATUSES


_HOLD_QUERY = (
    select(Handoff.status, Handoff.tracker_paused)
    .where(Handoff.sender_id == sa.bindparam("sender_id"),
           sa.or_(Handoff.status.in_(OPEN_STATUSES), Handoff.tracker_paused.is_(True)))
)
#: The same rows, and one more (status NULL, ``outbox`` true) when the REST outbox holds a message
#: for the conversation: the REST channel's two looks of every turn in one round trip.
_HOLD_AND_OUTBOX_QUERY = sa.union_all(
    select(Handoff.status, Handoff.tracker_paused, sa.false().label("outbox"))
    .where(Handoff.sender_id == sa.bindparam("sender_id"),
           sa.or_(Handoff.status.in_(OPEN_STATUSES), Handoff.tracker_paused.is_(True))),
    select(sa.cast(sa.null(), Handoff.status.type), sa.false(), sa.true())
    .where(outbox_waiting(sa.bindparam("sender_id"))),
)


class HandoffStore:
    """The handoff queue in the app database (SQLite or PostgreSQL).

    Args:
        database_url: the app database (``Settings.database_url``).
    """

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    @classmethod
    def from_settings(cls, settings: Any) -> HandoffStore:
        """The store on the database of a :class:`kefu.settings.Settings`."""
        return cls(settings.database_url)

    # ------------------------------------------------------------------ who holds a conversation
    def hold_of(self, sender_id: str, *, outbox: bool = False) -> Hold:
        """Whether a human holds the conversation, in one indexed query (every customer message
        asks: a plain connection and a statement built once, no ORM session; autocommit on a
        database server: one round trip).

        ``outbox``: also whether the REST outbox (:mod:`kefu.outbox`, in the same database) holds
        a message for the conversation, in the same statement (:attr:`Hold.outbox`)."""
        with reader(self.database_url).connect() as connection:
            rows = connection.execute(_HOLD_AND_OUTBOX_QUERY if outbox else _HOLD_QUERY,
                                      {"sender_id": sender_id}).all()
        status = next((row.status for row in rows if row.status in OPEN_STATUSES), None)
        return Hold(status, any(row.tracker_paused for row in rows),
                    outbox=outbox and any(row.outbox for row in rows))

    def tracker_resumed(self, sender_id: str) -> None:
        """Clears the mark of an older Kefu's pause on the conversation's ended handoffs (an open
        one keeps it: the tracker is resumed when that one ends)."""
        with get_engine(self.database_url).begin() as connection:
            connection.execute(
                update(Handoff)
                .where(Handoff.sender_id == sender_id, Handoff.tracker_paused.is_(True),
                       Handoff.status.not_in(OPEN_STATUSES))
                .values(tracker_paused=False)
            )

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
                    customer_proven=new.customer_proven and new.customer_id is not None, order_id=new.order_id, trigger_text=new.trigger_text, created_at=at, updated_at=at,
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
        """The handoff with this id.

        Raises:
            HandoffNotFound: there is none.
        """
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

    def list(self, statuses: Iterable[str] | None = None, *, limit: int = 200) -> builtins.list[Handoff]:
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
            changed = rowcount(session.execute(
                update(Handoff)
                .where(Handoff.id == handoff_id, Handoff.status == current_status.value)
                .values(**values)
                .execution_options(synchronize_session=False)
            ))
            if changed != 1:
                session.rollback()
                latest = session.get(Handoff, handoff_id, populate_existing=True)
                assert latest is not None  # handoffs are never deleted
                session.expunge(latest)
                raise HandoffConflict(f"Handoff {handoff_id} changed meanwhile; it is now {latest.status}.", latest)
            session.add(HandoffTransition(handoff_id=handoff_id, from_status=current_status.value,
                                          to_status=target.value, actor=actor, note=note, at=at))
        return self.get(handoff_id)

    def transitions(self, handoff_id: int) -> builtins.list[HandoffTransition]:
        with session_scope(self.database_url) as session:
            return list(session.execute(
                select(HandoffTransition).where(HandoffTransition.handoff_id == handoff_id)
                .order_by(HandoffTransition.id)
            ).scalars().all())

    def waiting_ahead(self, handoff: Handoff) -> int:
        """How many waiting handoffs will be served before this one."""
        with session_scope(self.database_url) as session:
            ahead: int = session.execute(
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
        return ahead

    def recent_handling(self, *, since: dt.datetime, limit: int = 20) -> tuple[builtins.list[float], int]:
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

    def stale_waiting(self, *, quiet_since: dt.datetime) -> builtins.list[Handoff]:
        """Waiting handoffs whose customer has written nothing since ``quiet_since``."""
        last_message = (
            select(func.max(ConversationEvent.timestamp))
            .where(ConversationEvent.sender_id == Handoff.sender_id, ConversationEvent.type == "user")
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

    # ------------------------------------------------------------------ the rating question
    def ratings_to_request(self, *, since: dt.datetime, now: dt.datetime) -> builtins.list[Handoff]:
        """Handoffs resolved since ``since`` whose rating question has not reached the Rasa server
        (and that nobody is sending now), unless their conversation is held again."""
        reopened = aliased(Handoff)
        held_again = select(reopened.id).where(reopened.sender_id == Handoff.sender_id,
                                               reopened.status.in_(OPEN_STATUSES))
        with session_scope(self.database_url) as session:
            return list(session.execute(
                select(Handoff).where(
                    Handoff.status == Status.RESOLVED.value, Handoff.rating_requested_at.is_(None),
                    Handoff.ended_at >= since,
                    sa.or_(Handoff.rating_requesting_since.is_(None),
                           Handoff.rating_requesting_since < now - RATING_REQUEST_LEASE),
                    ~held_again.exists(),
                ).order_by(Handoff.id)
            ).scalars().all())

    def start_rating_request(self, handoff_id: int, at: dt.datetime) -> bool:
        """Takes the sending of a handoff's rating question (a conditional UPDATE, so one process
        sends it); False when it was sent already or another process is sending it."""
        with get_engine(self.database_url).begin() as connection:
            return rowcount(connection.execute(
                update(Handoff).where(
                    Handoff.id == handoff_id, Handoff.status == Status.RESOLVED.value,
                    Handoff.rating_requested_at.is_(None),
                    sa.or_(Handoff.rating_requesting_since.is_(None),
                           Handoff.rating_requesting_since < at - RATING_REQUEST_LEASE),
                ).values(rating_requesting_since=at)
            )) == 1

    def finish_rating_request(self, handoff_id: int, at: dt.datetime | None) -> None:
        """Records that the rating question reached the Rasa server (``at``), or, with ``None``, that
        it did not (the upkeep task tries again)."""
        values: dict[str, Any] = {"rating_requesting_since": None}
        if at is not None:
            values.update(rating_requested_at=at, tracker_paused=False)
        with get_engine(self.database_url).begin() as connection:
            connection.execute(update(Handoff).where(Handoff.id == handoff_id).values(**values))

    def record_rating(self, sender_id: str, rating: int, at: dt.datetime) -> Handoff | None:
        """Stores the rating on the conversation's latest resolved handoff without one."""
        with session_scope(self.database_url) as session:
            handoff: Handoff | None = session.execute(
                select(Handoff).where(Handoff.sender_id == sender_id, Handoff.status == Status.RESOLVED.value,
                                      Handoff.rating.is_(None))
                .order_by(Handoff.ended_at.desc(), Handoff.id.desc()).limit(1)
            ).scalars().first()
            if handoff is None:
                return None
            handoff.rating, handoff.rated_at = rating, at
            return handoff
