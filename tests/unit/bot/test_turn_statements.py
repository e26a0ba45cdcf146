"""The per-turn reads and writes that need no transaction of their own: the event broker's write of
a turn's events, the order turns' reads of the shop and of the verification failures. On
PostgreSQL each runs on an autocommit connection (psycopg2 sends no ``BEGIN``/``COMMIT`` round
trips around it) and gives what it gave in a transaction; on SQLite nothing changes."""

from __future__ import annotations

import contextlib
import datetime as dt
import time

import pytest
import sqlalchemy as sa

from kefu.db import get_engine, reader
from kefu.events import ConversationEvent, record_events
from shop.demo import DemoShop
from shop.demo.seed import seed_demo_shop
from verification.failures import FailureCounter


@contextlib.contextmanager
def sent(url: str):
    """(statement, in a transaction?) of everything the project's engines of ``url`` send."""
    seen: list[tuple[str, bool]] = []

    def record(conn, _cursor, statement, *_args) -> None:
        dbapi = conn.connection.dbapi_connection
        in_transaction = not getattr(dbapi, "autocommit", False) if conn.dialect.name == "postgresql" else True
        seen.append((" ".join(statement.split()), in_transaction))

    engines = {get_engine(url), reader(url)}
    for engine in engines:
        sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in engines:
            sa.event.remove(engine, "before_cursor_execute", record)


def turn_events(sender: str, n: int = 6) -> list[dict]:
    now = time.time()
    return [{"sender_id": sender, "event": "bot", "text": f"第{i}句", "timestamp": now + i / 1000} for i in range(n)]


def stored(url: str, sender: str) -> list[str]:
    with get_engine(url).connect() as connection:
        return list(connection.execute(sa.select(ConversationEvent.text).where(ConversationEvent.sender_id == sender)
                                       .order_by(ConversationEvent.id)).scalars())


@pytest.mark.postgres
def test_a_turns_events_are_one_insert_without_a_transaction_around_it(postgres_server):
    from tests.databases import create_postgres_database, drop_postgres_database

    url = create_postgres_database(postgres_server, migrated=True)
    try:
        record_events(url, turn_events("warm", 1))
        with sent(url) as seen:
            assert record_events(url, turn_events("shopper")) == 6
        [(statement, in_transaction)] = seen
        assert statement.startswith("INSERT INTO conversation_events") and not in_transaction
        assert stored(url, "shopper") == [f"第{i}句" for i in range(6)]
    finally:
        drop_postgres_database(postgres_server, url)


def test_a_batch_larger_than_one_statement_is_stored_whole_once(database_url):
    events = turn_events("busy", 1001)  # more than psycopg2 sends in one INSERT (1000 rows)
    with sent(database_url) as seen:
        assert record_events(database_url, events) == 1001
    assert all(in_transaction for _statement, in_transaction in seen)  # several statements: one transaction
    assert stored(database_url, "busy") == [e["text"] for e in events]


def test_order_turn_reads_give_what_they_gave_without_a_transaction(database_url):
    seed_demo_shop(database_url)
    shop, counter = DemoShop(database_url), FailureCounter(database_url)
    counter.count_wrong_answer("shopper")
    with sent(database_url) as seen:
        order = shop.get_order(order_id="261103004817")
        owner = shop.check_order_owner(order_id="261103004817", phone_last4="8123")
        wrong = shop.check_order_owner(order_id="261103004817", phone_last4="0000")
        failures, locked = counter.failures("shopper"), counter.is_locked("shopper")
    assert order is not None and order.status == "in_transit" and order.lines
    assert (owner, wrong, failures, locked) == (True, False, 1, False)
    if database_url.startswith("postgresql"):
        assert seen and not any(in_transaction for _statement, in_transaction in seen), seen


def test_a_failure_counted_a_moment_ago_is_read_by_the_next_check(database_url):
    counter = FailureCounter(database_url, clock=lambda: dt.datetime.now(dt.timezone.utc))
    for expected in (1, 2, 3):
        assert counter.count_wrong_answer("shopper") == expected
        assert counter.failures("shopper") == expected
    assert counter.is_locked("shopper")
