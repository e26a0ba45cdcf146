"""A stack started with ``KEFU_STOCK_RASA=on``: stock Rasa 3.6.21, none of Kefu's patches of its
internals installed. Everything a shopper and an agent do still works (only more slowly), and the
defences that are not patches hold: credentials never stored, bad input answered 400, not 500.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from faq.loader import load_catalogue
from kefu.settings import ROOT
from tests.conversations.handoffs import new_sender, queue_entry, wait_in_transcript
from tests.security import test_data_at_rest
from tests.stack import Stack, http, make_stack

pytestmark = pytest.mark.stack

FAQ = {faq.id: faq for faq in load_catalogue(ROOT / "faq" / "content")[0].faqs}


@pytest.fixture(scope="module")
def stock_stack(tmp_path_factory, trained_model) -> Stack:
    """The one stack of its own this needs: the switch must be on in the Rasa server."""
    running = make_stack(tmp_path_factory.mktemp("stock-stack"),
                         env={"HANDOFF_SERVICE_HOURS": "00:00-24:00", "KEFU_STOCK_RASA": "on"})
    running.start()
    yield running
    running.stop()


def test_the_rasa_server_runs_stock_rasa(stock_stack):
    log = stock_stack.log()
    assert "KEFU_STOCK_RASA is on: serving with stock Rasa 3.6.21, none of Kefu's patches installed" in log
    assert "with Kefu's patches:" not in log
    [server] = stock_stack.children("bot.server")
    # the real TensorFlow is loaded (the patched server stands in for it): its libraries are mapped
    assert "tensorflow" in Path(f"/proc/{server}/maps").read_text()


def test_a_conversation_in_both_languages_and_scripts(stock_stack):
    shopper = new_sender("stock")
    assert "明镜商城" in stock_stack.say(shopper, "你好")
    assert stock_stack.say(shopper, "运费怎么算") == FAQ["shipping_fee"].answer_zh
    assert "運費" in stock_stack.say(new_sender("stock"), "運費怎麼算")
    assert stock_stack.say(new_sender("stock"), "how much is shipping") == FAQ["shipping_fee"].answer_en


def test_an_order_lookup(stock_stack):
    shopper = new_sender("stock")
    first = stock_stack.say(shopper, "我的订单到哪了")
    assert "运输中" not in first
    assert "手机号" in stock_stack.say(shopper, "261103004817")
    reply = stock_stack.say(shopper, "8123")
    assert "运输中" in reply and "SF9296037519664" in reply


def test_a_handoff_from_request_to_rating(stock_stack):
    agent = stock_stack.login("agent")
    shopper = new_sender("stock")
    assert "正在为您转接人工客服" in stock_stack.say(shopper, "转人工")
    entry = queue_entry(stock_stack, agent, shopper)
    assert stock_stack.send(shopper, "我的快递一直没到") == []  # the bot is quiet while a human is awaited
    wait_in_transcript(stock_stack, agent, entry["id"], ("customer", "我的快递一直没到"))
    assert stock_stack.api("POST", f"/api/handoffs/{entry['id']}/claim", token=agent)[0] == 200
    assert stock_stack.api("POST", f"/api/handoffs/{entry['id']}/messages", {"text": "您好，我是小林"},
                           token=agent)[0] == 201
    assert [r["text"] for r in stock_stack.send(shopper, "在吗")] == ["您好，我是小林"]
    assert stock_stack.api("POST", f"/api/handoffs/{entry['id']}/resolve", token=agent)[0] == 200
    replies = [r["text"] for r in stock_stack.send(shopper, "")]
    assert replies[-1] == "请为本次人工服务打分：1–5 分（5 分为非常满意），直接回复数字即可。"
    assert stock_stack.say(shopper, "5") == "感谢您的评价（5 分）！还有其他可以帮您的吗？"


def test_a_signed_in_shoppers_token_is_used_but_never_stored(stock_stack):
    test_data_at_rest.test_a_signed_in_shoppers_token_is_used_but_never_stored(stock_stack)


def test_bad_input_is_a_400_not_a_500(stock_stack):
    status, body = http("POST", f"{stock_stack.bot_url}/model/parse?token={stock_stack.token}", raw=b'{"text": ')
    assert status == 400 and body["status"] == "failure", body
    status, _ = http("POST", f"{stock_stack.bot_url}/webhooks/rest/webhook", {"sender": "s", "message": ["x"]})
    assert status == 400
