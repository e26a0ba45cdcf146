"""TELEGRAM_MODE=polling (local development): the channel fetches updates with getUpdates from a
fake Bot API through python-telegram-bot, and the bot's replies go back to the chat."""

from __future__ import annotations

import asyncio
import time

import httpx
from rasa.core.channels.channel import UserMessage

from bot.channels.telegram import TelegramInput
from tests.unit.bot.channels.conftest import serving


async def echo(message: UserMessage) -> None:
    await message.output_channel.send_text_message(message.sender_id, f"echo: {message.text}")


def update(update_id: int, chat: int, text: str) -> dict:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "chat": {"id": chat, "type": "private"},
        "from": {"id": chat, "is_bot": False, "first_name": "A", "language_code": "zh-hans"}, "text": text}}


async def wait_until(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_polling_receives_updates_and_replies(fake_bot_api):
    channel = TelegramInput(token=fake_bot_api.token, webhook_secret=None, api_url=fake_bot_api.base_url, polling=True)
    fake_bot_api.fail_next("getUpdates", 500)  # the Bot API hiccups: polling carries on
    fake_bot_api.queue_update(update(501, 77, "你好"))
    async with serving(channel, echo, "/webhooks/telegram") as url:
        await wait_until(lambda: fake_bot_api.sent_texts(77))
        fake_bot_api.queue_update(update(502, 77, "运费"))
        await wait_until(lambda: len(fake_bot_api.sent_texts(77)) == 2)
        # Without a webhook secret, webhook calls are refused even in polling mode.
        async with httpx.AsyncClient() as http:
            refused = await http.post(f"{url}/webhook", json=update(503, 77, "x"))
        assert refused.status_code == 403
    assert fake_bot_api.sent_texts(77) == ["echo: 你好", "echo: 运费"]
    methods = [c.method for c in fake_bot_api.calls]
    assert methods.index("deleteWebhook") < methods.index("getUpdates")
    offsets = [int(c.params.get("offset") or 0) for c in fake_bot_api.calls_of("getUpdates")]
    assert 502 in offsets and 503 in offsets  # each update acknowledged by the next offset


async def test_only_the_polling_replica_polls(fake_bot_api):
    channel = TelegramInput(token=fake_bot_api.token, webhook_secret="s", api_url=fake_bot_api.base_url, polling=False)
    async with serving(channel, echo, "/webhooks/telegram"):
        await asyncio.sleep(0.5)
    assert fake_bot_api.calls_of("getUpdates") == [] and fake_bot_api.calls_of("deleteWebhook") == []
