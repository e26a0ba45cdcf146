"""Restock requests (products/restock.py) on a migrated app database: one request per conversation
and variant, each notified once even when two stock updates race, WeChat only within 48 hours."""

from __future__ import annotations

import datetime as dt

from products.restock import RestockRequests

NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.timezone.utc)


def test_asking_twice_is_one_request_and_it_is_notified_once(database_url):
    requests = RestockRequests(database_url)
    assert requests.subscribe("rest-1", channel="rest", variant_sku="LM-AP-001-BK-M", at=NOW) is True
    assert requests.subscribe("rest-1", channel="rest", variant_sku="LM-AP-001-BK-M", at=NOW) is False
    requests.subscribe("rest-2", channel="socketio", variant_sku="LM-AP-001-BK-M", at=NOW)
    requests.subscribe("rest-2", channel="socketio", variant_sku="LM-EL-007-WH", at=NOW)
    due = requests.due("LM-AP-001-BK-M", now=NOW)
    assert [(p.sender_id, p.channel) for p in due] == [("rest-1", "rest"), ("rest-2", "socketio")]
    first = due[0].request_id
    assert requests.claim(first) is True
    assert requests.claim(first) is False  # a second stock update at the same moment
    assert [p.sender_id for p in requests.due("LM-AP-001-BK-M", now=NOW)] == ["rest-2"]
    assert requests.waiting("rest-1") == []
    assert requests.waiting("rest-2") == ["LM-AP-001-BK-M", "LM-EL-007-WH"]
    # notified: asking again is a new request
    assert requests.subscribe("rest-1", channel="rest", variant_sku="LM-AP-001-BK-M", at=NOW) is True


def test_a_failed_delivery_is_released_for_the_next_update(database_url):
    requests = RestockRequests(database_url)
    requests.subscribe("tg:42", channel="telegram", variant_sku="LM-SH-005-BK-43", at=NOW)
    pending = requests.due("LM-SH-005-BK-43", now=NOW)[0]
    assert requests.claim(pending.request_id)
    requests.release(pending.request_id)
    assert [p.request_id for p in requests.due("LM-SH-005-BK-43", now=NOW)] == [pending.request_id]


def test_wechat_requests_wait_outside_the_48_hour_window_until_the_shopper_asks_again(database_url):
    requests = RestockRequests(database_url)
    requests.subscribe("wx:o1", channel="wechat", variant_sku="LM-BT-024-STD", at=NOW - dt.timedelta(hours=49))
    requests.subscribe("rest-9", channel="rest", variant_sku="LM-BT-024-STD", at=NOW - dt.timedelta(days=9))
    assert [p.sender_id for p in requests.due("LM-BT-024-STD", now=NOW)] == ["rest-9"]
    requests.subscribe("wx:o1", channel="wechat", variant_sku="LM-BT-024-STD", at=NOW - dt.timedelta(hours=1))
    assert [p.sender_id for p in requests.due("LM-BT-024-STD", now=NOW)] == ["wx:o1", "rest-9"]
