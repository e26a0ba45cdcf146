"""The JSON shapes of the handoff API (contract section 5): handoff objects, complaint tickets, details."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from handoff.models import ComplaintTicket, Handoff, HandoffTransition
from kefu.clock import as_utc
from kefu.events import TranscriptLine


def iso(value: dt.datetime | None) -> str | None:
    """A time as ISO 8601 in UTC (``None`` stays ``None``)."""
    return as_utc(value).isoformat() if value else None


def handoff_json(handoff: Handoff, transcript: Iterable[TranscriptLine] | None) -> dict[str, Any]:
    """The contract's handoff object: exactly ``id, sender_id, channel, reason, priority, status,
    created_at, claimed_by, transcript``."""
    return {
        "id": handoff.id,
        "sender_id": handoff.sender_id,
        "channel": handoff.channel,
        "reason": handoff.reason,
        "priority": handoff.priority,
        "status": handoff.status,
        "created_at": iso(handoff.created_at),
        "claimed_by": handoff.claimed_by,
        "transcript": [line.as_json() for line in transcript or []],
    }


def ticket_json(ticket: ComplaintTicket | None) -> dict[str, Any] | None:
    if ticket is None:
        return None
    return {
        "id": ticket.id, "handoff_id": ticket.handoff_id, "sender_id": ticket.sender_id, "channel": ticket.channel,
        "customer_id": ticket.customer_id, "order_id": ticket.order_id, "category": ticket.category,
        "summary": ticket.summary, "status": ticket.status, "note": ticket.note, "transcript": ticket.transcript,
        "created_at": iso(ticket.created_at), "updated_at": iso(ticket.updated_at),
    }


def details_json(handoff: Handoff, transcript: Iterable[TranscriptLine], transitions: Iterable[HandoffTransition],
                 ticket: ComplaintTicket | None, customer: dict[str, Any] | None) -> dict[str, Any]:
    """What the console's details pane shows of a handoff (``GET /api/handoffs/{id}/details``)."""
    return {
        "handoff": handoff_json(handoff, transcript),
        "language": handoff.language,
        "trigger_text": handoff.trigger_text,
        "customer_id": handoff.customer_id,
        "customer_proven": bool(handoff.customer_proven),
        "order_id": handoff.order_id,
        "callback_due_at": iso(handoff.callback_due_at),
        "claimed_at": iso(handoff.claimed_at),
        "ended_at": iso(handoff.ended_at),
        "rating": handoff.rating,
        "transitions": [{"from": t.from_status, "to": t.to_status, "actor": t.actor, "note": t.note,
                         "at": iso(t.at)} for t in transitions],
        "ticket": ticket_json(ticket),
        "customer": customer,
    }


def conflict_json(error: Exception) -> dict[str, Any]:
    """A 409's body: the message, and the handoff's status and holder when the error knows them."""
    current = getattr(error, "handoff", None)
    extra = {"handoff_status": current.status, "claimed_by": current.claimed_by} if current is not None else {}
    return {"error": str(error), **extra}
