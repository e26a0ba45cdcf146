"""Rasa's Socket.IO protocol, as any client speaks it (the widget is one such client)."""

from __future__ import annotations

import asyncio

import pytest
import socketio

from tests.channels.conftest import push_to, user_events

pytestmark = pytest.mark.stack


async def connected_client(stack, session_id: str):
    client = socketio.AsyncClient()
    inbox: asyncio.Queue = asyncio.Queue()
    confirmed: asyncio.Future = asyncio.get_running_loop().create_future()
    client.on("bot_uttered", lambda message: inbox.put_nowait(message))
    client.on("session_confirm", lambda sid: confirmed.done() or confirmed.set_result(sid))
    await client.connect(stack.bot_url, socketio_path="/socket.io", transports=["polling"])  # engineio's websocket client needs a newer aiohttp than Rasa pins
    await client.emit("session_request", {"session_id": session_id})
    assert await asyncio.wait_for(confirmed, 10) == session_id
    return client, inbox


async def close(client) -> None:
    # A plain disconnect waits for the pending long-poll (up to the 25 s ping interval).
    await client.eio.disconnect(abort=True)


async def test_rasa_socketio_events_and_agent_metadata(stack):
    client, inbox = await connected_client(stack, "raw-client-1")
    try:
        await client.emit("user_uttered", {"message": "你好", "session_id": "raw-client-1"})
        reply = await asyncio.wait_for(inbox.get(), 10)
        assert "明镜商城" in reply["text"] and "metadata" not in reply
        await asyncio.to_thread(push_to, stack, "raw-client-1",
                                {"event": "bot", "text": "我是小林", "metadata": {"agent": "小林"}})
        pushed = await asyncio.wait_for(inbox.get(), 10)
        assert pushed == {"text": "我是小林", "metadata": {"agent": "小林"}}
        history = await client.call("kefu_history", {"session_id": "raw-client-1"}, timeout=10)
        assert [(m["role"], m["text"]) for m in history][-1] == ("agent", "我是小林")
    finally:
        await close(client)
    events = await asyncio.to_thread(user_events, stack, "raw-client-1", 1)
    assert events[0]["input_channel"] == "socketio"


async def test_a_second_tab_of_the_same_session_gets_the_replies_too(stack):
    first, first_inbox = await connected_client(stack, "raw-client-2")
    second, second_inbox = await connected_client(stack, "raw-client-2")
    try:
        await first.emit("user_uttered", {"message": "hello", "session_id": "raw-client-2"})
        for inbox in (first_inbox, second_inbox):
            assert "Lumen Mall" in (await asyncio.wait_for(inbox.get(), 10))["text"]
    finally:
        await close(first)
        await close(second)
