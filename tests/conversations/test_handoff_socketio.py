"""The site widget's channel (Socket.IO): a complaint, an agent's messages pushed live, the rating.

This is the acceptance scenario: complain on the widget's channel, then, as the demo agent,
find it in the queue with its reason and transcript, claim it, write to the shopper, see the bot
stay silent, resolve, and expect the rating question, all in the shopper's open chat window.
"""

from __future__ import annotations

import asyncio

import pytest
import socketio

from tests.conversations.handoffs import queue_entry, wait_in_transcript
from tests.widget_client import widget_sender

pytestmark = pytest.mark.stack


class Widget:
    """A shopper's chat window: a Socket.IO client as Rasa's widget speaks it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.token: str | None = None  # issued by the server in session_confirm
        self.client = socketio.AsyncClient(reconnection=False)
        self.received: asyncio.Queue = asyncio.Queue()
        self.confirmed = asyncio.Event()
        self.client.on("bot_uttered", self._on_bot)
        self.client.on("session_confirm", self._on_confirm)

    def _on_confirm(self, token: str) -> None:
        self.token = token
        self.confirmed.set()

    @property
    def session_id(self) -> str:
        """The conversation's sender id, as the handoff queue shows it."""
        return widget_sender(self.token)

    async def _on_bot(self, data):
        await self.received.put(data)

    async def open(self) -> None:
        await self.client.connect(self.url, socketio_path="/socket.io", transports=["polling"])  # websocket needs a newer aiohttp
        await self.client.emit("session_request", {})
        await asyncio.wait_for(self.confirmed.wait(), 10)

    async def say(self, text: str) -> None:
        await self.client.emit("user_uttered", {"message": text, "session_id": self.token})

    async def next(self, timeout: float = 15) -> dict:
        return await asyncio.wait_for(self.received.get(), timeout)

    async def quiet_for(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self.received.get(), seconds)
            return False
        except asyncio.TimeoutError:
            return True


async def call(function, *args, **kwargs):
    return await asyncio.get_running_loop().run_in_executor(None, lambda: function(*args, **kwargs))


async def test_complaint_on_the_widget_through_to_the_rating(stack):
    widget = Widget(stack.bot_url)
    await widget.open()
    try:
        await widget.say("我要投诉，买的大衣质量太差了，穿一次就开线")
        recorded, queued = await widget.next(), await widget.next()
        assert "投诉已记录" in recorded["text"] and "排在第" in queued["text"]

        agent = await call(stack.login, "agent")
        entry = await call(queue_entry, stack, agent, widget.session_id)
        assert (entry["reason"], entry["priority"], entry["channel"]) == ("complaint", 3, "socketio")
        await call(wait_in_transcript, stack, agent, entry["id"], ("customer", "我要投诉，买的大衣质量太差了，穿一次就开线"))

        assert (await call(stack.api, "POST", f"/api/handoffs/{entry['id']}/claim", token=agent))[0] == 200
        assert (await call(stack.api, "POST", f"/api/handoffs/{entry['id']}/messages",
                           {"text": "非常抱歉，我是小林，马上为您处理退换"}, token=agent))[0] == 201
        pushed = await widget.next()
        assert pushed["text"] == "非常抱歉，我是小林，马上为您处理退换"  # pushed at once, no reload

        await widget.say("好的，订单号是261115000208")
        assert await widget.quiet_for(3)  # the bot stays silent while the agent holds the conversation
        await call(wait_in_transcript, stack, agent, entry["id"], ("customer", "好的，订单号是261115000208"))

        assert (await call(stack.api, "POST", f"/api/handoffs/{entry['id']}/resolve", token=agent))[0] == 200
        ended, question = await widget.next(), await widget.next()
        assert ended["text"] == "本次人工服务已结束，接下来由我继续为您服务。" and "1–5 分" in question["text"]
        await widget.say("4")
        assert (await widget.next())["text"] == "感谢您的评价（4 分）！还有其他可以帮您的吗？"
        _, details = await call(stack.api, "GET", f"/api/handoffs/{entry['id']}/details", token=agent)
        assert details["rating"] == 4 and details["ticket"]["category"] == "quality"
    finally:
        await widget.client.disconnect()
