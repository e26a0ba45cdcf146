"""The ``handoffs`` table → the analytics sessions the handoffs happened in.

Each handoff changed since the last run (plus :data:`HANDOFF_MARGIN` for the clocks of other
processes), and each handoff of a sender whose events this run read, is copied onto the latest
session of its sender that started before it: reason, status, wait (request → claim), handling
time (claim → resolution), rating. A session counts its first handoff.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Session

from analytics.models import AnalyticsMark, ConversationSession
from handoff.models import Handoff
from kefu.clock import as_utc

HANDOFFS_MARK = "handoffs"
#: Handoffs changed this long before the last sync are looked at again (clocks of other processes).
HANDOFF_MARGIN = dt.timedelta(minutes=5)
#: A handoff counts for the latest session that started before it (plus this much clock skew).
HANDOFF_SKEW = dt.timedelta(seconds=5)


def sync_handoffs(db: Session, senders: Iterable[str], now: dt.datetime) -> int:
    """Copies the changed handoffs (and those of ``senders``) onto their sessions; returns how many."""
    mark = db.get(AnalyticsMark, HANDOFFS_MARK)
    if mark is None:
        mark = AnalyticsMark(name=HANDOFFS_MARK, last_id=0)
        db.add(mark)
    since = as_utc(mark.last_at) - HANDOFF_MARGIN if mark.last_at else None
    conditions = []
    if since is not None:
        conditions += [Handoff.updated_at >= since, Handoff.rated_at >= since]
    senders = sorted(senders)
    for start in range(0, len(senders), 500):
        conditions.append(Handoff.sender_id.in_(senders[start:start + 500]))
    query = select(Handoff).order_by(Handoff.created_at, Handoff.id)
    if conditions:
        query = query.where(sa.or_(*conditions))
    copied = sum(1 for handoff in db.execute(query).scalars().all() if attach(db, handoff))
    mark.last_at = now
    mark.updated_at = now
    return copied


def attach(db: Session, handoff: Handoff) -> bool:
    """Copies ``handoff`` onto its session; False when it has none yet or the session has an earlier one."""
    created = as_utc(handoff.created_at)
    session = db.execute(
        select(ConversationSession)
        .where(ConversationSession.sender_id == handoff.sender_id,
               ConversationSession.started_at <= created + HANDOFF_SKEW)
        .order_by(ConversationSession.started_at.desc(), ConversationSession.id.desc()).limit(1)
    ).scalar_one_or_none()
    if session is None:  # its events are not ingested yet; the sender's next events bring it here
        return False
    if session.handoff_id not in (None, handoff.id):
        first = db.get(Handoff, session.handoff_id)
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
