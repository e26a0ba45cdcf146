"""The statements of :mod:`bot.patches.tracker_cache` over Rasa's ``events`` table, built once per
store: the read of a conversation's session (Rasa's query) and the catch-up read of the rows after
a cached tracker's."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from rasa.shared.core.events import SessionStarted


def session_rows(table: Any) -> Any:
    """The rows Rasa's read returns (from the newest ``session_started`` on, all without one), by id."""
    c, sender = table.c, sa.bindparam("sender_id")
    start = (sa.select(sa.func.max(c.timestamp))
             .where(c.sender_id == sender, c.type_name == SessionStarted.type_name).scalar_subquery())
    return sa.select(c.id, c.type_name, c.timestamp, c.data).where(
        c.sender_id == sender, sa.or_(c.timestamp >= start, start.is_(None))).order_by(c.id)


def newer_rows(table: Any) -> Any:
    """The conversation's rows after ``last_id`` (id order), each with the count and newest
    timestamp of the rows up to ``last_id`` that Rasa's read returns while the session starts at
    ``session_start`` (``kept``, ``newest``) and the newest ``session_started`` row's timestamp
    (``start``): one statement on the ``sender_id`` index, one snapshot."""
    c = table.c
    sender, last_id = sa.bindparam("sender_id"), sa.bindparam("last_id")
    start = sa.bindparam("session_start", type_=sa.Float)
    kept = (sa.select(sa.func.count().label("kept"), sa.func.max(c.timestamp).label("newest"))
            .where(c.sender_id == sender, c.id <= last_id, sa.or_(start.is_(None), c.timestamp >= start))
            .subquery("kept"))
    session = (sa.select(sa.func.max(c.timestamp).label("start"))
               .where(c.sender_id == sender, c.type_name == SessionStarted.type_name).subquery("session"))
    return (sa.select(c.id, c.type_name, c.timestamp, c.data, kept.c.kept, kept.c.newest, session.c.start)
            .select_from(table.join(kept, sa.true()).join(session, sa.true()))
            .where(c.sender_id == sender, c.id > last_id).order_by(c.id))
