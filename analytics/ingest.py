"""The incremental ingester: ``conversation_events`` and ``handoffs`` → the analytics tables.

Every run reads the conversation events after the stored high-water mark (``analytics_marks``),
in id order (:mod:`analytics.events`), applies them to the sessions they belong to
(:mod:`analytics.sessions`: turns, FAQ answers, unanswered messages for the inbox) and copies
the handoffs changed since the last run onto their sessions (:mod:`analytics.handoffs`).

Safe with several web replicas: a run starts with ``UPDATE analytics_marks ... WHERE name = ...``,
which locks the mark row (PostgreSQL) or the database (SQLite) until the run commits, so runs
take turns and each sees the mark the previous one left. Event ids that are missing below a
newer event are waited for (up to :data:`analytics.events.GAP_GRACE`): another process may still
be committing them. A malformed event row is logged (its id and what is wrong, never its text)
and skipped.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy import select, update

from analytics.events import MalformedEvent, Unreadable, load_events, parse_event, without_fresh_gaps
from analytics.handoffs import HANDOFF_MARGIN, HANDOFFS_MARK, sync_handoffs
from analytics.models import AnalyticsMark
from analytics.sessions import SessionTally
from handoff.models import Handoff
from kefu.clock import as_utc, utcnow
from kefu.db import rowcount, session_scope
from kefu.events import ConversationEvent
from kefu.settings import current

logger = logging.getLogger(__name__)

EVENTS_MARK = "conversation_events"
#: Events read per transaction, and transactions per :func:`ingest` call at most.
BATCH_SIZE = 1000
MAX_BATCHES = 50
DEFAULT_TIMEZONE = "Asia/Shanghai"


def local_zone() -> ZoneInfo:
    """The shop's time zone for days: ``ANALYTICS_TIMEZONE``, else ``HANDOFF_TIMEZONE``, else Asia/Shanghai."""
    name = current().analytics_timezone  # validated at start (kefu.settings)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("analytics: unknown time zone %r; using %s", name, DEFAULT_TIMEZONE)
        return ZoneInfo(DEFAULT_TIMEZONE)


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


def ingest_once(database_url: str, *, batch_size: int = BATCH_SIZE, now: dt.datetime | None = None,
                zone: ZoneInfo | None = None) -> IngestResult:
    """Ingests at most ``batch_size`` new events (and the changed handoffs) in one transaction."""
    now = as_utc(now) if now else utcnow()
    result = IngestResult()
    with session_scope(database_url) as db:
        locked = rowcount(db.execute(
            update(AnalyticsMark).where(AnalyticsMark.name == EVENTS_MARK).values(updated_at=now)
            .execution_options(synchronize_session=False)
        ))
        if not locked:
            db.add(AnalyticsMark(name=EVENTS_MARK, last_id=0, updated_at=now))
            db.flush()
        mark = db.execute(select(AnalyticsMark).where(AnalyticsMark.name == EVENTS_MARK)).scalar_one()
        rows = without_fresh_gaps(load_events(db, mark.last_id, batch_size), mark.last_id, now)
        tally = SessionTally(db, zone or local_zone())
        for row in rows:
            try:
                if isinstance(row, Unreadable):
                    raise MalformedEvent("the row cannot be read")
                event = parse_event(row)
            except MalformedEvent as problem:
                logger.warning("analytics: conversation event %s skipped: %s", row.id, problem)
                result.skipped += 1
                continue
            tally.apply(event)
            result.events += 1
        result.handoffs = sync_handoffs(db, tally.sessions, now)
        result.faq_answers, result.unanswered = tally.faq_answers, tally.unanswered
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
