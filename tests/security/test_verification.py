"""A passed order check is short-lived and bound, and wrong answers stay counted (issue 16, item 2),
on the real stack.

* A verification opens its order only on the channel that made it, in the session that made it:
  the widget's verified order is not shown to a REST caller using the widget's session id, and a
  new session (``/session_start``) asks for the phone digits again, after which the request
  carries on (cancel stays cancel).
* Wrong answers are counted outside the conversation's tracker: ``/back``, ``/restart`` and a new
  session do not give a shopper new tries.
* An agent's reply goes to the channel the handoff came from, whoever wrote in the conversation
  last.

The failure tests guess unknown order numbers (``2611999…``), so no real order of the shared stack
is closed by the per-order limit.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
import socketio

from actions.orders.labels import STATUS_LABELS
from tests.conversations.handoffs import queue_entry
from tests.stack import Stack, http
from tests.widget_client import widget_sender

pytestmark = pytest.mark.stack

LOCKED = "不能再为您查询订单"
ASK_AGAIN = "需要再核对一次"
LABELS = [label for pair in STATUS_LABELS.values() for label in pair]
#: 261119000540 (C1009, phone ending 2913): in transit with YTO
TRACKING = "YT4782423061570"


def sender() -> str:
    return f"verify-{uuid.uuid4().hex[:12]}"


def unknown_order() -> str:
    return "2611999" + f"{uuid.uuid4().int % 10**5:05d}"


def reveals_nothing(reply: str) -> bool:
    return TRACKING not in reply and not any(label in reply for label in LABELS)


class Widget:
    """A shopper's chat window: a Socket.IO client that takes the session id the server gives it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session_id: str | None = None
        self.client = socketio.AsyncClient(reconnection=False)
        self.received: asyncio.Queue = asyncio.Queue()
        self.confirmed = asyncio.Event()
        self.client.on("bot_uttered", self._on_bot)
        self.client.on("session_confirm", self._on_confirm)

    @property
    def sender(self) -> str:
        """The conversation's sender id (``web:<id>`` of the session token)."""
        return widget_sender(self.session_id or "")

    async def _on_bot(self, data) -> None:
        await self.received.put(data)

    async def _on_confirm(self, session_id, *_rest) -> None:
        self.session_id = session_id if isinstance(session_id, str) else (session_id or {}).get("session_id")
        self.confirmed.set()

    async def open(self) -> None:
        await self.client.connect(self.url, socketio_path="/socket.io", transports=["polling"])
        await self.client.emit("session_request", {})
        await asyncio.wait_for(self.confirmed.wait(), 10)

    async def say(self, text: str) -> None:
        await self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})

    async def replies(self, timeout: float = 20, quiet: float = 1.5) -> str:
        """The texts of the next reply (every message until none came for ``quiet`` seconds)."""
        texts = [(await asyncio.wait_for(self.received.get(), timeout))["text"]]
        while True:
            try:
                texts.append((await asyncio.wait_for(self.received.get(), quiet))["text"])
            except asyncio.TimeoutError:
                return "\n".join(texts)

    async def quiet_for(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self.received.get(), seconds)
            return False
        except asyncio.TimeoutError:
            return True

    async def close(self) -> None:
        await self.client.eio.disconnect(abort=True)


async def call(function, *args, **kwargs):
    return await asyncio.get_running_loop().run_in_executor(None, lambda: function(*args, **kwargs))


def rest(stack: Stack, sender_id: str, text: str) -> tuple[int, str]:
    """A REST message; (status, the reply texts joined) — a 400 when REST refuses the sender id."""
    status, replies = http("POST", f"{stack.bot_url}/webhooks/rest/webhook", {"sender": sender_id, "message": text})
    texts = "\n".join(r.get("text", "") for r in replies) if status == 200 and isinstance(replies, list) else ""
    return status, texts


def two_wrong_answers(stack: Stack, conversation: str) -> None:
    stack.say(conversation, "查订单")
    for guess in ("0000", "1111"):
        stack.say(conversation, unknown_order())
        assert "对不上" in stack.say(conversation, guess)


# ---------------------------------------------------------------------- bound to channel and session
async def test_an_order_verified_on_the_widget_is_not_opened_for_a_rest_caller(stack):
    widget = Widget(stack.bot_url)
    await widget.open()
    try:
        await widget.say("我的订单 261119000540 到哪了")
        assert "后4位" in await widget.replies()
        await widget.say("2913")
        shown = await widget.replies()
        assert TRACKING in shown and "运输中" in shown
        # the same conversation id through the REST channel: refused outright, or asked to prove it again
        status, reply = await call(rest, stack, widget.sender, "我的订单到哪了")
        assert status in (200, 400), status
        assert reveals_nothing(reply), reply
        if status == 200:
            assert ASK_AGAIN in reply
    finally:
        await widget.close()


def test_a_new_session_asks_for_the_digits_again_and_the_cancel_carries_on(stack):
    conversation = sender()
    stack.say(conversation, "查一下订单 261121000530")
    assert "已付款" in stack.say(conversation, "4702")
    stack.say(conversation, "/session_start")  # what an expired session does on the next message
    asked = stack.say(conversation, "我要取消这个订单")
    assert ASK_AGAIN in asked and "确认要取消" not in asked and "已付款" not in asked
    question = stack.say(conversation, "4702")
    assert "确认要取消" in question and "261121000530" in question
    assert "已取消" in stack.say(conversation, "是的")


# ---------------------------------------------------------------------- failures outside the tracker
def test_back_does_not_undo_wrong_answers(stack):
    conversation = sender()
    two_wrong_answers(stack, conversation)
    stack.say(conversation, "/back")
    stack.say(conversation, unknown_order())
    assert LOCKED in stack.say(conversation, "2222")


def test_a_new_session_does_not_undo_wrong_answers(stack):
    conversation = sender()
    two_wrong_answers(stack, conversation)
    stack.say(conversation, "/session_start")
    stack.say(conversation, "查订单")
    stack.say(conversation, unknown_order())
    assert LOCKED in stack.say(conversation, "2222")


def test_restart_after_the_lock_does_not_start_over(stack):
    conversation = sender()
    two_wrong_answers(stack, conversation)
    stack.say(conversation, unknown_order())
    assert LOCKED in stack.say(conversation, "2222")
    # an agent takes the handoff and gives the conversation back to the bot (while the handoff
    # waits, the paused conversation ignores /restart altogether)
    agent = stack.login("agent")
    entry = queue_entry(stack, agent, conversation)
    assert entry["reason"] == "verification_failed"
    assert stack.api("POST", f"/api/handoffs/{entry['id']}/claim", token=agent)[0] == 200
    assert stack.api("POST", f"/api/handoffs/{entry['id']}/resolve", token=agent)[0] == 200
    stack.say(conversation, "/restart")
    replies = [stack.say(conversation, "查订单 261119000540"), stack.say(conversation, "2913")]
    assert all(reveals_nothing(reply) for reply in replies), replies
    assert LOCKED in replies[0]


# ---------------------------------------------------------------------- agent replies
async def test_agent_replies_go_to_the_handoffs_channel_whoever_wrote_last(stack):
    widget = Widget(stack.bot_url)
    await widget.open()
    try:
        await widget.say("转人工")
        assert "排在第" in await widget.replies()
        agent = await call(stack.login, "agent")
        entry = await call(queue_entry, stack, agent, widget.sender)
        assert entry["channel"] == "socketio"
        assert (await call(stack.api, "POST", f"/api/handoffs/{entry['id']}/claim", token=agent))[0] == 200

        # a message logged into the conversation through Rasa's (token-protected) API has no input channel
        status, _ = await call(http, "POST", f"{stack.bot_url}/conversations/{widget.sender}/messages"
                                             f"?token={stack.token}", {"text": "还在吗", "sender": "user"})
        assert status == 200
        await call(stack.api, "POST", f"/api/handoffs/{entry['id']}/messages", {"text": "我是小林，在的"}, token=agent)
        assert await widget.replies() == "我是小林，在的"

        # a REST caller using the widget's id (where REST still accepts it) does not get the agent's replies
        status, _ = await call(rest, stack, widget.sender, "你好")
        await call(stack.api, "POST", f"/api/handoffs/{entry['id']}/messages", {"text": "请稍等"}, token=agent)
        assert await widget.replies() == "请稍等"
        if status == 200:
            status, fetched = await call(rest, stack, widget.sender, "")
            assert "请稍等" not in fetched and "小林" not in fetched

        # the rating question after the resolution comes to the widget too
        assert (await call(stack.api, "POST", f"/api/handoffs/{entry['id']}/resolve", token=agent))[0] == 200
        assert "1–5 分" in await widget.replies()
    finally:
        await widget.close()
