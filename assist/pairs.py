"""What agents answered: a shopper's message and the agent's reply that followed it.

Read from ``conversation_events``: an agent's message is a ``bot`` event whose metadata names the
agent (``{"agent": "<name>"}``); its question is the shopper's last message with words before it
in the same conversation that asked something (not "转人工", "thanks", "hello":
:data:`analytics.sessions.NOT_QUESTIONS`), when no other agent message came between them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from analytics.sessions import NOT_QUESTIONS
from kefu.db import session_scope
from kefu.events import EXTERNAL_PREFIX, ConversationEvent

#: Agent replies read at most (the newest), for the suggestions' index.
MAX_PAIRS = 5000


@dataclass(frozen=True)
class Pair:
    """A shopper's message and the agent's reply to it."""

    sender_id: str
    question_event_id: int
    question: str
    reply_event_id: int
    reply: str
    agent: str


def is_agent_message(event: ConversationEvent) -> bool:
    return event.type == "bot" and isinstance(event.event_metadata, dict) and bool(event.event_metadata.get("agent"))


def is_shopper_message(event: ConversationEvent) -> bool:
    text = event.text or ""
    return (event.type == "user" and bool(text.strip()) and not text.startswith(EXTERNAL_PREFIX)
            and not (event.intent or "").startswith("EXTERNAL_"))


def asks_something(event: ConversationEvent) -> bool:
    """A shopper message that is a question or request of its own (not a greeting, a thank-you or
    a request for a human), with more than a few characters."""
    return (is_shopper_message(event) and (event.intent or "") not in NOT_QUESTIONS
            and len("".join(ch for ch in event.text or "" if ch.isalnum())) > 3)


def pairs_of(events: Iterable[ConversationEvent]) -> list[Pair]:
    """The pairs in events ordered by id (any number of conversations)."""
    last_question: dict[str, ConversationEvent | None] = {}
    found: list[Pair] = []
    for event in events:
        if asks_something(event):
            last_question[event.sender_id] = event
        elif is_agent_message(event) and event.text:
            question = last_question.get(event.sender_id)
            if question is not None:
                found.append(Pair(event.sender_id, question.id, question.text or "", event.id, event.text,
                                  str(event.event_metadata.get("agent"))))
            last_question[event.sender_id] = None  # the next reply answers a new message only
    return found


def recent_pairs(database_url: str, *, limit: int = MAX_PAIRS) -> list[Pair]:
    """The newest ``limit`` agent replies with their questions, oldest first."""
    with session_scope(database_url) as db:
        newest = db.execute(
            select(ConversationEvent.id).where(ConversationEvent.type == "bot")
            .order_by(ConversationEvent.id.desc()).offset(limit * 4).limit(1)
        ).scalar_one_or_none()
        query = select(ConversationEvent).where(ConversationEvent.type.in_(("user", "bot")))
        if newest is not None:
            query = query.where(ConversationEvent.id > newest)
        events = db.execute(query.order_by(ConversationEvent.id)).scalars().all()
        return pairs_of(events)[-limit:]


def latest_event_id(database_url: str) -> int:
    with session_scope(database_url) as db:
        return int(db.execute(select(func.max(ConversationEvent.id))).scalar_one() or 0)
