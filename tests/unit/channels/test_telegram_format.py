"""Telegram sender ids, typed commands, long texts and inline keyboards."""

from __future__ import annotations

import json

import pytest

from bot.channels.telegram_format import CallbackPayloads, chat_id, sender_id, split_text, user_text


def test_sender_ids_are_namespaced():
    assert sender_id(12345) == "tg:12345"
    assert chat_id("tg:12345") == 12345
    assert chat_id("tg:-1001234") == -1001234
    assert chat_id("12345") is None and chat_id("wx:o123") is None and chat_id("tg:abc") is None


@pytest.mark.parametrize("text, language_code, expected", [
    ("/start", "en-US", '/greet{"language": "en"}'),
    ("/start", "zh-hans", '/greet{"language": "zh-Hans"}'),
    ("/start@KefuBot ref123", None, '/greet{"language": "zh-Hans"}'),
    ("/help", "en", '/greet{"language": "en"}'),
    ('/order_status{"order_id": "1"}', "en", 'order_status{"order_id": "1"}'),
    ("//", "en", "//"),
    ("运费怎么算", "zh", "运费怎么算"),
    ("  spaced  ", "en", "  spaced  "),
])
def test_typed_text(text, language_code, expected):
    assert user_text(text, language_code) == expected


def test_greeting_payload_is_valid_json():
    payload = user_text("/start", "en")
    assert json.loads(payload[len("/greet"):]) == {"language": "en"}


def test_long_texts_are_split_at_line_breaks():
    text = "\n".join(["一" * 100] * 100)  # 10 099 characters
    pieces = split_text(text, 4096)
    assert all(len(p) <= 4096 for p in pieces) and len(pieces) == 3
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")
    assert split_text("x" * 5000, 4096) == ["x" * 4096, "x" * 904]
    assert split_text("short") == ["short"]
    assert split_text("") == [""]


def test_callback_payloads_fit_telegrams_64_bytes():
    payloads = CallbackPayloads(capacity=2)
    assert payloads.data_for("/greet") == "/greet"
    long = '/inform{"comment": "' + "很" * 40 + '"}'
    key = payloads.data_for(long)
    assert len(key.encode()) <= 64 and payloads.payload_for(key) == long
    assert payloads.payload_for("/greet") == "/greet"
    assert payloads.payload_for("#unknown") is None and payloads.payload_for(None) is None
    # a payload that looks like one of our keys is stored too, so it cannot be confused
    assert payloads.payload_for(payloads.data_for("#abc")) == "#abc"


def test_keyboard_layout():
    payloads = CallbackPayloads()
    rating = payloads.keyboard([{"title": str(i), "payload": f"/rate{{\"score\": {i}}}"} for i in range(1, 6)])
    assert [len(row) for row in rating.inline_keyboard] == [5]
    choices = payloads.keyboard([{"title": "查询订单状态", "payload": "/a"}, {"title": "申请退货退款", "payload": "/b"},
                                 {"title": "转人工客服", "payload": "/c"}])
    assert [len(row) for row in choices.inline_keyboard] == [2, 1]
    long = payloads.keyboard([{"title": "I would like to talk to a human agent please", "payload": "/h"},
                              {"title": "No thanks", "payload": "/n"}])
    assert [len(row) for row in long.inline_keyboard] == [1, 1]
    link = payloads.keyboard([{"title": "Track", "type": "web_url", "url": "https://example.com/t"}])
    assert link.inline_keyboard[0][0].url == "https://example.com/t"
