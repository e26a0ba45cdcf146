"""What a WeChat push must pass: safe mode when it is required, and a signed query good for one
body only (the replay cache, in the process or shared through the real Redis), and the MsgId
de-duplication bound to the follower. Served in-process with the channel's real blueprint."""

from __future__ import annotations

import base64
import socket
import time
import urllib.parse
import uuid

import httpx
import pytest

from bot.channels.wechat import WeChatInput
from bot.channels.wechat_crypto import MAX_CLOCK_SKEW, WeChatCipher, sign
from bot.channels.wechat_replay import ReplayCache
from tests.unit.bot.channels.conftest import serving
from tests.unit.bot.channels.test_wechat_channel import ScriptedBot, push

TOKEN = "unit_wechat_token"
AES_KEY = base64.b64encode(b"u" * 32).decode().rstrip("=")
REDIS = "redis://127.0.0.1:6379/13"


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def query(**extra: str) -> dict[str, str]:
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
    return {"signature": sign(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce, **extra}


def url_with(base: str, params: dict[str, str]) -> str:
    return f"{base}/webhook?{urllib.parse.urlencode(params)}"


# -- the replay cache -----------------------------------------------------------
async def test_a_query_is_good_for_one_body_and_its_retries():
    cache = ReplayCache()
    now = time.time()
    stamp = str(int(now))
    assert await cache.admit(stamp, "n1", "sig", b"<xml>first</xml>", now=now)
    assert await cache.admit(stamp, "n1", "sig", b"<xml>first</xml>", now=now)  # WeChat's retry
    assert not await cache.admit(stamp, "n1", "sig", b"<xml>other</xml>", now=now)
    assert not await cache.admit(stamp, "n1", "SIG ", b"<xml>other</xml>", now=now)  # checked case-blind
    assert await cache.admit(stamp, "n2", "sig", b"<xml>other</xml>", now=now)  # another query


async def test_a_query_is_remembered_as_long_as_its_timestamp_passes_the_clock_check():
    cache = ReplayCache()
    now = time.time()
    future = str(int(now) + MAX_CLOCK_SKEW)  # the latest timestamp the check lets through
    assert await cache.admit(future, "n", "s", b"a", now=now)
    assert not await cache.admit(future, "n", "s", b"b", now=now + 2 * MAX_CLOCK_SKEW - 5)


@pytest.mark.skipif(not redis_up(), reason="no Redis on 127.0.0.1:6379")
async def test_replicas_share_the_queries_through_redis():
    first, second = ReplayCache(REDIS), ReplayCache(REDIS)
    stamp, nonce = str(int(time.time())), uuid.uuid4().hex
    try:
        assert await first.admit(stamp, nonce, "sig", b"body one")
        assert not await second.admit(stamp, nonce, "sig", b"body two")  # replayed on another replica
        assert await second.admit(stamp, nonce, "sig", b"body one")  # a retry, wherever it lands
        from redis import asyncio as aioredis

        client = aioredis.from_url(REDIS)
        from bot.channels.wechat_replay import REDIS_PREFIX, query_key

        ttl = await client.ttl(REDIS_PREFIX + query_key(stamp, nonce, "sig"))
        await client.close()
        assert 0 < ttl <= 2 * MAX_CLOCK_SKEW + 1  # forgotten once the query is too old anyway
    finally:
        await first.close()
        await second.close()


async def test_without_redis_the_process_still_remembers():
    cache = ReplayCache("redis://127.0.0.1:1/0")  # nothing listens there
    stamp = str(int(time.time()))
    assert await cache.admit(stamp, "n", "sig", b"one")
    assert not await cache.admit(stamp, "n", "sig", b"two")
    await cache.close()


# -- the channel ------------------------------------------------------------------
def channel(fake, **options) -> WeChatInput:
    return WeChatInput(token=TOKEN, app_id=fake.app_id, app_secret=fake.app_secret, api_url=fake.base_url,
                       reply_timeout=2.0, **options)


async def test_plaintext_pushes_are_refused_where_safe_mode_is_required(fake_wechat_api):
    bot = ScriptedBot(delay=0)
    wechat = channel(fake_wechat_api, encoding_aes_key=AES_KEY)  # required by default with a key
    assert wechat.require_encryption
    cipher = WeChatCipher(AES_KEY, fake_wechat_api.app_id)
    async with serving(wechat, bot, "/webhooks/wechat") as url, httpx.AsyncClient() as http:
        plain = await http.post(url_with(url, query()), content=push("oPlain", "你好", 11))
        assert plain.status_code == 403 and "echo" not in plain.text
        # encrypt_type=aes without an Encrypt element: refused too
        fake = await http.post(url_with(url, query(encrypt_type="aes", msg_signature="0" * 40)),
                               content=push("oPlain", "你好", 12))
        assert fake.status_code == 400
        params = query(encrypt_type="aes")
        encrypt = cipher.encrypt(push("oSafe", "你好", 13).decode())
        params["msg_signature"] = sign(TOKEN, params["timestamp"], params["nonce"], encrypt)
        sealed = await http.post(url_with(url, params), content=f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>")
        assert sealed.status_code == 200 and "Encrypt" in sealed.text
    assert bot.heard == ["你好"]  # the encrypted one only


async def test_safe_mode_can_be_made_optional_and_needs_a_key_to_be_required(fake_wechat_api):
    assert not channel(fake_wechat_api, encoding_aes_key=AES_KEY, require_encryption=False).require_encryption
    assert not channel(fake_wechat_api).require_encryption
    with pytest.raises(ValueError, match="WECHAT_ENCODING_AES_KEY"):
        channel(fake_wechat_api, require_encryption=True)


async def test_a_signed_query_replayed_with_another_body_is_refused(fake_wechat_api):
    bot = ScriptedBot(delay=0)
    async with serving(channel(fake_wechat_api), bot, "/webhooks/wechat") as url, httpx.AsyncClient() as http:
        params = query()
        first = await http.post(url_with(url, params), content=push("oVictim", "你好", 21))
        retry = await http.post(url_with(url, params), content=push("oVictim", "你好", 21))
        forged = await http.post(url_with(url, params), content=push("oVictim", "取消订单", 22))
    assert first.status_code == retry.status_code == 200 and first.text == retry.text
    assert forged.status_code == 403 and "echo" not in forged.text
    assert bot.heard == ["你好"]


async def test_another_followers_push_with_the_same_msgid_gets_its_own_answer(fake_wechat_api):
    bot = ScriptedBot(delay=0)
    async with serving(channel(fake_wechat_api), bot, "/webhooks/wechat") as url, httpx.AsyncClient() as http:
        victim = await http.post(url_with(url, query()), content=push("oVictim", "我的订单", 31))
        stranger = await http.post(url_with(url, query()), content=push("oStranger", "你好", 31))
    assert "echo: 我的订单" in victim.text
    assert "echo: 你好" in stranger.text and "我的订单" not in stranger.text
    assert bot.heard == ["我的订单", "你好"]
