"""WeChat in plaintext mode (no EncodingAESKey), where the signature covers no body: one signed
query captured anywhere (a proxy's access log, a request on the wire) must not let anyone post
other messages with it, as the same follower or another, on any replica. Two Rasa replicas share
the replay cache through Redis."""

from __future__ import annotations

import socket
import time

import pytest

from tests.channels.conftest import (
    WECHAT_APP_ID,
    WECHAT_APP_SECRET,
    WECHAT_TOKEN,
    WeChatSide,
    new_openid,
    reply_fields,
    user_texts,
    wechat_text,
)
from tests.stack import Stack, make_stack

pytestmark = pytest.mark.stack


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def plaintext_stack(tmp_path_factory, trained_model, fake_wechat) -> Stack:
    if not _redis_up():
        pytest.skip("no Redis on 127.0.0.1:6379")
    running = make_stack(tmp_path_factory.mktemp("wechat-plaintext"), replicas=2, env={
        "WECHAT_TOKEN": WECHAT_TOKEN,
        "WECHAT_APP_ID": WECHAT_APP_ID,
        "WECHAT_APP_SECRET": WECHAT_APP_SECRET,
        "WECHAT_API_URL": fake_wechat.base_url,
        "REDIS_URL": "redis://127.0.0.1:6379/14",
        "HANDOFF_SERVICE_HOURS": "00:00-24:00",
    })
    running.start()
    yield running
    running.stop()


@pytest.fixture
def replicas(plaintext_stack) -> tuple[WeChatSide, WeChatSide]:
    """WeChat's side posting to the first and to the second replica."""
    return WeChatSide(plaintext_stack), WeChatSide(plaintext_stack, port=plaintext_stack.bot_port + 1)


def test_a_signed_query_replayed_with_another_body_is_refused_on_every_replica(plaintext_stack, replicas):
    first, second = replicas
    victim = new_openid()
    query = first.query()
    status, body, _ = first.post(wechat_text(victim, "你好"), query=query)
    assert status == 200 and "明镜商城" in reply_fields(body)["Content"]  # plaintext is accepted here
    for side in (first, second):
        for forged in (wechat_text(victim, "取消订单"), wechat_text(new_openid(), "我的订单到哪了")):
            status, body, _ = side.post(forged, query=query)
            assert status == 403 and "明镜" not in body, (side.url, status, body)
    time.sleep(1)
    assert user_texts(plaintext_stack, f"wx:{victim}") == ["你好"]


def test_the_same_query_with_the_same_body_is_a_retry_answered_once(plaintext_stack, replicas):
    first, _second = replicas
    openid = new_openid()
    xml, query = wechat_text(openid, "运费怎么算"), first.query()
    answers = [first.post(xml, query=query) for _ in range(2)]
    assert [status for status, _body, _ in answers] == [200, 200]
    assert reply_fields(answers[0][1])["Content"] == reply_fields(answers[1][1])["Content"]
    assert "运费" in reply_fields(answers[0][1])["Content"]
    assert user_texts(plaintext_stack, f"wx:{openid}") == ["运费怎么算"]


def test_fresh_queries_keep_working(plaintext_stack, replicas):
    openid = new_openid()
    for side, text in zip(replicas, ("你好", "退款一般几天到账")):
        status, body, _ = side.post(wechat_text(openid, text), query=side.query())
        assert status == 200 and reply_fields(body)["Content"]
    assert user_texts(plaintext_stack, f"wx:{openid}") == ["你好", "退款一般几天到账"]
