"""``KEFU_REST_TOKEN``: a shop whose REST callers are its own servers makes the webhook need
``Authorization: Bearer <token>``; without the setting the webhook stays open (the README's curl).

The REST channel's real blueprint is served in-process (tests/unit/bot/channels/conftest.py), built
the way the Rasa server builds it (``from_credentials``, settings from the environment), with a
scripted bot in Rasa's place: what is tested here is the channel's door, not the bot.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.channels.rest import KefuRestInput
from tests.databases import migrated_sqlite
from tests.stack import http
from tests.unit.bot.channels.conftest import serving

TOKEN = "rest-token-3f9a0c1e5b7d2468ace0"


@pytest.fixture
def environment(monkeypatch, tmp_path):
    database = migrated_sqlite(tmp_path / "app.db")
    monkeypatch.setenv("KEFU_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", database)
    monkeypatch.delenv("KEFU_REST_TOKEN", raising=False)
    return monkeypatch


async def scripted_bot(message) -> None:
    await message.output_channel.send_text_message(message.sender_id, f"收到：{message.text}")


async def post(base: str, headers: dict[str, str], message: str = "你好") -> tuple[int, object]:
    return await asyncio.to_thread(http, "POST", f"{base}/webhook", {"sender": "shop-user-1", "message": message},
                                   headers=headers)


async def test_with_kefu_rest_token_the_webhook_needs_the_bearer(environment):
    environment.setenv("KEFU_REST_TOKEN", TOKEN)
    channel = KefuRestInput.from_credentials(None)
    async with serving(channel, scripted_bot, "/webhooks/rest") as base:
        refused = [{}, {"Authorization": "Bearer wrong-token"}, {"Authorization": f"Bearer {TOKEN}x"},
                   {"Authorization": f"Bearer {TOKEN[:-1]}"}, {"Authorization": TOKEN},
                   {"Authorization": f"Basic {TOKEN}"}, {"Authorization": "Bearer "}]
        for headers in refused:
            for message in ("你好", ""):  # an empty message (a poll of the outbox) too
                status, body = await post(base, headers, message)
                assert status == 401, (headers, status, body)
                assert "Bearer" in body["error"] and TOKEN not in str(body)
        status, body = await post(base, {"Authorization": f"Bearer {TOKEN}"})
        assert status == 200 and body == [{"recipient_id": "shop-user-1", "text": "收到：你好"}]
        status, body = await post(base, {"Authorization": f"bearer  {TOKEN} "})
        assert status == 200, body


async def test_without_kefu_rest_token_the_webhook_is_open(environment):
    channel = KefuRestInput.from_credentials(None)
    async with serving(channel, scripted_bot, "/webhooks/rest") as base:
        status, body = await post(base, {})
        assert status == 200 and body == [{"recipient_id": "shop-user-1", "text": "收到：你好"}]
