"""Issue 19.6: a customer's record exported and erased (PIPL access and deletion); after the
erasure no table of the app database holds anything of theirs."""

from __future__ import annotations

import json
import sqlite3

import pytest
import sqlalchemy as sa

from customers.care import Care
from customers.followups import FollowUps
from customers.privacy import erase, export
from kefu.db import get_engine
from shop.demo import DemoShop
from tests.unit.customers.history import WORDS, day, script

#: what identifies C1004 in Kefu's own tables: the customer number and the conversations' ids
IDS = ("C1004", "tg:5551", "wx:oLIU")


def every_row(url: str) -> dict[str, str]:
    """Each table of the database (the shop's own tables aside) as one string of all its rows."""
    engine = get_engine(url)
    found = {}
    with engine.connect() as connection:
        for name in sa.inspect(engine).get_table_names():
            if name.startswith("shop_"):  # the shop's records: the shop erases them (docs/operators/privacy.md)
                continue
            rows = connection.execute(sa.text(f'SELECT * FROM "{name}"')).all()
            found[name] = json.dumps([[str(v) for v in row] for row in rows], ensure_ascii=False)
    return found


def test_the_export_holds_the_record_and_the_transcripts(database_url):
    script(database_url)
    care = Care(database_url, DemoShop(database_url), clock=lambda: day(6))
    FollowUps(database_url).create("C1004", note="回访退款", due=None, by="agent")
    data = export(database_url, "C1004", care.record("C1004"))
    assert data["name"] == "刘洋" and [c["sender_id"] for c in data["conversations"]] == ["tg:5551", "wx:oLIU"]
    said = [line["text"] for c in data["conversations"] for line in c["transcript"]]
    assert "係咪寄失咗" in said and "点解仲未退款" in said and "运费怎么算" not in said
    assert data["complaints"][0]["summary"] == "我要投诉 快递十天都冇到"
    assert data["follow_ups"][0]["note"] == "回访退款"


def test_erasure_leaves_nothing_of_the_customer_in_any_table(database_url):
    script(database_url)
    FollowUps(database_url).create("C1004", note="回访：刘洋的退款", due=None, by="agent")
    before = every_row(database_url)
    assert any("快递十天都冇到" in rows for rows in before.values())  # the search finds what is there
    assert "tg:5551" in before["conversation_events"] and "wx:oLIU" in before["customer_identities"]
    counts = erase(database_url, "C1004")
    assert counts["conversations"] == 2 and counts["handoffs_anonymised"] == 2 and counts["links_deleted"] == 2
    after = every_row(database_url)
    for table, rows in after.items():
        for needle in (*WORDS, *IDS):
            assert needle not in rows, f"{needle!r} still in {table}"
    # somebody else's conversation stays, and the handoffs still count in the figures
    assert "tg:8888" in after["conversation_events"] and "运费怎么算" in after["conversation_events"]
    with get_engine(database_url).connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM handoffs")).scalar_one() == 2
        assert connection.execute(sa.text("SELECT count(*) FROM analytics_sessions")).scalar_one() == 4
    assert Care(database_url, DemoShop(database_url)).record("C1004")["channels"] == []


def test_an_erasure_that_failed_on_the_tracker_store_finishes_when_retried(database_url, tmp_path):
    """The tracker store (var/tracker.db by default) is locked by another writer: the erasure fails,
    and a retry once it is free still finds and removes every conversation of the customer."""
    script(database_url)
    FollowUps(database_url).create("C1004", note="回访：刘洋的退款", due=None, by="agent")
    tracker_path = tmp_path / "tracker.db"
    tracker_url = f"sqlite:///{tracker_path}"
    with sqlite3.connect(tracker_path) as setup:  # the columns of Rasa's SQL tracker store that matter here
        setup.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, data TEXT)")
        setup.executemany("INSERT INTO events (sender_id, type_name, data) VALUES (?, 'user', ?)",
                          [("tg:5551", '{"text": "快递十天都冇到"}'), ("wx:oLIU", '{"text": "点解仲未退款"}'),
                           ("tg:8888", '{"text": "运费怎么算"}')])
    writer = sqlite3.connect(tracker_path, isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(sa.exc.OperationalError):
            erase(database_url, "C1004", tracker_store_url=tracker_url)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    counts = erase(database_url, "C1004", tracker_store_url=tracker_url)
    assert counts["conversations"] == 2 and counts["links_deleted"] == 2
    for url in (database_url, tracker_url):
        for table, rows in every_row(url).items():
            for needle in (*WORDS, *IDS):
                assert needle not in rows, f"{needle!r} still in {table} of {url.split(':')[0]}"
    assert "运费怎么算" in every_row(tracker_url)["events"]  # somebody else's conversation stays
