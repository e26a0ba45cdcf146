"""The table of wrong answers to the order check (migration ``0006``).

One row per counted thing: ``scope`` ``conversation`` (``subject``: the sender id) or ``order``
(``subject``: the order number that was tried, known or not). ``failures`` counts the wrong answers since
``first_failed_at``; a count whose window has passed starts again from 1 on the next failure.
"""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped
from sqlalchemy.types import TypeDecorator

from kefu.db import Base, column


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC (naive UTC on SQLite, which keeps no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: verification times must carry a time zone")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class VerificationFailure(Base):
    """Wrong answers to the order check of one conversation or one order number."""

    __tablename__ = "verification_failures"

    #: ``conversation`` or ``order``
    scope: Mapped[str] = column(sa.String(16), primary_key=True)
    #: the sender id (conversation) or the order number tried (order)
    subject: Mapped[str] = column(sa.String(255), primary_key=True)
    #: wrong answers since ``first_failed_at`` (checks under way count until they pass)
    failures: Mapped[int] = column(sa.Integer, nullable=False)
    #: start of the counting window
    first_failed_at: Mapped[datetime] = column(UTCDateTime, nullable=False)
