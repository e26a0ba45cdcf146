"""The conversation events as the ingester reads them: checked, in id order, never past a fresh gap.

* :func:`parse_event` checks a stored ``conversation_events`` row and keeps the parts analytics
  uses (:class:`Event`); a row it cannot read raises :class:`MalformedEvent` saying what is
  wrong (never quoting the row's text).
* :func:`load_events` loads the rows after an id; one unreadable row (say, a timestamp that is
  not a date) does not spoil the others: they are then loaded one by one.
* :func:`without_fresh_gaps` stops at the first missing id younger than :data:`GAP_GRACE`:
  another process may still be committing it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.clock import as_utc
from kefu.events import EXTERNAL_PREFIX, ConversationEvent

#: How long a gap in event ids is waited for before it counts as a rolled-back insert.
GAP_GRACE = dt.timedelta(seconds=30)


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
        return not ((self.text or "").startswith(EXTERNAL_PREFIX) or (self.intent or "").startswith("EXTERNAL_"))


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


@dataclass(frozen=True)
class Unreadable:
    """A row that could not even be loaded (say, a timestamp that is not a date)."""

    id: int
    timestamp: None = None


#: a row of the events table as :func:`load_events` gives it
EventRow = ConversationEvent | Unreadable


def _forget_events(db: Session) -> None:
    # the stubs leave IdentityMap.values() unannotated
    for instance in [obj for obj in db.identity_map.values()  # type: ignore[no-untyped-call]
                     if isinstance(obj, ConversationEvent)]:
        db.expunge(instance)


def load_events(db: Session, after: int, limit: int) -> list[ConversationEvent | Unreadable]:
    """At most ``limit`` rows with an id above ``after``, in id order (unloadable ones as :class:`Unreadable`)."""
    query = select(ConversationEvent).where(ConversationEvent.id > after).order_by(ConversationEvent.id).limit(limit)
    try:
        return list(db.execute(query).scalars().all())
    except (ValueError, TypeError, LookupError, OverflowError):
        _forget_events(db)
    # one bad row spoils the batch: load the rows one by one
    ids = db.execute(select(ConversationEvent.id).where(ConversationEvent.id > after)
                     .order_by(ConversationEvent.id).limit(limit)).scalars().all()
    rows: list[ConversationEvent | Unreadable] = []
    for event_id in ids:
        try:
            rows.append(db.execute(select(ConversationEvent).where(ConversationEvent.id == event_id)).scalar_one())
        except (ValueError, TypeError, LookupError, OverflowError):
            _forget_events(db)
            rows.append(Unreadable(event_id))
    return rows


def without_fresh_gaps(rows: list[EventRow], after: int, now: dt.datetime) -> list[EventRow]:
    """The rows up to the first gap in ids that a slower writer may still fill."""
    usable: list[EventRow] = []
    expected = after + 1
    for row in rows:
        if row.id != expected and isinstance(row.timestamp, dt.datetime) and as_utc(row.timestamp) > now - GAP_GRACE:
            break
        usable.append(row)
        expected = row.id + 1
    return usable
