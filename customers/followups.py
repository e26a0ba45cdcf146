"""Follow-up tasks (回访): opened for a customer, messages sent from them, marked done with an outcome.

A task done stays on the customer's record. Sending a message is :mod:`customers.care`'s business;
this module keeps the rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from customers.models import FollowUp, FollowUpMessage
from kefu.clock import utcnow
from kefu.db import session_scope

#: Longest note, outcome and message (characters).
MAX_NOTE = 2000


class FollowUpNotFound(LookupError):
    def __init__(self, follow_up_id: int) -> None:
        self.follow_up_id = follow_up_id
        super().__init__(f"follow-up {follow_up_id} not found")


class FollowUpDone(Exception):
    """The follow-up is done already."""

    def __init__(self, follow_up: FollowUp) -> None:
        self.follow_up = follow_up
        super().__init__(f"follow-up {follow_up.id} is done already")


def follow_up_json(follow_up: FollowUp, messages: list[FollowUpMessage] | None = None) -> dict[str, Any]:
    return {
        "id": follow_up.id, "customer_id": follow_up.customer_id, "note": follow_up.note,
        "due": follow_up.due.isoformat() if follow_up.due else None, "assignee": follow_up.assignee,
        "created_by": follow_up.created_by, "status": follow_up.status, "outcome": follow_up.outcome,
        "created_at": follow_up.created_at.isoformat(),
        "done_at": follow_up.done_at.isoformat() if follow_up.done_at else None,
        "messages": [{"text": m.text, "channel": m.channel, "sent_by": m.sent_by, "sent_at": m.sent_at.isoformat()}
                     for m in messages or []],
    }


class FollowUps:
    """The follow-up tasks of the app database at ``database_url``."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    def create(self, customer_id: str, *, note: str, due: dt.date | None, by: str,
               assignee: str | None = None, at: dt.datetime | None = None) -> FollowUp:
        with session_scope(self.database_url) as session:
            follow_up = FollowUp(customer_id=customer_id, note=note, due=due, assignee=assignee or by, created_by=by,
                                 status="open", created_at=at or utcnow())
            session.add(follow_up)
            session.flush()
            return follow_up

    def get(self, follow_up_id: int) -> FollowUp:
        """Raises :class:`FollowUpNotFound` when there is none."""
        with session_scope(self.database_url) as session:
            follow_up = session.get(FollowUp, follow_up_id)
            if follow_up is None:
                raise FollowUpNotFound(follow_up_id)
            return follow_up

    def done(self, follow_up_id: int, *, outcome: str, at: dt.datetime | None = None) -> FollowUp:
        """Marks it done with ``outcome``. Raises :class:`FollowUpNotFound`, :class:`FollowUpDone`."""
        with session_scope(self.database_url) as session:
            follow_up = session.get(FollowUp, follow_up_id)
            if follow_up is None:
                raise FollowUpNotFound(follow_up_id)
            if follow_up.status == "done":
                raise FollowUpDone(follow_up)
            follow_up.status, follow_up.outcome, follow_up.done_at = "done", outcome, at or utcnow()
            return follow_up

    def of_customer(self, customer_id: str) -> list[FollowUp]:
        """The customer's follow-ups, newest first (done ones included)."""
        with session_scope(self.database_url) as session:
            return list(session.execute(
                select(FollowUp).where(FollowUp.customer_id == customer_id)
                .order_by(FollowUp.created_at.desc(), FollowUp.id.desc())
            ).scalars().all())

    def add_message(self, follow_up_id: int, *, channel: str, sender_id: str, text: str, by: str,
                    at: dt.datetime | None = None) -> FollowUpMessage:
        with session_scope(self.database_url) as session:
            message = FollowUpMessage(follow_up_id=follow_up_id, channel=channel, sender_id=sender_id, text=text,
                                      sent_by=by, sent_at=at or utcnow())
            session.add(message)
            session.flush()
            return message

    def messages(self, follow_up_id: int) -> list[FollowUpMessage]:
        with session_scope(self.database_url) as session:
            return list(session.execute(
                select(FollowUpMessage).where(FollowUpMessage.follow_up_id == follow_up_id)
                .order_by(FollowUpMessage.id)
            ).scalars().all())
