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


KEY = b"k" * 32
CHAT = 123456789


def test_callback_payloads_fit_telegrams_64_bytes():
    payloads = CallbackPayloads(KEY, capacity=2)
    short = payloads.data_for(CHAT, "/greet")
    assert short.endswith("/greet") and len(short.encode()) <= 64
    assert payloads.payload_for(CHAT, short) == "/greet"
    fits = '/inform{"order_id": "261120000612"}'  # the order buttons: 35 bytes
    assert payloads.payload_for(CHAT, payloads.data_for(CHAT, fits)) == fits
    assert len(payloads.data_for(CHAT, "x" * 48).encode()) == 64
    long = '/inform{"comment": "' + "很" * 40 + '"}'
    key = payloads.data_for(CHAT, long)
    assert key.startswith("#") and len(key.encode()) <= 64 and payloads.payload_for(CHAT, key) == long
    assert payloads.payload_for(CHAT, "#unknown") is None and payloads.payload_for(CHAT, None) is None
    # a payload that looks like one of the long keys is tagged like any other
    assert payloads.payload_for(CHAT, payloads.data_for(CHAT, "#abc")) == "#abc"


@pytest.mark.parametrize("data", [
    "/greet",  # what the bot used to send, or anyone can type
    '/inform{"order_id": "261103004817"}',
    "A" * 16 + "/restart",  # the shape of a tagged payload, with a made-up tag
    "#" + "A" * 16,
    "",
])
def test_callback_data_the_bot_did_not_send_is_refused(data):
    assert CallbackPayloads(KEY).payload_for(CHAT, data) is None


def test_a_button_is_good_in_its_own_chat_only_and_on_every_replica():
    first, replica, other_key = CallbackPayloads(KEY), CallbackPayloads(KEY), CallbackPayloads(b"o" * 32)
    data = first.data_for(CHAT, "/restart")
    assert replica.payload_for(CHAT, data) == "/restart"  # a replica that did not send it checks it
    assert first.payload_for(CHAT + 1, data) is None  # pressed (or replayed) in another chat
    assert other_key.payload_for(CHAT, data) is None
    # the tag covers the payload: swapping the payload behind a good tag is refused
    assert first.payload_for(CHAT, data[:16] + "/inform{\"order_id\": 1}") is None
    long = "/inform{\"note\": \"" + "x" * 80 + "\"}"
    key = first.data_for(CHAT, long)
    assert first.payload_for(CHAT, key) == long and first.payload_for(CHAT + 1, key) is None
    assert replica.payload_for(CHAT, key) is None  # remembered by the process that sent it only


def test_keyboard_layout():
    payloads = CallbackPayloads(KEY)
    rating = payloads.keyboard(CHAT, [{"title": str(i), "payload": f"/rate{{\"score\": {i}}}"} for i in range(1, 6)])
    assert [len(row) for row in rating.inline_keyboard] == [5]
    choices = payloads.keyboard(CHAT, [{"title": "查询订单状态", "payload": "/a"}, {"title": "申请退货退款", "payload": "/b"},
                                 {"title": "转人工客服", "payload": "/c"}])
    assert [len(row) for row in choices.inline_keyboard] == [2, 1]
    long = payloads.keyboard(CHAT, [{"title": "I would like to talk to a human agent please", "payload": "/h"},
                              {"title": "No thanks", "payload": "/n"}])
    assert [len(row) for row in long.inline_keyboard] == [1, 1]
    link = payloads.keyboard(CHAT, [{"title": "Track", "type": "web_url", "url": "https://example.com/t"}])
    assert link.inline_keyboard[0][0].url == "https://example.com/t"
