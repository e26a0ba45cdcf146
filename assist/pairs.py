"""What agents answered: a shopper's message and the agent's reply that followed it.

Read from ``conversation_events``: an agent's message is a ``bot`` event whose metadata names the
agent (``{"agent": "<name>"}``); its question is the shopper's last message with words before it
in the same conversation that asked something (not "转人工", "thanks", "hello":
:data:`analytics.sessions.NOT_QUESTIONS`), when no other agent message came between them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from analytics.events import without_fresh_gaps
from analytics.sessions import NOT_QUESTIONS
from kefu.db import session_scope
from kefu.events import EXTERNAL_PREFIX, MESSAGE_COLUMNS, ConversationEvent

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


def is_agent_message(event: Any) -> bool:
    return event.type == "bot" and isinstance(event.event_metadata, dict) and bool(event.event_metadata.get("agent"))


def is_shopper_message(event: Any) -> bool:
    text = event.text or ""
    return (event.type == "user" and bool(text.strip()) and not text.startswith(EXTERNAL_PREFIX)
            and not (event.intent or "").startswith("EXTERNAL_"))


def asks_something(event: Any) -> bool:
    """A shopper message that is a question or request of its own (not a greeting, a thank-you or
    a request for a human), with more than a few characters."""
    return (is_shopper_message(event) and (event.intent or "") not in NOT_QUESTIONS
            and len("".join(ch for ch in event.text or "" if ch.isalnum())) > 3)


class Pairing:
    """Finds the pairs in events fed in id order (any number of conversations), remembering each
    conversation's open question between feeds."""

    def __init__(self, *, max_open: int = MAX_PAIRS * 4) -> None:
        #: per conversation, the shopper's last question no agent answered yet: (event id, text),
        #: the ``max_open`` most recently asked (most are answered by the bot, never by an agent)
        self.open: dict[str, tuple[int, str]] = {}
        self.max_open = max_open

    def feed(self, event: Any) -> Pair | None:
        """The pair ``event`` completes, if it is an agent's reply to an open question."""
        if asks_something(event):
            self.open.pop(event.sender_id, None)  # to the end: the oldest question goes first
            self.open[event.sender_id] = (event.id, event.text or "")
            if len(self.open) > self.max_open:
                del self.open[next(iter(self.open))]
        elif is_agent_message(event) and event.text:
            question = self.open.pop(event.sender_id, None)  # the next reply answers a new message only
            if question is not None:
                return Pair(event.sender_id, question[0], question[1], event.id, event.text,
                            str(event.event_metadata.get("agent")))
        return None


def pairs_of(events: Iterable[Any]) -> list[Pair]:
    """The pairs in events ordered by id (any number of conversations)."""
    pairing = Pairing()
    return [pair for pair in map(pairing.feed, events) if pair is not None]



class PairReader:
    """The newest ``limit`` agent replies with their questions (:attr:`pairs`, oldest first), read
    incrementally: the first :meth:`read` starts at the events of the newest ``limit * 4`` bot
    messages, each later one reads only the events after the last one read, never past a fresh gap
    in the ids (a slower writer may still commit it: :func:`analytics.events.without_fresh_gaps`).

    Not thread-safe: one :meth:`read` at a time (:class:`assist.suggestions.ReplyIndex` locks).
    """

    def __init__(self, database_url: str, *, limit: int = MAX_PAIRS) -> None:
        self.database_url = database_url
        self.limit = limit
        self.pairs: list[Pair] = []
        #: the id of the last event read (``None``: nothing read yet)
        self.after: int | None = None
        #: the event rows the last :meth:`read` fetched
        self.rows_read = 0
        self._pairing = Pairing()

    def read(self) -> bool:
        """Reads the events after the last read; returns whether new pairs were found."""
        with session_scope(self.database_url) as db:
            after = self.after if self.after is not None else self._window_start(db)
            rows = db.execute(select(*MESSAGE_COLUMNS).where(ConversationEvent.id > after)
                              .order_by(ConversationEvent.id)).all()
        self.rows_read = len(rows)
        usable = without_fresh_gaps(rows, after, dt.datetime.now(dt.timezone.utc))  # type: ignore[arg-type]
        found = [pair for pair in map(self._pairing.feed, usable) if pair is not None]
        self.after = usable[-1].id if usable else after
        if found:
            self.pairs = (self.pairs + found)[-self.limit:]
        return bool(found)

    def _window_start(self, db: Any) -> int:
        """The id before the events of the newest ``limit * 4`` bot messages (0: from the start)."""
        newest = db.execute(
            select(ConversationEvent.id).where(ConversationEvent.type == "bot")
            .order_by(ConversationEvent.id.desc()).offset(self.limit * 4).limit(1)
        ).scalar_one_or_none()
        return int(newest or 0)
