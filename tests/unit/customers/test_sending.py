"""A follow-up's message to the customer: a request cancelled while the message is being delivered
(the agent closed the page) still records the message that went out."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from customers.care import Care
from customers.followups import FollowUps
from shop.demo import DemoShop
from tests.unit.customers.history import script


async def test_a_message_delivered_after_the_request_was_cancelled_is_recorded(database_url):
    script(database_url)
    follow_up = FollowUps(database_url).create("C1004", note="回访退款", due=None, by="agent")
    last_seen = Care(database_url, DemoShop(database_url)).links.identities("C1004")[0].last_seen
    care = Care(database_url, DemoShop(database_url), clock=lambda: last_seen + dt.timedelta(hours=1))
    started, release, sent = asyncio.Event(), asyncio.Event(), []

    async def deliver(sender_id: str, text: str, channel: str, agent: str) -> None:
        started.set()
        await release.wait()  # the channel is slow to answer
        sent.append((sender_id, text))

    request = asyncio.ensure_future(care.send(follow_up.id, "您好，退款已经处理", agent="agent", deliver=deliver))
    await asyncio.wait_for(started.wait(), 10)
    request.cancel()  # the client went away
    await asyncio.sleep(0)
    release.set()
    for _ in range(200):
        messages = await asyncio.to_thread(care.follow_ups.messages, follow_up.id)
        if messages:
            break
        await asyncio.sleep(0.05)
    assert sent == [("wx:oLIU", "您好，退款已经处理")]
    assert [(m.sender_id, m.text) for m in messages] == [("wx:oLIU", "您好，退款已经处理")]


async def test_a_failed_delivery_records_nothing(database_url):
    script(database_url)
    follow_up = FollowUps(database_url).create("C1004", note="回访退款", due=None, by="agent")
    last_seen = Care(database_url, DemoShop(database_url)).links.identities("C1004")[0].last_seen
    care = Care(database_url, DemoShop(database_url), clock=lambda: last_seen + dt.timedelta(hours=1))

    async def deliver(sender_id: str, text: str, channel: str, agent: str) -> None:
        raise ConnectionError("the bot server is down")

    with pytest.raises(ConnectionError):
        await care.send(follow_up.id, "您好", agent="agent", deliver=deliver)
    assert await asyncio.to_thread(care.follow_ups.messages, follow_up.id) == []
