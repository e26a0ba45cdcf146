"""Migration 0007: handoffs an older Kefu paused Rasa's tracker for are marked for the gate to resume,
and the rating question already sent is not sent again (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.exc import IntegrityError

from handoff.store import HandoffStore
from kefu.db import get_engine
from kefu.settings import ROOT
from tests.databases import create_postgres_database, drop_postgres_database

NOW = datetime.now(timezone.utc).replace(tzinfo=None)
#: (sender, status, handed back to the bot by the older Kefu)
BEFORE = [
    ("queued", "waiting", False), ("talking", "active", False), ("night", "callback", False),
    ("thanked", "resolved", True), ("never-resumed", "resolved", False), ("gone", "abandoned", False),
    ("gone-resumed", "abandoned", True),
]


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["configure_logger"] = False
    return config


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'app.db'}"
        return
    admin = request.getfixturevalue("postgres_server")
    url = create_postgres_database(admin)
    yield url
    drop_postgres_database(admin, url)


def rows(url: str, query: str) -> dict:
    with get_engine(url).begin() as connection:
        return {row[0]: tuple(row[1:]) for row in connection.execute(sa.text(query))}


def test_paused_conversations_are_marked_and_sent_ratings_kept(empty_url):
    config = alembic_config(empty_url)
    command.upgrade(config, "0006")
    with get_engine(empty_url).begin() as connection:
        for sender, status, resumed in BEFORE:
            ended = NOW if status in ("resolved", "abandoned") else None
            connection.execute(sa.text(
                "INSERT INTO handoffs (sender_id, channel, reason, priority, status, created_at, updated_at, "
                "ended_at, bot_resumed_at) VALUES (:s, 'rest', 'customer_request', 1, :status, :at, :at, :ended, "
                ":resumed)"), {"s": sender, "status": status, "at": NOW - timedelta(minutes=5), "ended": ended,
                               "resumed": NOW if resumed else None})
    command.upgrade(config, "head")

    marked = rows(empty_url, "SELECT sender_id, tracker_paused, rating_requested_at IS NOT NULL FROM handoffs")
    assert {sender for sender, (paused, _) in marked.items() if paused} == {"queued", "talking", "never-resumed",
                                                                             "gone"}
    assert {sender for sender, (_, asked) in marked.items() if asked} == {"thanked"}
    store = HandoffStore(empty_url)
    assert store.hold_of("queued").by_human and store.hold_of("queued").tracker_paused
    assert not store.hold_of("gone").by_human and store.hold_of("gone").tracker_paused
    assert not store.hold_of("thanked").tracker_paused and not store.hold_of("night").by_human
    store.tracker_resumed("gone")
    assert not store.hold_of("gone").tracker_paused
    store.tracker_resumed("queued")  # still held: the mark stays until that handoff ends
    assert store.hold_of("queued").tracker_paused
    # still one open handoff per conversation (the partial unique index survived the migration)
    with pytest.raises(IntegrityError), get_engine(empty_url).begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO handoffs (sender_id, channel, reason, priority, status, created_at, updated_at) "
            "VALUES ('queued', 'rest', 'complaint', 3, 'waiting', :at, :at)"), {"at": NOW})

    command.downgrade(config, "0006")
    back = rows(empty_url, "SELECT sender_id, bot_resumed_at IS NOT NULL FROM handoffs")
    assert {sender for sender, (resumed,) in back.items() if resumed} == {"thanked", "gone-resumed", "gone"}


def test_earlier_handoffs_are_not_taken_for_proven_customers(empty_url):
    """Migration 0012: which earlier handoffs' customers were proven was not recorded, so none
    counts as verified (issue 19); the column goes again on downgrade, the one-open index stays."""
    config = alembic_config(empty_url)
    command.upgrade(config, "0011")
    with get_engine(empty_url).begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO handoffs (sender_id, channel, reason, priority, status, customer_id, created_at, "
            "updated_at) VALUES ('linked', 'telegram', 'customer_request', 2, 'waiting', 'C1001', :at, :at)"),
            {"at": NOW})
    command.upgrade(config, "head")
    assert rows(empty_url, "SELECT sender_id, customer_proven FROM handoffs") == {"linked": (False,)}
    command.downgrade(config, "0011")
    assert "customer_proven" not in {c["name"] for c in sa.inspect(get_engine(empty_url)).get_columns("handoffs")}
    with pytest.raises(IntegrityError), get_engine(empty_url).begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO handoffs (sender_id, channel, reason, priority, status, created_at, updated_at) "
            "VALUES ('linked', 'rest', 'complaint', 3, 'waiting', :at, :at)"), {"at": NOW})
