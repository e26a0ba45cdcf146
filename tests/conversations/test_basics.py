"""Single-turn behaviour through the REST channel of a running stack (trained model, real servers)."""

from __future__ import annotations

import time
import uuid

import pytest

from faq.loader import load_catalogue
from kefu.settings import ROOT
from kefu.text import to_traditional
from tests.stack import http

pytestmark = pytest.mark.stack

CATALOGUE = {faq.id: faq for faq in load_catalogue(ROOT / "faq" / "content")[0].faqs}


def sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def test_greeting_in_chinese_and_english(stack):
    assert "明镜商城" in stack.say(sender(), "你好呀")
    reply = stack.say(sender(), "hello there")
    assert "Lumen Mall" in reply and "明镜" not in reply


def test_greeting_in_traditional_gets_traditional(stack):
    reply = stack.say(sender(), "您好，請問在嗎")
    assert "明鏡商城" in reply and "您好" in reply


@pytest.mark.parametrize(
    "message, faq_id, language",
    [
        ("运费怎么算", "shipping_fee", "zh"),
        ("七天无理由退货怎么规定的", "return_policy", "zh"),
        ("退款一般几天到账啊", "refund_time", "zh"),
        ("能开发票吗", "invoice_request", "zh"),
        ("How long does a refund take?", "refund_time", "en"),
        ("do you ship overseas", "shipping_regions", "en"),
        ("運費怎麼算？", "shipping_fee", "zh-Hant"),
        ("忘記密碼怎麼辦", "password_reset", "zh-Hant"),
    ],
)
def test_faq_answered_with_catalogue_text_in_customers_language(stack, message, faq_id, language):
    faq = CATALOGUE[faq_id]
    expected = {"zh": faq.answer_zh, "en": faq.answer_en, "zh-Hant": to_traditional(faq.answer_zh)}[language]
    assert stack.say(sender(), message) == expected


def test_language_follows_the_latest_message(stack):
    conversation = sender()
    assert stack.say(conversation, "how much is shipping") == CATALOGUE["shipping_fee"].answer_en
    assert stack.say(conversation, "运费多少") == CATALOGUE["shipping_fee"].answer_zh


def test_out_of_scope_is_declined_politely(stack):
    declined = stack.say(sender(), "今天北京天气怎么样")
    assert "回答不了" in declined and "介绍商品" in declined  # what the bot can do: products too
    declined = stack.say(sender(), "tell me a joke about cats")
    assert "can't help with that" in declined and "tell you about our products" in declined


def test_the_greeting_names_product_questions_among_what_the_bot_does(stack):
    assert "介绍商品（详情、库存、尺码、推荐、优惠活动）" in stack.say(sender(), "你好")
    assert "介紹商品" in stack.say(sender(), "哈囉你好")
    assert "tell you about our products" in stack.say(sender(), "hello there")


def test_words_the_training_data_lacks_are_understood_when_they_resemble_its_examples(stack):
    # "thankyou" and "okie" are no words of the training data; their sentence vectors sit next to
    # "thank u" and "ok", so they are judged; nonsense resembles nothing and is asked to be rephrased
    assert stack.parse("thankyou")["intent"]["name"] == "thank"
    assert stack.parse("okie")["intent"]["name"] == "affirm"
    assert "say it another way" in stack.say(sender(), "blorp zinga frumious")


def test_bot_challenge(stack):
    assert "机器人" in stack.say(sender(), "你是机器人吗")
    assert "bot" in stack.say(sender(), "am i talking to a real person?")


def test_parse_api_gives_standard_faq_key_and_needs_token(stack):
    result = stack.parse("退货运费谁出")
    assert result["intent"]["name"] == "faq"
    assert result["response_selector"]["faq"]["response"]["intent_response_key"] == "faq/return_shipping_cost"
    status, _ = http("POST", f"{stack.bot_url}/model/parse?token=wrong", {"text": "hi"})
    assert status == 401
    status, _ = http("POST", f"{stack.bot_url}/model/parse", {"text": "hi"})
    assert status == 401


@pytest.mark.parametrize("message", ["   ", "\u200b\n\t"], ids=["spaces", "invisible"])
def test_blank_message_gets_a_polite_prompt(stack, message):
    reply = stack.say(sender(), message)
    assert "请输入" in reply and "Please type" in reply


def test_an_empty_message_only_fetches_and_is_silent_when_nothing_waits(stack):
    """An empty REST message is how a client fetches agent messages (README): nothing waiting → []."""
    shopper = sender()
    assert stack.send(shopper, "") == []
    assert stack.say(shopper, "你好").startswith("您好")
    assert stack.send(shopper, "") == []  # the greeting was the reply; nothing is left waiting


@pytest.mark.parametrize("payload", ["/get_started", "/greet"])
def test_the_start_payload_of_rasa_webchat_greets(stack, payload):
    assert stack.say(sender(), payload).startswith("您好！我是")


@pytest.mark.parametrize(
    "message",
    ["😀😀😀", "退" * 5000, "你好\x00\x07\x1b[31m", "'; DROP TABLE events; --", "<script>alert(1)</script>"],
    ids=["emoji", "5000-chars", "control-chars", "sql", "html"],
)
def test_odd_messages_get_a_reply_not_an_error(stack, message):
    replies = stack.send(sender(), message)
    assert replies and all(r.get("text") for r in replies)
    assert not any("Traceback" in r["text"] or "Error" in r["text"] for r in replies)


@pytest.mark.parametrize(
    "raw, complaint",
    [
        (b"{not json", "must be JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"message": "hi"}', "'sender' is required"),
        (b'{"sender": "", "message": "hi"}', "'sender' is required"),
        (b'{"sender": "a", "message": 42}', "'message' must be a string"),
    ],
)
def test_malformed_requests_get_a_json_400(stack, raw, complaint):
    status, body = http("POST", f"{stack.bot_url}/webhooks/rest/webhook", raw=raw)
    assert status == 400
    assert complaint in body["error"]


def test_customer_messages_are_not_written_to_the_logs(stack):
    marker = f"我的手机号是13912345678 住在幸福路{uuid.uuid4().hex[:6]}号"
    assert stack.say(sender(), marker)
    time.sleep(1)  # let the processes flush their output
    log = stack.log()
    assert marker not in log and "13912345678" not in log
