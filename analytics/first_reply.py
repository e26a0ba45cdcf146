"""First reply after a handoff request (issue 19.4, contract section 8: ``first_reply``).

For each handoff requested in service hours (its first status was ``waiting``; a callback request
made outside the hours waits for the opening and is left out) on the shop's local days of the
period: the seconds from the request to the agent's first message in the conversation (a ``bot``
event with ``metadata.agent``, as the console sends it). ``median_s`` is the median over the
handoffs that got a reply; ``within_30s`` and ``within_3min`` are the shares, of the handoffs that
got a reply or ended without one (abandoned, resolved silently), answered within 30 seconds and
within 3 minutes (the norms of the big Chinese platforms). Handoffs still waiting without a reply
are not counted yet.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from handoff.models import Handoff, HandoffTransition
from kefu.clock import as_utc
from kefu.db import session_scope
from kefu.events import ConversationEvent

#: The two marks of the share figures, seconds.
WITHIN = {"within_30s": 30, "within_3min": 180}
#: Handoffs looked at per period at most.
MAX_HANDOFFS = 20_000


def _utc(value: dt.datetime) -> dt.datetime:
    moment = as_utc(value)
    assert moment is not None
    return moment


def figures(seconds: Iterable[float | None]) -> dict[str, Any]:
    """``{"median_s", "within_30s", "within_3min", "count"}`` of first-reply times (``None``: ended
    without a reply)."""
    values = list(seconds)
    replied = [s for s in values if s is not None]
    result: dict[str, Any] = {"median_s": round(statistics.median(replied), 1) if replied else None}
    for name, limit in WITHIN.items():
        result[name] = round(sum(1 for s in replied if s <= limit) / len(values), 4) if values else None
    result["count"] = len(values)
    return result


def first_reply(database_url: str, *, first: dt.date, last: dt.date, zone: ZoneInfo) -> dict[str, Any]:
    """The ``first_reply`` figures of ``GET /api/analytics`` for the local days ``first``..``last``,
    with ``per_day``."""
    start = dt.datetime.combine(first, dt.time(0), tzinfo=zone).astimezone(dt.timezone.utc)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=zone).astimezone(dt.timezone.utc)
    with session_scope(database_url) as db:
        queued = (select(HandoffTransition.handoff_id)
                  .where(HandoffTransition.from_status == "bot", HandoffTransition.to_status == "waiting"))
        handoffs = db.execute(
            select(Handoff.id, Handoff.sender_id, Handoff.created_at, Handoff.ended_at, Handoff.status)
            .where(Handoff.created_at >= start, Handoff.created_at < end, Handoff.id.in_(queued))
            .order_by(Handoff.created_at).limit(MAX_HANDOFFS)
        ).all()
        senders = sorted({h.sender_id for h in handoffs})
        replies: dict[str, list[dt.datetime]] = {}
        for index in range(0, len(senders), 500):
            rows = db.execute(
                select(ConversationEvent.sender_id, ConversationEvent.timestamp, ConversationEvent.event_metadata)
                .where(ConversationEvent.sender_id.in_(senders[index:index + 500]), ConversationEvent.type == "bot",
                       ConversationEvent.timestamp >= start)
            ).all()
            for row in rows:
                if isinstance(row.event_metadata, dict) and row.event_metadata.get("agent"):
                    replies.setdefault(row.sender_id, []).append(_utc(row.timestamp))
    per_day: dict[dt.date, list[float | None]] = {first + dt.timedelta(days=n): [] for n in
                                                  range((last - first).days + 1)}
    for handoff in handoffs:
        created = _utc(handoff.created_at)
        ended = _utc(handoff.ended_at) if handoff.ended_at else None
        after = [at for at in replies.get(handoff.sender_id, []) if at >= created and (ended is None or at <= ended)]
        if after:
            seconds: float | None = (min(after) - created).total_seconds()
        elif handoff.status in ("waiting", "active"):
            continue  # not decided yet
        else:
            seconds = None
        per_day.setdefault(created.astimezone(zone).date(), []).append(seconds)
    every = [s for values in per_day.values() for s in values]
    return {**figures(every),
            "per_day": [{"day": day.isoformat(), **figures(values)} for day, values in sorted(per_day.items())]}
