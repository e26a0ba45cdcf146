"""Rasa's Socket.IO protocol, as any client speaks it (the widget is one such client)."""

from __future__ import annotations

import asyncio

import pytest

from tests.channels.conftest import push_to, user_events
from tests.widget_client import WidgetClient

pytestmark = pytest.mark.stack


async def test_rasa_socketio_events_and_agent_metadata(stack):
    client = await WidgetClient.open(stack.bot_url)
    try:
        await client.say("你好")
        reply = await client.next(10)
        assert "明镜商城" in reply["text"] and "metadata" not in reply
        await asyncio.to_thread(push_to, stack, client.sender,
                                {"event": "bot", "text": "我是小林", "metadata": {"agent": "小林"}})
        pushed = await client.next(10)
        assert pushed == {"text": "我是小林", "metadata": {"agent": "小林"}}
        history = await client.history()
        assert [(m["role"], m["text"]) for m in history][-1] == ("agent", "我是小林")
    finally:
        await client.close()
    events = await asyncio.to_thread(user_events, stack, client.sender, 1)
    assert events[0]["input_channel"] == "socketio"


async def test_a_second_tab_of_the_same_session_gets_the_replies_too(stack):
    first = await WidgetClient.open(stack.bot_url)
    second = await WidgetClient.open(stack.bot_url, first.token)
    try:
        assert second.token == first.token
        await first.say("hello")
        for tab in (first, second):
            assert "Lumen Mall" in (await tab.next(10))["text"]
    finally:
        await first.close()
        await second.close()
