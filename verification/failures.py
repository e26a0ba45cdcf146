"""Counting wrong answers to the order check, per conversation and per order number.

Two limits stop guessing the 10,000 possible phone endings of an order:

* **per conversation** (the sender id): :data:`MAX_CONVERSATION_FAILURES` wrong answers close the
  order lookup of that conversation (the orders flow then hands over as ``verification_failed``);
* **per order number**, from all conversations together: after :data:`MAX_ORDER_FAILURES` failed
  checks every check of that number fails, right or wrong, whoever asks (a new conversation is
  only a new sender id away, so the first limit alone would not do).

Both windows last :data:`WINDOW` from the first counted failure. The counts live in the app
database, not in the conversation, so ``/back``, ``/restart`` and a new session cannot undo them.

Every change is one atomic statement: ``INSERT ... ON CONFLICT DO UPDATE`` (SQLite and
PostgreSQL) that adds one, or starts again from one when the window has passed; there is no
read-modify-write, so concurrent failures are all counted. A phone check first *reserves* its
failure (counts it) and gives it back only when the digits matched: the limit holds even for a
burst of parallel guesses, each of which finds the ones before it already counted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kefu.clock import utcnow
from kefu.db import one_statement, session_scope
from verification.models import UTCDateTime, VerificationFailure

logger = logging.getLogger(__name__)

CONVERSATION = "conversation"
ORDER = "order"
#: Wrong answers in one conversation (mismatches, malformed numbers) before its order lookup closes.
MAX_CONVERSATION_FAILURES = 3
#: Failed phone checks of one order number, from all conversations, before it is closed to checks
#: (20 a day: guessing one of 10,000 endings would take over a year on average) ...
MAX_ORDER_FAILURES = 20
#: ... for this long after the first of them (the conversation's count has the same window).
WINDOW = timedelta(hours=24)
MAX_SUBJECT = 255

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class CheckOutcome:
    """What a phone check came to.

    Attributes:
        passed: the digits matched and neither limit was reached.
        failures: the conversation's wrong answers, this one included.
        locked: the conversation's order lookup is closed now.
    """

    passed: bool
    failures: int
    locked: bool


class FailureCounter:
    """Wrong answers to the order check in the app database.

    Args:
        database_url: the app database (``Settings.database_url``); nothing connects until a
            method is called.
        clock: where the time is read (tests set it).
        conversation_limit, order_limit, window: the limits (defaults: the module's constants).
    """

    def __init__(self, database_url: str, *, clock: Clock = utcnow,
                 conversation_limit: int = MAX_CONVERSATION_FAILURES, order_limit: int = MAX_ORDER_FAILURES,
                 window: timedelta = WINDOW) -> None:
        self.database_url = database_url
        self.clock = clock
        self.conversation_limit = conversation_limit
        self.order_limit = order_limit
        self.window = window

    # ------------------------------------------------------------------ reads
    def failures(self, sender_id: str) -> int:
        """The conversation's wrong answers inside the current window."""
        return self._count(CONVERSATION, sender_id)

    def is_locked(self, sender_id: str) -> bool:
        """Whether the conversation's order lookup is closed."""
        return self.failures(sender_id) >= self.conversation_limit

    def order_closed(self, order_id: str) -> bool:
        """Whether the order number is closed to checks (every check of it fails)."""
        return self._count(ORDER, order_id) >= self.order_limit

    # ------------------------------------------------------------------ counting
    def count_wrong_answer(self, sender_id: str) -> int:
        """Counts a wrong answer that needed no phone check (a malformed number, an order that is
        not in the signed-in customer's account); returns the conversation's count."""
        with session_scope(self.database_url) as session:
            return self._add(session, CONVERSATION, sender_id, self.clock())

    def check(self, sender_id: str, order_id: str, compare: Callable[[], bool]) -> CheckOutcome:
        """Runs a phone check under both limits.

        The failure is counted for the conversation and the order number first; ``compare()``
        (the shop's own comparison of the digits) runs only when neither limit is passed then,
        and a match gives both counts back. An unknown order number is counted like a known one,
        so the outcome never tells them apart.
        """
        now = self.clock()
        with session_scope(self.database_url) as session:
            conversation = self._add(session, CONVERSATION, sender_id, now)
            order = self._add(session, ORDER, order_id, now)
        if order > self.order_limit:
            logger.warning("order %s…%s: identity checks closed after %d failures", order_id[:4], order_id[-2:],
                           order)
        if conversation > self.conversation_limit or order > self.order_limit:
            return CheckOutcome(False, conversation, conversation >= self.conversation_limit)
        try:
            matched = compare()
        except BaseException:
            self._give_back(sender_id, order_id)  # the shop failed, the shopper did not
            raise
        if matched:
            self._give_back(sender_id, order_id)
            return CheckOutcome(True, conversation - 1, False)
        return CheckOutcome(False, conversation, conversation >= self.conversation_limit)

    # ------------------------------------------------------------------ statements
    @staticmethod
    def _key(key: str) -> str:
        return str(key)[:MAX_SUBJECT]

    def _count(self, scope: str, key: str) -> int:
        table = VerificationFailure.__table__
        cutoff = self.clock() - self.window
        # every order turn asks (often twice): one autocommit SELECT on a database server
        with one_statement(self.database_url) as connection:
            value = connection.execute(
                sa.select(table.c.failures).where(table.c.scope == scope, table.c.subject == self._key(key),
                                                  table.c.first_failed_at > cutoff)
            ).scalar_one_or_none()
        return int(value or 0)

    def _add(self, session: Session, scope: str, key: str, now: datetime) -> int:
        """One more failure, in one statement; returns the count (the row stays locked by this
        transaction until it ends, so the count read back is this statement's)."""
        table = VerificationFailure.__table__
        key = self._key(key)
        expired = table.c.first_failed_at <= now - self.window
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(table).values(scope=scope, subject=key, failures=1, first_failed_at=now)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.scope, table.c.subject],
            set_={
                "failures": sa.case((expired, 1), else_=table.c.failures + 1),
                "first_failed_at": sa.case((expired, sa.literal(now, UTCDateTime())),
                                           else_=table.c.first_failed_at),
            },
        )
        session.execute(statement)
        return int(session.execute(
            sa.select(table.c.failures).where(table.c.scope == scope, table.c.subject == key)
        ).scalar_one())

    def _give_back(self, sender_id: str, order_id: str) -> None:
        """Takes back the failures a passed check reserved (one atomic decrement each)."""
        table = VerificationFailure.__table__
        with session_scope(self.database_url) as session:
            for scope, key in ((CONVERSATION, sender_id), (ORDER, order_id)):
                session.execute(
                    sa.update(table)
                    .where(table.c.scope == scope, table.c.subject == self._key(key), table.c.failures > 0)
                    .values(failures=table.c.failures - 1)
                )
