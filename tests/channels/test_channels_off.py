"""Without Telegram/WeChat variables those channels are simply off and nothing else fails."""

from __future__ import annotations

import pytest

from tests.stack import http

pytestmark = pytest.mark.stack


def test_unconfigured_channels_are_off_and_the_rest_works(stack):
    status, _ = http("POST", f"{stack.bot_url}/webhooks/telegram/webhook", {"update_id": 1},
                     headers={"X-Telegram-Bot-Api-Secret-Token": "x"})
    assert status == 404
    status, _ = http("GET", f"{stack.bot_url}/webhooks/wechat/webhook?signature=x&timestamp=1&nonce=1&echostr=e")
    assert status == 404
    assert http("GET", f"{stack.bot_url}/webhooks/socketio/")[0] == 200
    assert "明镜商城" in stack.say("off-test-1", "你好")
    assert "Telegram: off" in stack.log() and "WeChat: off" in stack.log()
