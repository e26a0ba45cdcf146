"""What agents did with the suggested replies, and the rates the dashboard shows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from assist.models import SuggestionOutcome
from kefu.clock import utcnow
from kefu.db import session_scope
from kefu.inputs import InvalidInput

OUTCOMES = ("sent", "edited", "ignored")
SOURCES = ("faq", "agent_reply")


def outcome_input(body: dict[str, Any]) -> tuple[str, str, str]:
    """(source, ref, outcome) of a JSON body; :class:`InvalidInput` naming the field."""
    source, ref, outcome = body.get("source"), body.get("ref", ""), body.get("outcome")
    if source not in SOURCES:
        raise InvalidInput("source", f"must be one of {', '.join(SOURCES)}")
    if not isinstance(ref, str) or len(ref) > 64:
        raise InvalidInput("ref", "must be a string of at most 64 characters (the FAQ id or the reply's id)")
    if outcome not in OUTCOMES:
        raise InvalidInput("outcome", f"must be one of {', '.join(OUTCOMES)}")
    return str(source), ref, str(outcome)


def record(database_url: str, *, handoff_id: int, username: str, source: str, ref: str, outcome: str) -> None:
    with session_scope(database_url) as db:
        db.add(SuggestionOutcome(handoff_id=handoff_id, username=username[:64], source=source, ref=ref[:64],
                                 outcome=outcome, at=utcnow()))


def rates(database_url: str, *, days: int = 7) -> dict[str, Any]:
    """``{"days", "total", "sent", "edited", "ignored", "rates": {...}, "by_source": {...}}`` over the last days."""
    since = utcnow() - dt.timedelta(days=days)
    with session_scope(database_url) as db:
        rows = db.execute(
            sa.select(SuggestionOutcome.source, SuggestionOutcome.outcome, sa.func.count(SuggestionOutcome.id))
            .where(SuggestionOutcome.at >= since)
            .group_by(SuggestionOutcome.source, SuggestionOutcome.outcome)).all()
    counts = {outcome: 0 for outcome in OUTCOMES}
    by_source: dict[str, dict[str, int]] = {source: {outcome: 0 for outcome in OUTCOMES} for source in SOURCES}
    for source, outcome, count in rows:
        if outcome in counts:
            counts[outcome] += int(count)
            by_source.setdefault(source, {o: 0 for o in OUTCOMES})[outcome] += int(count)
    total = sum(counts.values())
    return {"days": days, "total": total, **counts,
            "rates": {outcome: round(counts[outcome] / total, 4) if total else None for outcome in OUTCOMES},
            "by_source": by_source}
