"""Complaint tickets in the app database: record → handle → follow up (``complaint_tickets``)."""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from handoff.models import ComplaintTicket, Handoff
from handoff.states import HandoffError
from kefu.db import session_scope


class TicketNotFound(HandoffError, LookupError):
    def __init__(self, ticket_id: int) -> None:
        self.ticket_id = ticket_id
        super().__init__(f"complaint {ticket_id} not found")


class ComplaintTickets:
    """The complaint tickets of the app database (SQLite or PostgreSQL).

    Args:
        database_url: the app database (``Settings.database_url``).
    """

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    def create(self, handoff: Handoff, *, category: str, summary: str, transcript: list[dict[str, Any]],
               at: dt.datetime) -> ComplaintTicket:
        """Records a complaint on a handoff (status ``open``)."""
        with session_scope(self.database_url) as session:
            ticket = ComplaintTicket(
                handoff_id=handoff.id, sender_id=handoff.sender_id, channel=handoff.channel,
                customer_id=handoff.customer_id, order_id=handoff.order_id, category=category,
                summary=summary, transcript=transcript, status="open", created_at=at, updated_at=at,
            )
            session.add(ticket)
        return ticket

    def of_handoff(self, handoff_id: int) -> ComplaintTicket | None:
        with session_scope(self.database_url) as session:
            return session.execute(
                select(ComplaintTicket).where(ComplaintTicket.handoff_id == handoff_id)
            ).scalars().first()

    def list(self, statuses: Iterable[str] | None = None, *, limit: int = 200) -> builtins.list[ComplaintTicket]:
        query = select(ComplaintTicket)
        if statuses:
            query = query.where(ComplaintTicket.status.in_(list(statuses)))
        with session_scope(self.database_url) as session:
            return list(session.execute(query.order_by(ComplaintTicket.id.desc()).limit(limit)).scalars().all())

    def update(self, ticket_id: int, *, at: dt.datetime, status: str | None = None,
               note: str | None = None, transcript: builtins.list[dict[str, Any]] | None = None) -> ComplaintTicket:
        """Changes a ticket.

        Raises:
            TicketNotFound: there is no such ticket.
        """
        with session_scope(self.database_url) as session:
            ticket = session.get(ComplaintTicket, ticket_id)
            if ticket is None:
                raise TicketNotFound(ticket_id)
            if status is not None:
                ticket.status = status
            if note is not None:
                ticket.note = note
            if transcript is not None:
                ticket.transcript = transcript
            ticket.updated_at = at
            return ticket
