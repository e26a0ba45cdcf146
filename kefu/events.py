"""What was said in each conversation: the ``conversation_events`` table and transcript lines.

Every event of every conversation is written by the Rasa server's event broker
(``bot.events.KefuEventBroker``, through :func:`record_events`). A handoff's transcript, the agent
console and analytics read it; it is the one record of who said what, independent of Rasa's
tracker store (whose own table is called ``events``, hence the longer name here). Credentials are
removed before anything is stored (:func:`without_secrets`). Times are stored in UTC. Nothing here
connects at import time.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Mapped, Session

from kefu.clock import as_utc, utcnow
from kefu.db import Base, column, get_engine, one_statement

#: Text kept per event; longer texts are cut (the tracker store keeps the original).
MAX_EVENT_TEXT = 10_000
#: Metadata keys never stored (credentials such as a widget's signed customer token).
SECRET_KEY_PARTS = ("token", "password", "secret")
#: Keys that name no credential although they contain one of those words (Rasa's parse data
#: lists the word positions of a message as ``text_tokens``).
NOT_SECRET_KEYS = frozenset({"text_tokens"})
#: Prefix Rasa gives the text of an intent triggered through its API (``EXTERNAL: <intent>``).
EXTERNAL_PREFIX = "EXTERNAL: "


class ConversationEvent(Base):
    """One event of a conversation, as published by Rasa (one row per event, in order)."""

    __tablename__ = "conversation_events"
    __table_args__ = (sa.Index("ix_conversation_events_sender_ts", "sender_id", "timestamp"),)

    id: Mapped[int] = column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True)
    #: the conversation (Rasa's sender id: REST ``sender``, Socket.IO session, Telegram chat ...)
    sender_id: Mapped[str] = column(sa.String(255), nullable=False, index=True)
    #: Rasa's event type: ``user``, ``bot``, ``action``, ``slot``, ``session_started``, ``pause``,
    #: ``resume``, ``active_loop`` ...
    type: Mapped[str] = column(sa.String(32), nullable=False)
    #: when Rasa created the event (UTC)
    timestamp: Mapped[dt.datetime] = column(sa.DateTime(timezone=True), nullable=False, index=True)
    #: what the customer wrote (``user``) or what was sent to them (``bot``); else empty
    text: Mapped[str | None] = column(sa.Text)
    #: ``user`` events: the intent NLU predicted and its confidence
    intent: Mapped[str | None] = column(sa.String(128))
    confidence: Mapped[float | None] = column(sa.Float)
    #: ``action`` events: the action's name; ``slot`` events: the slot's name
    name: Mapped[str | None] = column(sa.String(128))
    #: the channel a ``user`` message came in on (``rest``, ``socketio``, ``telegram`` ...)
    input_channel: Mapped[str | None] = column(sa.String(64))
    #: ``bot`` events: their metadata (``{"agent": "<name>"}`` for an agent's message);
    #: ``user`` events: the message metadata, without credentials
    event_metadata: Mapped[Any] = column("metadata", sa.JSON)
    #: the whole event as Rasa serialised it (parse data, slot values ...), without credentials
    data: Mapped[Any] = column(sa.JSON)


@functools.lru_cache(maxsize=4096)
def _is_secret_key(key: Any) -> bool:
    name = str(key).lower()
    return name not in NOT_SECRET_KEYS and any(part in name for part in SECRET_KEY_PARTS)


def without_secrets(value: Any) -> Any:
    """``value`` without the dict entries whose key names a secret (:data:`SECRET_KEY_PARTS`:
    ``customer_token``, ``password``, ``api_secret`` ...), at any depth.

    The value itself when it holds none (the usual case: an event is written as it is, with no
    copy made); else a copy of the parts that change. Whatever stores or publishes events (the
    tracker store, every event broker, ``conversation_events``) passes them through this first."""
    if isinstance(value, dict):
        cleaned: dict[str, Any] | None = None
        for position, (key, item) in enumerate(value.items()):
            if _is_secret_key(key):
                if cleaned is None:
                    cleaned = dict(itertools.islice(value.items(), position))
                continue
            clean_item = without_secrets(item)
            if cleaned is None and clean_item is not item:
                cleaned = dict(itertools.islice(value.items(), position))
            if cleaned is not None:
                cleaned[key] = clean_item
        return value if cleaned is None else cleaned
    if isinstance(value, list):
        items = [without_secrets(item) for item in value]
        return value if all(new is old for new, old in zip(items, value)) else items
    return value


def event_row(event: dict[str, Any]) -> dict[str, Any]:
    """Maps a Rasa event (``{"sender_id", "event", "timestamp", ...}``) to a table row."""
    kind = str(event.get("event") or "unknown")[:32]
    stamp = event.get("timestamp")
    timestamp = (
        dt.datetime.fromtimestamp(float(stamp), dt.timezone.utc) if isinstance(stamp, (int, float)) else utcnow()
    )
    clean = without_secrets(event)
    text = event.get("text") if kind in ("user", "bot") else None
    row: dict[str, Any] = {
        "sender_id": str(event.get("sender_id") or "")[:255],
        "type": kind,
        "timestamp": timestamp,
        "text": text[:MAX_EVENT_TEXT] if isinstance(text, str) else None,
        "intent": None,
        "confidence": None,
        "name": None,
        "input_channel": None,
        "event_metadata": None,
        "data": clean,
    }
    if kind == "user":
        intent = (event.get("parse_data") or {}).get("intent") or {}
        row["intent"] = (intent.get("name") or None) and str(intent["name"])[:128]
        confidence = intent.get("confidence")
        row["confidence"] = float(confidence) if isinstance(confidence, (int, float)) else None
        row["input_channel"] = (event.get("input_channel") or None) and str(event["input_channel"])[:64]
        row["event_metadata"] = clean.get("metadata") or None
    elif kind == "bot":
        row["event_metadata"] = clean.get("metadata") or None
    elif kind == "action" or kind == "slot":
        row["name"] = (event.get("name") or None) and str(event["name"])[:128]
    return row


def record_events(database_url: str, events: Iterable[dict[str, Any]]) -> int:
    """Stores Rasa events (as published by an event broker) all or none; returns how many.

    A batch the driver sends as one multi-row ``INSERT`` (psycopg2's ``execute_values``: up to its
    page of 1000 rows) is that statement alone in autocommit, atomic by itself (one round trip
    instead of ``BEGIN``, ``INSERT``, ``COMMIT``); a larger one is sent in one transaction."""
    rows = [event_row(event) for event in events]
    if not rows:
        return 0
    for row in rows:  # the table's column is called "metadata" (a reserved name on ORM classes)
        row["metadata"] = row.pop("event_metadata")
    # a plain connection and a statement built once: the writer thread shares the Rasa server's
    # interpreter (and its lock) with the turns; an ORM session cost it several times the INSERT
    engine = get_engine(database_url)
    with one_statement(database_url) if _one_insert(engine.dialect, len(rows)) else engine.begin() as connection:
        connection.execute(_INSERT_EVENTS, rows)
    return len(rows)


def _one_insert(dialect: sa.engine.Dialect, rows: int) -> bool:
    """Whether the driver sends ``rows`` rows of an executemany ``INSERT`` as one statement."""
    if dialect.name != "postgresql":
        return dialect.name == "sqlite"  # one transaction either way (kefu.db.one_statement)
    mode = str(getattr(dialect, "executemany_mode", ""))
    return "values" in mode and rows <= int(getattr(dialect, "executemany_values_page_size", 0) or 0)


_INSERT_EVENTS = sa.insert(ConversationEvent.__table__)


@dataclass(frozen=True)
class TranscriptLine:
    """One message of a transcript: ``role`` is ``customer``, ``bot`` or ``agent``."""

    role: str
    text: str
    ts: dt.datetime
    event_id: int
    agent: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"role": self.role, "text": self.text, "ts": self.ts.isoformat()}


#: What a transcript line is made of (not ``data``, the whole event as Rasa serialised it).
MESSAGE_COLUMNS = (ConversationEvent.id, ConversationEvent.sender_id, ConversationEvent.type,
                   ConversationEvent.timestamp, ConversationEvent.text, ConversationEvent.intent,
                   ConversationEvent.event_metadata)


def line_of(event: ConversationEvent | Row) -> TranscriptLine | None:
    """The transcript line of a stored event (or a row of its ``type``, ``text``, ``intent``,
    ``timestamp``, ``id`` and ``event_metadata``), or ``None`` when it is not a visible message."""
    if event.type not in ("user", "bot") or not event.text:
        return None
    if event.type == "user":
        if event.text.startswith(EXTERNAL_PREFIX) or (event.intent or "").startswith("EXTERNAL_"):
            return None
        return TranscriptLine("customer", event.text, as_utc(event.timestamp), event.id)
    agent = (event.event_metadata or {}).get("agent") if isinstance(event.event_metadata, dict) else None
    return TranscriptLine("agent" if agent else "bot", event.text, as_utc(event.timestamp), event.id,
                          agent=str(agent) if agent else None)


def session_start(session: Session, sender_id: str, at: dt.datetime) -> dt.datetime | None:
    """When the Rasa session that was running at ``at`` started (``None`` if unknown)."""
    stamp = session.execute(
        select(sa.func.max(ConversationEvent.timestamp)).where(
            ConversationEvent.sender_id == sender_id,
            ConversationEvent.type == "session_started",
            ConversationEvent.timestamp <= at,
        )
    ).scalar_one_or_none()
    started: dt.datetime | None = as_utc(stamp)
    return started


def transcript(
    session: Session, sender_id: str, *, since: dt.datetime | None = None, until: dt.datetime | None = None,
    limit: int = 500,
) -> list[TranscriptLine]:
    """The messages of a conversation between two times, oldest first (at most ``limit``, the newest)."""
    query = select(*MESSAGE_COLUMNS).where(
        ConversationEvent.sender_id == sender_id, ConversationEvent.type.in_(("user", "bot"))
    )
    if since is not None:
        query = query.where(ConversationEvent.timestamp >= since)
    if until is not None:
        query = query.where(ConversationEvent.timestamp <= until)
    events = session.execute(query.order_by(ConversationEvent.id.desc()).limit(limit)).all()
    lines = [line_of(event) for event in reversed(events)]
    return [line for line in lines if line is not None]
