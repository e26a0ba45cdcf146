"""Messages for REST customers that arrived outside a reply: the ``outbox_messages`` table.

An agent's message or the rating question after a handoff cannot be the answer to a REST call;
it waits here (:func:`put_outbox`) until the customer's next REST call collects it
(:func:`take_outbox`, ``bot.channels.rest``). Times are stored in UTC. Nothing here connects at
import time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select, update
from sqlalchemy.orm import Mapped
from sqlalchemy.sql.selectable import Exists

from kefu.clock import utcnow
from kefu.db import Base, column, reader, rowcount, session_scope


class OutboxMessage(Base):
    """A message waiting for a REST customer's next call."""

    __tablename__ = "outbox_messages"
    __table_args__ = (sa.Index("ix_outbox_messages_pending", "sender_id", "delivered_at"),)

    id: Mapped[int] = column(sa.Integer, primary_key=True, autoincrement=True)
    #: the customer's conversation (REST ``sender``)
    sender_id: Mapped[str] = column(sa.String(255), nullable=False)
    #: the message exactly as the REST channel returns it (``{"recipient_id", "text", ...}``)
    payload: Mapped[Any] = column(sa.JSON, nullable=False)
    created_at: Mapped[datetime] = column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    #: when a REST call returned it; ``NULL`` while pending
    delivered_at: Mapped[datetime | None] = column(sa.DateTime(timezone=True))


def put_outbox(database_url: str, sender_id: str, payload: dict[str, Any]) -> None:
    """Queues a message for the customer's next REST call."""
    with session_scope(database_url) as session:
        session.add(OutboxMessage(sender_id=sender_id, payload=payload, created_at=utcnow()))


def take_outbox(database_url: str, sender_id: str) -> list[dict[str, Any]]:
    """Returns the customer's pending messages, oldest first, and marks them delivered.

    Each message is claimed with a conditional UPDATE, so two concurrent calls of the same
    customer never both return it.
    """
    delivered: list[dict[str, Any]] = []
    # Every REST call asks, and almost always nothing is waiting: one indexed SELECT on a plain
    # connection, with statements built once (an ORM session cost about 0.2 ms more per call);
    # autocommit on a database server (one round trip; each claim is one conditional UPDATE).
    with reader(database_url).begin() as connection:
        pending = connection.execute(_PENDING, {"sender_id": sender_id}).all()
        if not pending:
            return delivered
        now = utcnow()
        for message_id, payload in pending:
            claimed = rowcount(connection.execute(_CLAIM, {"message_id": message_id, "now": now}))
            if claimed:
                delivered.append(payload)
    return delivered


_outbox = OutboxMessage.__table__


def outbox_waiting(sender_id: Any) -> Exists:
    """``EXISTS`` (a pending message for ``sender_id``, a value or a bound parameter): for a
    statement that asks it beside something else in one round trip (the channels' gate)."""
    return sa.exists().where(sa.and_(_outbox.c.sender_id == sender_id, _outbox.c.delivered_at.is_(None)))


_PENDING = (select(_outbox.c.id, _outbox.c.payload)
            .where(_outbox.c.sender_id == sa.bindparam("sender_id"), _outbox.c.delivered_at.is_(None))
            .order_by(_outbox.c.id))
_CLAIM = (update(_outbox)
          .where(_outbox.c.id == sa.bindparam("message_id"), _outbox.c.delivered_at.is_(None))
          .values(delivered_at=sa.bindparam("now", type_=_outbox.c.delivered_at.type)))
