"""The WeChat API client against a fake WeChat API over real HTTP: token cache, retries, errors."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.channels.common import TransientError
from bot.channels.wechat_api import WeChatApiError, WeChatClient, split_utf8


def client_for(fake) -> WeChatClient:
    return WeChatClient(fake.base_url, fake.app_id, fake.app_secret)


async def test_one_token_shared_by_concurrent_senders(fake_wechat_api):
    client = client_for(fake_wechat_api)
    await asyncio.gather(*(client.send_text(f"o{i}", f"消息 {i}") for i in range(10)))
    await client.send_text("o0", "again")
    assert fake_wechat_api.token_fetches == 1
    assert sorted(fake_wechat_api.messages_to("o3")) == ["消息 3"]
    assert fake_wechat_api.messages_to("o0") == ["消息 0", "again"]
    await client.close()


async def test_a_revoked_token_is_replaced_once(fake_wechat_api):
    client = client_for(fake_wechat_api)
    await client.send_text("o1", "first")
    fake_wechat_api.revoke_tokens()  # e.g. another server fetched a new one
    await asyncio.gather(client.send_text("o1", "second"), client.send_text("o2", "third"))
    assert fake_wechat_api.token_fetches == 2
    assert fake_wechat_api.messages_to("o1") == ["first", "second"] and fake_wechat_api.messages_to("o2") == ["third"]
    await client.close()


async def test_server_errors_and_busy_are_retried(fake_wechat_api):
    client = client_for(fake_wechat_api)
    fake_wechat_api.fail_next("/cgi-bin/token", 503)
    fake_wechat_api.fail_next("/cgi-bin/message/custom/send", 500, {"errcode": -1, "errmsg": "system busy"})
    await client.send_text("o1", "hello")
    assert fake_wechat_api.messages_to("o1") == ["hello"]
    await client.close()


async def test_refusals_are_reported_not_retried(fake_wechat_api):
    client = client_for(fake_wechat_api)
    fake_wechat_api.fail_next("/cgi-bin/message/custom/send", {"errcode": 45015, "errmsg": "response out of time limit"})
    with pytest.raises(WeChatApiError, match="45015"):
        await client.send_text("o1", "too late")
    sends = fake_wechat_api.calls_of("/cgi-bin/message/custom/send")
    assert len(sends) == 1
    await client.close()


async def test_wrong_app_secret_is_reported(fake_wechat_api):
    client = WeChatClient(fake_wechat_api.base_url, fake_wechat_api.app_id, "wrong")
    with pytest.raises(WeChatApiError, match="40125"):
        await client.send_text("o1", "x")
    await client.close()


async def test_unreachable_api_gives_up_after_retries(monkeypatch):
    import bot.channels.wechat_api as module

    original = module.retrying

    async def quick(operation, *, what, delays=None):
        return await original(operation, what=what, delays=(0.01, 0.01))

    monkeypatch.setattr(module, "retrying", quick)
    client = WeChatClient("http://127.0.0.1:9", "wx", "s", timeout=0.5)
    with pytest.raises(TransientError):
        await client.send_text("o1", "x")
    await client.close()


async def test_long_texts_are_split_and_sent_as_utf8(fake_wechat_api):
    client = client_for(fake_wechat_api)
    text = "\n".join(["退货须知" * 50] * 8)  # 8 lines of 600 bytes
    await client.send_text("o9", text)
    sent = fake_wechat_api.messages_to("o9")
    assert len(sent) == 3 and all(len(s.encode()) <= 2000 for s in sent)
    raw = fake_wechat_api.calls_of("/cgi-bin/message/custom/send", touser="o9")[0].params["raw"]
    assert "退货须知".encode() in raw and b"\\u" not in raw
    assert json.loads(raw)["msgtype"] == "text"
    await client.close()


def test_split_utf8():
    assert split_utf8("短") == ["短"]
    assert split_utf8("") == [""]
    pieces = split_utf8("字" * 1000, limit=2000)  # 3000 bytes, no line breaks
    assert [len(p) for p in pieces] == [666, 334] and "".join(pieces) == "字" * 1000
    pieces = split_utf8("a\n" + "字" * 700 + "\nb", limit=2000)
    assert pieces == ["a", "字" * 666, "字" * 34 + "\nb"]


async def test_token_is_renewed_shortly_before_it_expires(fake_wechat_api):
    now = [1000.0]
    client = WeChatClient(fake_wechat_api.base_url, fake_wechat_api.app_id, fake_wechat_api.app_secret,
                          clock=lambda: now[0])
    await client.send_text("o1", "now")
    now[0] += 7200 - 600  # 10 minutes left: still used
    await client.send_text("o1", "later")
    assert fake_wechat_api.token_fetches == 1
    now[0] += 360  # 4 minutes left: renewed
    await client.send_text("o1", "much later")
    assert fake_wechat_api.token_fetches == 2
    assert fake_wechat_api.messages_to("o1") == ["now", "later", "much later"]
    await client.close()
