"""The incremental ingester: ``conversation_events`` and ``handoffs`` → the analytics tables.

Every run reads the conversation events after the stored high-water mark (``analytics_marks``),
in id order, and updates the tables of :mod:`analytics.models`:

* a ``session_started`` event opens a new :class:`ConversationSession` of its sender (the events
  of a sender seen before any ``session_started`` open one too);
* a customer message (``user`` event, not an ``EXTERNAL`` intent) counts a turn and gives the
  session its channel;
* a ``bot`` event sent by ``utter_faq/<id>`` counts an FAQ answer (:class:`FaqAnswer`);
* the action ``utter_default`` (the bot did not understand) makes the customer's last message an
  unanswered ``fallback``; ``utter_out_of_scope`` an ``out_of_scope`` one; ``action_handoff_request``
  a ``handoff`` one (a ``fallback`` when NLU did not understand it; when the customer merely asked
  for a human, their last real question instead);
* each handoff of the ``handoffs`` table changed since the last run is copied onto the session it
  happened in: reason, status, wait (request → claim), handling time (claim → resolution), rating.

Safe with several web replicas: a run starts with ``UPDATE analytics_marks ... WHERE name = ...``,
which locks the mark row (PostgreSQL) or the database (SQLite) until the run commits, so runs
take turns and each sees the mark the previous one left. Event ids that are missing below a
newer event are waited for (up to :data:`GAP_GRACE`): another process may still be committing them.
A malformed event row is logged (its id and what is wrong, never its text) and skipped.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy import select, update

from analytics.models import MAX_TEXT, AnalyticsMark, ConversationSession, FaqAnswer, UnansweredMessage
from handoff.models import Handoff
from kefu.conversation import EXTERNAL_PREFIX, ConversationEvent, as_utc, utcnow
from kefu.db import session_scope
from kefu.privacy import mask_pii
from kefu.settings import current
from kefu.text import normalize

logger = logging.getLogger(__name__)

EVENTS_MARK = "conversation_events"
HANDOFFS_MARK = "handoffs"
#: Events read per transaction, and transactions per :func:`ingest` call at most.
BATCH_SIZE = 1000
MAX_BATCHES = 50
#: How long a gap in event ids is waited for before it counts as a rolled-back insert.
GAP_GRACE = dt.timedelta(seconds=30)
#: Handoffs changed this long before the last sync are looked at again (clocks of other processes).
HANDOFF_MARGIN = dt.timedelta(minutes=5)
#: A handoff counts for the latest session that started before it (plus this much clock skew).
HANDOFF_SKEW = dt.timedelta(seconds=5)

FALLBACK_ACTION = "utter_default"
OUT_OF_SCOPE_ACTION = "utter_out_of_scope"
HANDOFF_ACTION = "action_handoff_request"
FAQ_PREFIX = "utter_faq/"
FALLBACK_INTENT = "nlu_fallback"
#: Intents of messages that ask nothing by themselves: when one triggers a handoff, the inbox
#: takes the customer's last message before it that did ask something.
NOT_QUESTIONS = frozenset({"request_human", "greet", "goodbye", "thank", "affirm", "deny", "bot_challenge"})
DEFAULT_TIMEZONE = "Asia/Shanghai"


def local_zone() -> ZoneInfo:
    """The shop's time zone for days: ``ANALYTICS_TIMEZONE``, else ``HANDOFF_TIMEZONE``, else Asia/Shanghai."""
    name = current().analytics_timezone  # validated at start (kefu.settings)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("analytics: unknown time zone %r; using %s", name, DEFAULT_TIMEZONE)
        return ZoneInfo(DEFAULT_TIMEZONE)


class MalformedEvent(ValueError):
    """A ``conversation_events`` row the ingester cannot read; the message says what is wrong."""


@dataclass(frozen=True)
class Event:
    """The parts of a conversation event the ingester uses, checked."""

    id: int
    sender_id: str
    type: str
    at: dt.datetime
    text: str | None = None
    intent: str | None = None
    name: str | None = None
    channel: str | None = None
    utter_action: str | None = None

    @property
    def is_customer_message(self) -> bool:
        if self.type != "user" or not (self.text or "").strip():
            return False
        return not (self.text.startswith(EXTERNAL_PREFIX) or (self.intent or "").startswith("EXTERNAL_"))


def _optional_text(value: Any, what: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise MalformedEvent(f"{what} is not text")


def parse_event(row: ConversationEvent) -> Event:
    """Checks a stored event.

    Raises:
        MalformedEvent: no sender, type or timestamp, or fields of the wrong type.
    """
    if not isinstance(row.id, int):
        raise MalformedEvent("no id")
    if not isinstance(row.sender_id, str) or not row.sender_id.strip():
        raise MalformedEvent("no sender id")
    if not isinstance(row.type, str) or not row.type:
        raise MalformedEvent("no event type")
    if not isinstance(row.timestamp, dt.datetime):
        raise MalformedEvent("no timestamp")
    metadata = row.event_metadata
    if metadata is not None and not isinstance(metadata, dict):
        raise MalformedEvent("metadata is not an object")
    return Event(
        id=row.id, sender_id=row.sender_id, type=row.type, at=as_utc(row.timestamp),
        text=_optional_text(row.text, "text"), intent=_optional_text(row.intent, "intent"),
        name=_optional_text(row.name, "name"), channel=_optional_text(row.input_channel, "input channel"),
        utter_action=_optional_text((metadata or {}).get("utter_action"), "utter_action"),
    )


@dataclass
class IngestResult:
    """What a run did: events read, malformed ones skipped, inbox items added, handoffs copied."""

    events: int = 0
    skipped: int = 0
    unanswered: int = 0
    handoffs: int = 0
    faq_answers: int = 0

    def add(self, other: IngestResult) -> None:
        for name in ("events", "skipped", "unanswered", "handoffs", "faq_answers"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class _Unreadable:
    """A row that could not even be loaded (say, a timestamp that is not a date)."""

    id: int
    timestamp: None = None


def _forget_events(db) -> None:
    for instance in [obj for obj in db.identity_map.values() if isinstance(obj, ConversationEvent)]:
        db.expunge(instance)


def _load_events(db, after: int, limit: int) -> list[ConversationEvent | _Unreadable]:
    query = select(ConversationEvent).where(ConversationEvent.id > after).order_by(ConversationEvent.id).limit(limit)
    try:
        return list(db.execute(query).scalars().all())
    except (ValueError, TypeError, LookupError, OverflowError):
        _forget_events(db)
    # one bad row spoils the batch: load the rows one by one
    ids = db.execute(select(ConversationEvent.id).where(ConversationEvent.id > after)
                     .order_by(ConversationEvent.id).limit(limit)).scalars().all()
    rows: list[ConversationEvent | _Unreadable] = []
    for event_id in ids:
        try:
            rows.append(db.execute(select(ConversationEvent).where(ConversationEvent.id == event_id)).scalar_one())
        except (ValueError, TypeError, LookupError, OverflowError):
            _forget_events(db)
            rows.append(_Unreadable(event_id))
    return rows


def _without_fresh_gaps(rows: list, after: int, now: dt.datetime) -> list:
    """The rows up to the first gap in ids that a slower writer may still fill."""
    usable, expected = [], after + 1
    for row in rows:
        if row.id != expected and isinstance(row.timestamp, dt.datetime) and as_utc(row.timestamp) > now - GAP_GRACE:
            break
        usable.append(row)
        expected = row.id + 1
    return usable


class _Run:
    """One ingest transaction: the sessions it touched, the inbox items it added."""

    def __init__(self, db, zone: ZoneInfo, result: IngestResult) -> None:
        self.db = db
        self.zone = zone
        self.result = result
        self.sessions: dict[str, ConversationSession] = {}
        self.events: dict[int, Event] = {}
        self.items: set[int] = set()

    def day(self, at: dt.datetime) -> dt.date:
        return as_utc(at).astimezone(self.zone).date()

    # ------------------------------------------------------------------ sessions
    def current(self, sender_id: str) -> ConversationSession | None:
        if sender_id not in self.sessions:
            found = self.db.execute(
                select(ConversationSession).where(ConversationSession.sender_id == sender_id)
                .order_by(ConversationSession.started_at.desc(), ConversationSession.id.desc()).limit(1)
            ).scalar_one_or_none()
            if found is None:
                return None
            self.sessions[sender_id] = found
        return self.sessions[sender_id]

    def open_session(self, event: Event) -> ConversationSession:
        key = f"{event.sender_id}#{event.id}"
        session = self.db.execute(
            select(ConversationSession).where(ConversationSession.session_key == key)
        ).scalar_one_or_none()
        if session is None:
            session = ConversationSession(
                session_key=key, sender_id=event.sender_id, channel="", day=self.day(event.at), started_at=event.at,
                last_event_at=event.at, user_turns=0, faq_answers=0, fallbacks=0, out_of_scope=0,
                handed_over=False, contained=False,
            )
            self.db.add(session)
            self.db.flush()
        self.sessions[event.sender_id] = session
        return session

    def session_of(self, event: Event) -> ConversationSession:
        session = self.current(event.sender_id)
        if event.type == "session_started":
            # Rasa logs action_session_start just before; a session with nothing in it is reused
            if session is not None and not (session.user_turns or session.faq_answers or session.handed_over):
                return session
            return self.open_session(event)
        return session if session is not None else self.open_session(event)

    # ------------------------------------------------------------------ events
    def apply(self, event: Event) -> None:
        session = self.session_of(event)
        if as_utc(session.last_event_at) < event.at:
            session.last_event_at = event.at
        if event.type == "user" and event.is_customer_message:
            self.events[event.id] = event
            session.user_turns += 1
            if not session.channel and event.channel:
                session.channel = event.channel[:64]
            session.last_user_event_id = event.id
            if event.intent not in NOT_QUESTIONS:
                session.last_question_event_id = event.id
        elif event.type == "bot" and event.utter_action and event.utter_action.startswith(FAQ_PREFIX):
            faq_id = event.utter_action[len(FAQ_PREFIX):][:64]
            if faq_id:
                session.faq_answers += 1
                self.db.add(FaqAnswer(event_id=event.id, session_id=session.id, faq_id=faq_id, at=event.at,
                                      day=self.day(event.at)))
                self.result.faq_answers += 1
        elif event.type == "action":
            if event.name == FALLBACK_ACTION:
                self.unanswered(session, self.user_event(session.last_user_event_id), "fallback")
            elif event.name == OUT_OF_SCOPE_ACTION:
                self.unanswered(session, self.user_event(session.last_user_event_id), "out_of_scope")
            elif event.name == HANDOFF_ACTION:
                session.handed_over = True
                trigger = self.user_event(session.last_user_event_id)
                if trigger is not None and trigger.intent == FALLBACK_INTENT:
                    self.unanswered(session, trigger, "fallback")
                elif trigger is not None and trigger.intent not in NOT_QUESTIONS:
                    self.unanswered(session, trigger, "handoff")
                else:
                    self.unanswered(session, self.user_event(session.last_question_event_id), "handoff")
        session.contained = bool(session.user_turns) and not session.handed_over

    def user_event(self, event_id: int | None) -> Event | None:
        if event_id is None:
            return None
        if event_id not in self.events:
            row = self.db.get(ConversationEvent, event_id)
            if row is None:
                return None
            try:
                self.events[event_id] = parse_event(row)
            except MalformedEvent:
                return None
        return self.events[event_id]

    def unanswered(self, session: ConversationSession, event: Event | None, kind: str) -> None:
        if event is None or event.id in self.items:
            return
        self.items.add(event.id)
        if self.db.execute(select(UnansweredMessage.id).where(UnansweredMessage.event_id == event.id)).first():
            return
        text = (mask_pii(event.text) or "").strip()[:MAX_TEXT]
        if not text:
            return
        if kind == "fallback":
            session.fallbacks += 1
        elif kind == "out_of_scope":
            session.out_of_scope += 1
        self.db.add(UnansweredMessage(
            event_id=event.id, session_id=session.id, sender_id=session.sender_id, channel=session.channel or "",
            kind=kind, text=text, normalized=normalize(text), at=event.at, day=self.day(event.at), status="open",
        ))
        self.result.unanswered += 1

    # ------------------------------------------------------------------ handoffs
    def sync_handoffs(self, now: dt.datetime) -> None:
        mark = self.db.get(AnalyticsMark, HANDOFFS_MARK)
        if mark is None:
            mark = AnalyticsMark(name=HANDOFFS_MARK, last_id=0)
            self.db.add(mark)
        since = as_utc(mark.last_at) - HANDOFF_MARGIN if mark.last_at else None
        conditions = []
        if since is not None:
            conditions += [Handoff.updated_at >= since, Handoff.rated_at >= since]
        senders = sorted(self.sessions)
        for start in range(0, len(senders), 500):
            conditions.append(Handoff.sender_id.in_(senders[start:start + 500]))
        query = select(Handoff).order_by(Handoff.created_at, Handoff.id)
        if conditions:
            query = query.where(sa.or_(*conditions))
        for handoff in self.db.execute(query).scalars().all():
            if self.attach(handoff):
                self.result.handoffs += 1
        mark.last_at = now
        mark.updated_at = now

    def attach(self, handoff: Handoff) -> bool:
        created = as_utc(handoff.created_at)
        session = self.db.execute(
            select(ConversationSession)
            .where(ConversationSession.sender_id == handoff.sender_id,
                   ConversationSession.started_at <= created + HANDOFF_SKEW)
            .order_by(ConversationSession.started_at.desc(), ConversationSession.id.desc()).limit(1)
        ).scalar_one_or_none()
        if session is None:  # its events are not ingested yet; the sender's next events bring it here
            return False
        if session.handoff_id not in (None, handoff.id):
            first = self.db.get(Handoff, session.handoff_id)
            if first is not None and (as_utc(first.created_at), first.id) < (created, handoff.id):
                return False  # a session counts its first handoff
        claimed, ended = as_utc(handoff.claimed_at), as_utc(handoff.ended_at)
        session.handed_over = True
        session.handoff_id = handoff.id
        session.handoff_reason = handoff.reason
        session.handoff_status = handoff.status
        session.wait_seconds = (claimed - created).total_seconds() if claimed else None
        session.handling_seconds = (
            (ended - claimed).total_seconds() if claimed and ended and handoff.status == "resolved" else None
        )
        session.rating = handoff.rating
        session.contained = False
        return True


def ingest_once(database_url: str, *, batch_size: int = BATCH_SIZE, now: dt.datetime | None = None,
                zone: ZoneInfo | None = None) -> IngestResult:
    """Ingests at most ``batch_size`` new events (and the changed handoffs) in one transaction."""
    now = as_utc(now) if now else utcnow()
    result = IngestResult()
    with session_scope(database_url) as db:
        locked = db.execute(
            update(AnalyticsMark).where(AnalyticsMark.name == EVENTS_MARK).values(updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not locked:
            db.add(AnalyticsMark(name=EVENTS_MARK, last_id=0, updated_at=now))
            db.flush()
        mark = db.execute(select(AnalyticsMark).where(AnalyticsMark.name == EVENTS_MARK)).scalar_one()
        rows = _without_fresh_gaps(_load_events(db, mark.last_id, batch_size), mark.last_id, now)
        run = _Run(db, zone or local_zone(), result)
        for row in rows:
            try:
                if isinstance(row, _Unreadable):
                    raise MalformedEvent("the row cannot be read")
                event = parse_event(row)
            except MalformedEvent as problem:
                logger.warning("analytics: conversation event %s skipped: %s", row.id, problem)
                result.skipped += 1
                continue
            run.apply(event)
            result.events += 1
        run.sync_handoffs(now)
        if rows:
            mark.last_id = rows[-1].id
    return result


def _anything_new(database_url: str) -> bool:
    """A read-only look: new events, or handoffs changed since the last run (runs lock; looks do not)."""
    with session_scope(database_url) as db:
        marks = {m.name: m for m in db.execute(select(AnalyticsMark)).scalars().all()}
        events, handoffs = marks.get(EVENTS_MARK), marks.get(HANDOFFS_MARK)
        if events is None or handoffs is None or handoffs.last_at is None:
            return True
        if db.execute(select(ConversationEvent.id).where(ConversationEvent.id > events.last_id).limit(1)).first():
            return True
        since = as_utc(handoffs.last_at) - HANDOFF_MARGIN
        return db.execute(select(Handoff.id).where(
            sa.or_(Handoff.updated_at >= since, Handoff.rated_at >= since)).limit(1)).first() is not None


def ingest(database_url: str, *, batch_size: int = BATCH_SIZE, max_batches: int = MAX_BATCHES,
           now: dt.datetime | None = None, zone: ZoneInfo | None = None) -> IngestResult:
    """Ingests everything new, batch after batch; returns the totals.

    Idempotent: a second call right after finds nothing to do. The web app calls it every few
    seconds (:mod:`analytics.api`); tests call it directly.
    """
    total = IngestResult()
    if not _anything_new(database_url):
        return total
    for _ in range(max_batches):
        result = ingest_once(database_url, batch_size=batch_size, now=now, zone=zone)
        total.add(result)
        if result.events + result.skipped < batch_size:
            break
    return total
