"""The dashboard's figures, computed from the analytics tables for the last N days.

A *conversation* is a Rasa conversation session in which the customer wrote at least once,
counted on the shop's local day it started. It is *contained* when no human was needed (no
handoff). Handoff figures are those of each conversation's first handoff: reason, wait (request →
an agent's claim, for claimed ones), handling time (claim → resolution, for resolved ones) and
the customer's 1-5 rating (CSAT). Top FAQs count the FAQ answers sent on those days; top
unanswered questions are the biggest groups of unanswered messages of those days (dismissed
ones left out).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import func, select

from analytics.first_reply import first_reply
from analytics.grouping import Question, group_questions
from analytics.ingest import local_zone
from analytics.models import ConversationSession, FaqAnswer, UnansweredMessage
from kefu.clock import as_utc, utcnow
from kefu.db import session_scope

MAX_DAYS = 366
TOP = 10


def _average(values: Sequence[float]) -> dict[str, Any]:
    return {"average": round(sum(values) / len(values), 1) if values else None, "count": len(values)}


def dashboard(database_url: str, *, days: int = 7, today: dt.date | None = None, zone: ZoneInfo | None = None,
              faqs: Sequence[Any] = (), top: int = TOP) -> dict[str, Any]:
    """The figures of ``GET /api/analytics`` for the ``days`` local days up to ``today``.

    Args:
        faqs: FAQ entries, to name the top FAQs and group the unanswered questions against.
    """
    zone = zone or local_zone()
    today = today or utcnow().astimezone(zone).date()
    first = today - dt.timedelta(days=days - 1)
    window = sa.and_(ConversationSession.day >= first, ConversationSession.day <= today,
                     ConversationSession.user_turns > 0)
    with session_scope(database_url) as db:
        sessions = db.execute(select(
            ConversationSession.day, ConversationSession.channel, ConversationSession.contained,
            ConversationSession.handed_over, ConversationSession.handoff_reason, ConversationSession.wait_seconds,
            ConversationSession.handling_seconds, ConversationSession.rating, ConversationSession.user_turns,
            ConversationSession.faq_answers, ConversationSession.fallbacks, ConversationSession.out_of_scope,
        ).where(window)).all()
        faq_counts = db.execute(
            select(FaqAnswer.faq_id, func.count().label("n"))
            .where(FaqAnswer.day >= first, FaqAnswer.day <= today)
            .group_by(FaqAnswer.faq_id).order_by(func.count().desc(), FaqAnswer.faq_id).limit(top)
        ).all()
        items = db.execute(
            select(UnansweredMessage)
            .where(UnansweredMessage.day >= first, UnansweredMessage.day <= today,
                   UnansweredMessage.status != "dismissed")
            .order_by(UnansweredMessage.at.desc()).limit(2000)
        ).scalars().all()
        questions = [Question(id=i.id, text=i.text, kind=i.kind, at=as_utc(i.at), channel=i.channel) for i in items]

    per_day: dict[dt.date, dict[str, int]] = {first + dt.timedelta(days=n): {} for n in range(days)}
    channel_totals: dict[str, int] = {}
    reasons: dict[str, int] = {}
    ratings = {str(n): 0 for n in range(1, 6)}
    rated: list[float] = []
    for row in sessions:
        day = row.day if isinstance(row.day, dt.date) else dt.date.fromisoformat(str(row.day))
        channel = row.channel or "other"
        per_day.setdefault(day, {})
        per_day[day][channel] = per_day[day].get(channel, 0) + 1
        channel_totals[channel] = channel_totals.get(channel, 0) + 1
        if row.handed_over:
            reason = row.handoff_reason or "unknown"
            reasons[reason] = reasons.get(reason, 0) + 1
        if row.rating is not None and 1 <= row.rating <= 5:
            ratings[str(row.rating)] += 1
            rated.append(float(row.rating))
    total = len(sessions)
    contained = sum(1 for row in sessions if row.contained)
    names = {getattr(faq, "id", None): faq for faq in faqs}
    groups = group_questions(questions, faqs)[:top]
    return {
        "days": days,
        "from": first.isoformat(),
        "to": today.isoformat(),
        "timezone": zone.key,
        "generated_at": utcnow().isoformat(),
        "conversations": {
            "total": total,
            "channels": sorted(channel_totals, key=lambda c: (-channel_totals[c], c)),
            "by_channel": dict(sorted(channel_totals.items())),
            "per_day": [
                {"day": day.isoformat(), "total": sum(counts.values()), "by_channel": dict(sorted(counts.items()))}
                for day, counts in sorted(per_day.items())
            ],
        },
        "messages": {
            "customer": sum(row.user_turns for row in sessions),
            "faq_answers": sum(row.faq_answers for row in sessions),
            "fallbacks": sum(row.fallbacks for row in sessions),
            "out_of_scope": sum(row.out_of_scope for row in sessions),
        },
        "containment": {"conversations": total, "contained": contained,
                        "rate": round(contained / total, 4) if total else None},
        "handoffs": {"total": sum(reasons.values()), "by_reason": dict(sorted(reasons.items()))},
        "wait_seconds": _average([row.wait_seconds for row in sessions if row.wait_seconds is not None]),
        "handling_seconds": _average([row.handling_seconds for row in sessions if row.handling_seconds is not None]),
        "first_reply": first_reply(database_url, first=first, last=today, zone=zone),
        "csat": {"average": round(sum(rated) / len(rated), 2) if rated else None, "count": len(rated),
                 "distribution": ratings},
        "top_faqs": [
            {"faq_id": faq_id, "count": n,
             "question_zh": getattr(names.get(faq_id), "question_zh", None),
             "question_en": getattr(names.get(faq_id), "question_en", None)}
            for faq_id, n in faq_counts
        ],
        "top_unanswered": [
            {"id": g.id, "text": g.text, "count": g.count, "examples": g.examples(3),
             "kinds": dict(sorted(Counter(q.kind for q in g.questions).items())),
             "last_seen": g.last_seen.isoformat() if g.last_seen else None}
            for g in groups
        ],
    }
