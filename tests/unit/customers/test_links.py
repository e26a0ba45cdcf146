"""The customer's channel identities on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest

from customers.links import CustomerLinks
from kefu.events import record_events

T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc)


def test_identities_keep_when_each_was_last_seen(database_url):
    links = CustomerLinks(database_url)
    assert links.link("C1004", channel="telegram", sender_id="tg:1", by="order_check", at=T0)
    assert links.link("C1004", channel="wechat", sender_id="wx:o1", by="order_check", at=T0 + dt.timedelta(hours=1))
    # the Telegram chat writes again two days later: its last_seen follows the conversation events
    later = T0 + dt.timedelta(days=2)
    record_events(database_url, [{"event": "user", "sender_id": "tg:1", "text": "仲未到貨", "timestamp": later.timestamp(),
                                  "input_channel": "telegram"}])
    seen = [(i.sender_id, i.last_seen) for i in links.identities("C1004")]
    assert seen == [("tg:1", later), ("wx:o1", T0 + dt.timedelta(hours=1))]
    assert links.identities("C1004")[0].as_json() == {"channel": "telegram", "sender_id": "tg:1",
                                                       "last_seen": later.isoformat()}


def test_a_token_link_wins_over_an_order_check_and_the_latest_check_counts(database_url):
    links = CustomerLinks(database_url)
    links.link("C1001", channel="socketio", sender_id="web:1", by="customer_token", at=T0)
    assert not links.link("C1004", channel="socketio", sender_id="web:1", by="order_check", at=T0)
    assert links.customer_of("web:1") == "C1001"
    links.link("C1004", channel="telegram", sender_id="tg:1", by="order_check", at=T0)
    assert links.link("C1002", channel="telegram", sender_id="tg:1", by="order_check", at=T0)
    assert links.customer_of("tg:1") == "C1002" and links.identities("C1004") == []
    assert sorted(links.customers()) == ["C1001", "C1002"]


def test_bad_links_are_refused(database_url):
    links = CustomerLinks(database_url)
    with pytest.raises(ValueError):
        links.link("C1001", channel="rest", sender_id="x", by="a guess")
    with pytest.raises(ValueError):
        links.link("", channel="rest", sender_id="x", by="order_check")
