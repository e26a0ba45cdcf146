"""What the agents' tools read of one handed-over conversation: its events and its verified data.

Everything comes from the conversation's own record: the handoff row (reason, trigger, the
customer the conversation proved it is) and ``conversation_events`` from the start of the Rasa
session it was handed over in. Verified data is only what the bot verified: the handoff's
``customer_id`` when this conversation proved it (``customer_proven``: a signed widget login or the
order of a phone check passed in it) and the order of a passed phone check (slot
``order_verification``), or an order the handoff names that belongs to that verified customer. A
customer only linked earlier to the conversation's channel identity is not verified ("linking
never widens what an anonymous conversation may see"), nor is an order number the shopper merely
typed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from handoff.models import Handoff
from handoff.store import HandoffNotFound
from kefu import events as conversation
from kefu.clock import as_utc, utcnow
from kefu.db import session_scope
from kefu.events import EXTERNAL_PREFIX, ConversationEvent, TranscriptLine
from kefu.text import detect_language
from shop.adapter import ShopAdapter

#: How far back the events reach when the session start is unknown.
FALLBACK_WINDOW = dt.timedelta(hours=6)
#: Events read per conversation at most (the newest).
MAX_EVENTS = 2000


@dataclass
class Conversation:
    """One handoff with the events of its session, oldest first."""

    handoff: Handoff
    events: list[ConversationEvent] = field(default_factory=list)

    @property
    def lines(self) -> list[TranscriptLine]:
        lines = [conversation.line_of(event) for event in self.events]
        return [line for line in lines if line is not None]

    def customer_messages(self) -> list[ConversationEvent]:
        """The shopper's own messages (not the intents the system triggers)."""
        return [e for e in self.events if e.type == "user" and e.text
                and not e.text.startswith(EXTERNAL_PREFIX) and not (e.intent or "").startswith("EXTERNAL_")]

    def latest_customer_text(self) -> str | None:
        messages = self.customer_messages()
        return messages[-1].text if messages else None

    def shopper_language(self) -> str:
        """``zh-Hans``, ``zh-Hant`` or ``en``: of the latest message that has words, else the handoff's."""
        for event in reversed(self.customer_messages()):
            language = detect_language(event.text)
            if language:
                return language
        return self.handoff.language or "zh-Hans"

    def verified_order_id(self) -> str | None:
        """The order of the last passed phone check in the session (slot ``order_verification``)."""
        for event in reversed(self.events):
            if event.type == "slot" and event.name == "order_verification":
                value = (event.data or {}).get("value") if isinstance(event.data, dict) else None
                if isinstance(value, dict) and isinstance(value.get("order_id"), str):
                    return str(value["order_id"])
                return None  # reset: no longer verified
        return None

    def slot_values(self, name: str) -> list[Any]:
        """Every value the slot ``name`` took in the session, in order (repeats removed)."""
        values: list[Any] = []
        for event in self.events:
            if event.type == "slot" and event.name == name and isinstance(event.data, dict):
                value = event.data.get("value")
                if value is not None and value not in values:
                    values.append(value)
        return values


def load(database_url: str, handoff_id: int) -> Conversation:
    """The handoff and its session's events.

    Raises:
        HandoffNotFound: no handoff has that id.
    """
    with session_scope(database_url) as session:
        handoff = session.get(Handoff, handoff_id)
        if handoff is None:
            raise HandoffNotFound(handoff_id)
        session.expunge(handoff)
        created = as_utc(handoff.created_at) or utcnow()
        since = conversation.session_start(session, handoff.sender_id, created) or created - FALLBACK_WINDOW
        query = select(ConversationEvent).where(ConversationEvent.sender_id == handoff.sender_id,
                                                ConversationEvent.timestamp >= since)
        if handoff.ended_at is not None:
            query = query.where(ConversationEvent.timestamp <= as_utc(handoff.ended_at))
        rows = session.execute(query.order_by(ConversationEvent.id.desc()).limit(MAX_EVENTS)).scalars().all()
        for row in rows:
            session.expunge(row)
    return Conversation(handoff, list(reversed(rows)))


@dataclass(frozen=True)
class VerifiedData:
    """What the conversation proved about the shopper: their name and order number, when known."""

    name: str | None = None
    order_id: str | None = None
    customer_language: str | None = None


def verified_data(found: Conversation, shop: ShopAdapter | None) -> VerifiedData:
    """The verified customer's name and the verified order (see the module docstring)."""
    handoff = found.handoff
    order_id = found.verified_order_id()
    name = language = None
    if shop is not None and handoff.customer_id and handoff.customer_proven:
        customer = shop.get_customer(customer_id=handoff.customer_id)
        if customer is not None:
            name, language = customer.name or None, customer.language or None
        if order_id is None and handoff.order_id and shop.check_order_customer(
                order_id=handoff.order_id, customer_id=handoff.customer_id):
            order_id = handoff.order_id
    return VerifiedData(name=name, order_id=order_id, customer_language=language)
