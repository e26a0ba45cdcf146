"""A customer's right of access and deletion (PIPL, 个人信息保护法 articles 45 and 47): export and erase.

:func:`export` gathers everything Kefu holds about a customer: the record, the channel
identities, the handoffs, complaint tickets, follow-ups and the transcripts of their
conversations. :func:`erase` removes it:

* the conversations of the customer (every sender id linked to them, or named with them on a
  handoff or a complaint ticket) lose their events and transcripts: every row of every table
  with a ``sender_id`` column in the app database and in Rasa's tracker store (``events``,
  ``conversation_events``, the REST outbox, the analytics' unanswered messages ...), and the
  wrong answers counted for those conversations;
* handoffs, complaint tickets and analytics sessions are kept for the figures, anonymised: the
  sender id becomes ``erased:<n>``, the customer, order number and the customer's words are
  removed;
* the links and the follow-ups (with the messages sent from them) are deleted.

The order makes a retry finish what a failed erasure began: the senders are found first, then the
conversations go (Rasa's tracker store first, then the app database's rows; deleting them again
deletes nothing), and only then, in one transaction, are the handoffs and tickets anonymised and
the links deleted: until that last step, :func:`senders_of` still finds every conversation.

The shop's own records of the customer (account, orders) belong to the shop and are erased
there; Kefu only reads them.
"""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select

from analytics.models import ConversationSession
from customers.models import CustomerIdentity, FollowUp, FollowUpMessage
from handoff.models import ComplaintTicket, Handoff
from kefu.db import get_engine, rowcount, session_scope
from kefu.events import ConversationEvent, line_of

#: What an erased conversation's sender id becomes (with a random suffix), in the rows kept.
ERASED = "erased:"
#: Tables whose rows are kept, anonymised, rather than deleted.
KEPT = ("handoffs", "complaint_tickets", "analytics_sessions")
#: Tables with a ``sender_id`` that tie conversations to the customer: deleted last (see the module docstring).
LINKS = ("customer_identities",)


def senders_of(database_url: str, customer_id: str) -> list[str]:
    """Every conversation Kefu ties to the customer."""
    with session_scope(database_url) as db:
        found = set(db.execute(select(CustomerIdentity.sender_id)
                               .where(CustomerIdentity.customer_id == customer_id)).scalars())
        found |= set(db.execute(select(Handoff.sender_id).where(Handoff.customer_id == customer_id)).scalars())
        found |= set(db.execute(select(ComplaintTicket.sender_id)
                                .where(ComplaintTicket.customer_id == customer_id)).scalars())
    return sorted(found)


def export(database_url: str, customer_id: str, record: dict[str, Any]) -> dict[str, Any]:
    """``record`` (the customer record) with the transcripts and tickets of their conversations."""
    senders = senders_of(database_url, customer_id)
    with session_scope(database_url) as db:
        events = db.execute(
            select(ConversationEvent).where(ConversationEvent.sender_id.in_(senders))
            .order_by(ConversationEvent.sender_id, ConversationEvent.id)
        ).scalars().all()
        transcripts: dict[str, list[dict[str, Any]]] = {sender: [] for sender in senders}
        for event in events:
            line = line_of(event)
            if line is not None:
                transcripts[event.sender_id].append(line.as_json())
        tickets = db.execute(select(ComplaintTicket).where(
            (ComplaintTicket.customer_id == customer_id) | ComplaintTicket.sender_id.in_(senders))).scalars().all()
        ticket_rows = [{"id": t.id, "category": t.category, "summary": t.summary, "status": t.status,
                        "note": t.note, "created_at": t.created_at.isoformat()} for t in tickets]
    return {**record, "conversations": [{"sender_id": s, "transcript": transcripts[s]} for s in senders],
            "complaints": ticket_rows}


def _sender_tables(url: str) -> list[sa.Table]:
    engine = get_engine(url)
    metadata = sa.MetaData()
    names = [name for name in sa.inspect(engine).get_table_names()
             if name not in KEPT + LINKS and any(c["name"] == "sender_id" for c in sa.inspect(engine).get_columns(name))]
    return [sa.Table(name, metadata, autoload_with=engine) for name in names]


def _delete_conversations(url: str, senders: list[str]) -> int:
    removed = 0
    tables = _sender_tables(url)
    with get_engine(url).begin() as connection:
        for table in tables:
            removed += connection.execute(table.delete().where(table.c.sender_id.in_(senders))).rowcount
        if sa.inspect(connection).has_table("verification_failures"):
            failures = sa.table("verification_failures", sa.column("scope"), sa.column("subject"))
            connection.execute(failures.delete().where(failures.c.subject.in_(senders)))
    return removed


def erase(database_url: str, customer_id: str, *, tracker_store_url: str | None = None) -> dict[str, int]:
    """Erases what Kefu holds about the customer (module docstring); returns counts of what went."""
    senders = senders_of(database_url, customer_id)
    removed = 0
    if senders and tracker_store_url and tracker_store_url != database_url:
        removed += _delete_conversations(tracker_store_url, senders)
    if senders:
        removed += _delete_conversations(database_url, senders)
    with session_scope(database_url) as db:
        handoffs = db.execute(select(Handoff).where(
            (Handoff.customer_id == customer_id) | Handoff.sender_id.in_(senders))).scalars().all()
        tickets = db.execute(select(ComplaintTicket).where(
            (ComplaintTicket.customer_id == customer_id) | ComplaintTicket.sender_id.in_(senders))).scalars().all()
        pseudonyms = {sender: ERASED + secrets.token_hex(6) for sender in senders}
        for handoff in handoffs:
            handoff.sender_id = pseudonyms.get(handoff.sender_id, ERASED + secrets.token_hex(6))
            handoff.customer_id = handoff.order_id = handoff.trigger_text = None
        for ticket in tickets:
            ticket.sender_id = pseudonyms.get(ticket.sender_id, ERASED + secrets.token_hex(6))
            ticket.customer_id = ticket.order_id = ticket.note = None
            ticket.summary, ticket.transcript = "", []
        sessions = db.execute(select(ConversationSession)
                              .where(ConversationSession.sender_id.in_(senders))).scalars().all()
        for session in sessions:  # the session key names the sender too
            session.sender_id = pseudonyms[session.sender_id]
            session.session_key = f"{session.sender_id}#{session.id}"
        db.execute(sa.delete(FollowUpMessage).where(
            FollowUpMessage.follow_up_id.in_(select(FollowUp.id).where(FollowUp.customer_id == customer_id)))
            .execution_options(synchronize_session=False))
        follow_ups = rowcount(db.execute(sa.delete(FollowUp).where(FollowUp.customer_id == customer_id)
                                         .execution_options(synchronize_session=False)))
        links = rowcount(db.execute(sa.delete(CustomerIdentity).where(CustomerIdentity.customer_id == customer_id)
                                    .execution_options(synchronize_session=False)))
    return {"conversations": len(senders), "rows_deleted": removed, "handoffs_anonymised": len(handoffs),
            "complaints_anonymised": len(tickets), "follow_ups_deleted": follow_ups, "links_deleted": links}
