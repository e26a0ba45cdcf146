"""Restock requests (products/restock.py) on a migrated app database: one request per conversation
and variant, each notified once even when two stock updates race, WeChat only within 48 hours."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from handoff.states import Status
from handoff.store import HandoffStore, NewHandoff
from products.restock import RestockRequests, notify_restocked

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


class Bots:
    """Stands in for the bot servers' HTTP API (the network boundary; the stack test
    tests/conversations/test_restock.py runs the real one): records each notice, or waits forever
    (a slow bot server), or fails with ``error``."""

    def __init__(self, *, hang: bool = False, error: Exception | None = None) -> None:
        self.told: list[str] = []
        self.started = asyncio.Event()
        self.hang, self.error = hang, error

    async def trigger_intent(self, sender_id: str, name: str, *, channel: str, entities: dict) -> None:
        self.started.set()
        if self.hang:
            await asyncio.Event().wait()
        if self.error is not None:
            raise self.error
        self.told.append(sender_id)


async def test_a_stock_update_cancelled_while_it_notifies_leaves_the_request_pending(database_url):
    requests = RestockRequests(database_url)
    requests.subscribe("tg:42", channel="telegram", variant_sku="LM-SH-005-BK-43", at=NOW)
    bots = Bots(hang=True)
    update = asyncio.ensure_future(notify_restocked(requests, bots, product_sku="LM-SH-005",
                                                    variant_sku="LM-SH-005-BK-43"))
    await asyncio.wait_for(bots.started.wait(), 10)
    update.cancel()  # the stock update's client went away
    with pytest.raises(asyncio.CancelledError):
        await update
    for _ in range(100):  # the release runs in a worker thread
        if requests.waiting("tg:42"):
            break
        await asyncio.sleep(0.05)
    assert requests.waiting("tg:42") == ["LM-SH-005-BK-43"]


async def test_any_failed_delivery_leaves_the_request_pending(database_url):
    requests = RestockRequests(database_url)
    requests.subscribe("tg:42", channel="telegram", variant_sku="LM-SH-005-BK-43", at=NOW)
    with pytest.raises(ConnectionResetError):
        await notify_restocked(requests, Bots(error=ConnectionResetError()), product_sku="LM-SH-005",
                               variant_sku="LM-SH-005-BK-43")
    assert requests.waiting("tg:42") == ["LM-SH-005-BK-43"]


async def test_the_bot_says_nothing_to_a_conversation_an_agent_holds_and_keeps_its_request(database_url):
    requests = RestockRequests(database_url)
    handoffs = HandoffStore(database_url)
    for sender in ("tg:42", "tg:43"):
        requests.subscribe(sender, channel="telegram", variant_sku="LM-SH-005-BK-43", at=NOW)
    handoffs.open_handoff(NewHandoff("tg:42", "telegram", "customer_request", 1),
                          status=Status.WAITING, actor="bot", at=NOW)
    bots = Bots()
    assert await notify_restocked(requests, bots, product_sku="LM-SH-005", variant_sku="LM-SH-005-BK-43") == 1
    assert bots.told == ["tg:43"] and requests.waiting("tg:42") == ["LM-SH-005-BK-43"]
