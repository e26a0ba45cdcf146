"""The WeChat channel's timing rules, served in-process with a scripted bot: a slow answer is
answered ``success`` in time and delivered through the customer-service API; WeChat's retries
of the same message are processed once."""

from __future__ import annotations

import asyncio
import time
import urllib.parse
import uuid

import httpx
from rasa.core.channels.channel import UserMessage

from bot.channels.wechat import WeChatInput
from bot.channels.wechat_crypto import sign
from bot.channels.wechat_replies import ReplyCoordinator
from tests.unit.bot.channels.conftest import serving

TOKEN = "unit_wechat_token"


def push(openid: str, text: str, msg_id: int) -> bytes:
    return (f"<xml><ToUserName>gh_unit</ToUserName><FromUserName>{openid}</FromUserName><CreateTime>1</CreateTime>"
            f"<MsgType>text</MsgType><Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId></xml>").encode()


def signed(url: str) -> str:
    """A freshly signed query, as WeChat signs each push (a query is good for one body only)."""
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
    query = {"signature": sign(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
    return f"{url}/webhook?{urllib.parse.urlencode(query)}"


class ScriptedBot:
    """Answers "echo: <text>" after ``delay`` seconds; counts what it was asked."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.heard: list[str] = []

    async def __call__(self, message: UserMessage) -> None:
        self.heard.append(message.text)
        await asyncio.sleep(self.delay)
        await message.output_channel.send_text_message(message.sender_id, f"echo: {message.text}")


def channel(fake, reply_timeout: float) -> WeChatInput:
    return WeChatInput(token=TOKEN, app_id=fake.app_id, app_secret=fake.app_secret, api_url=fake.base_url,
                       reply_timeout=reply_timeout)


async def wait_until(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_quick_answer_is_the_passive_reply(fake_wechat_api):
    bot = ScriptedBot(delay=0.05)
    async with serving(channel(fake_wechat_api, 1.0), bot, "/webhooks/wechat") as url, httpx.AsyncClient() as http:
        reply = await http.post(signed(url), content=push("oQuick", "你好", 1))
    assert reply.status_code == 200 and "echo: 你好" in reply.text
    assert fake_wechat_api.calls == []  # nothing through the API


async def test_slow_answer_gets_success_in_time_then_the_customer_service_api(fake_wechat_api):
    bot = ScriptedBot(delay=1.0)
    wechat = channel(fake_wechat_api, 0.3)
    async with serving(wechat, bot, "/webhooks/wechat") as url, httpx.AsyncClient() as http:
        started = time.monotonic()
        reply = await http.post(signed(url), content=push("oSlow", "查订单", 2))
        assert (reply.status_code, reply.text) == (200, "success")
        assert time.monotonic() - started < 0.8
        # WeChat retries the same MsgId: same outcome, not processed again.
        retry = await http.post(signed(url), content=push("oSlow", "查订单", 2))
        assert retry.text == "success"
        await wait_until(lambda: fake_wechat_api.messages_to("oSlow"))
        # A second slow message: the cached access token is used.
        await http.post(signed(url), content=push("oSlow", "再查", 3))
        await wait_until(lambda: len(fake_wechat_api.messages_to("oSlow")) == 2)
    assert fake_wechat_api.messages_to("oSlow") == ["echo: 查订单", "echo: 再查"]
    assert bot.heard == ["查订单", "再查"]
    assert fake_wechat_api.token_fetches == 1


async def test_retry_while_the_first_delivery_waits_gets_the_same_passive_reply(fake_wechat_api):
    bot = ScriptedBot(delay=0.4)
    async with serving(channel(fake_wechat_api, 2.0), bot, "/webhooks/wechat") as url, httpx.AsyncClient() as http:
        first, second = await asyncio.gather(
            http.post(signed(url), content=push("oTwice", "运费", 4)),
            http.post(signed(url), content=push("oTwice", "运费", 4)),
        )
    assert first.text == second.text and "echo: 运费" in first.text
    assert bot.heard == ["运费"]


async def test_long_answer_goes_through_the_api(fake_wechat_api):
    class Verbose(ScriptedBot):
        async def __call__(self, message):
            await message.output_channel.send_text_message(message.sender_id, "很长的回答。" * 200)

    async with serving(channel(fake_wechat_api, 1.0), Verbose(0), "/webhooks/wechat") as url, \
            httpx.AsyncClient() as http:
        reply = await http.post(signed(url), content=push("oLong", "?", 5))
        assert reply.text == "success"
        await wait_until(lambda: "".join(fake_wechat_api.messages_to("oLong")) == "很长的回答。" * 200)
    sent = fake_wechat_api.messages_to("oLong")
    assert len(sent) == 2 and all(len(piece.encode()) <= 2000 for piece in sent)


async def test_coordinator_never_sends_both_ways():
    """Whichever way the timing falls, each answer reaches the follower exactly once."""
    for delay in (0.0, 0.05, 0.1, 0.15, 0.2):
        delivered: list[str] = []

        async def deliver(sender, texts, delivered=delivered):
            delivered.extend(texts)

        coordinator = ReplyCoordinator(deliver)

        async def run_bot(delay=delay):
            await asyncio.sleep(delay)
            return ["answer"]

        deadline = time.monotonic() + 0.1
        passive = await coordinator.answer("k", "wx:o", run_bot, deadline=deadline)
        retry = await coordinator.answer("k", "wx:o", run_bot, deadline=time.monotonic() + 0.3)
        await coordinator.tasks.drain(timeout=2)
        shown = ([passive] if passive else []) + delivered
        assert shown == ["answer"], (delay, passive, delivered)
        assert retry == passive


async def test_failing_bot_gets_an_apology_not_silence():
    async def deliver(sender, texts):
        pass

    async def broken():
        raise RuntimeError("tracker store down")

    coordinator = ReplyCoordinator(deliver)
    reply = await coordinator.answer("k2", "wx:o", broken, deadline=time.monotonic() + 1)
    assert "抱歉" in reply and "Sorry" in reply
