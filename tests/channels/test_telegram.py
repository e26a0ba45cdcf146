"""Telegram customers chatting with the running stack: updates posted to the webhook as Telegram
posts them, replies observed on a fake Bot API that the real python-telegram-bot client calls."""

from __future__ import annotations

import time

import pytest

from tests.channels.conftest import push_to, unique_id, user_events, user_texts
from tests.fakes import wait_for

pytestmark = pytest.mark.stack


def test_text_message_gets_the_bots_reply_in_the_chat(telegram, fake_telegram):
    chat = unique_id()
    status, _body, elapsed = telegram.post(telegram.message(chat, text="你好"))
    assert status == 200 and elapsed < 2
    replies = wait_for(lambda: fake_telegram.sent_texts(chat))
    assert "明镜商城" in replies[0]


def test_english_user_gets_english(telegram, fake_telegram):
    chat = unique_id()
    telegram.post(telegram.message(chat, text="How long does a refund take?", language_code="en"))
    reply = wait_for(lambda: fake_telegram.sent_texts(chat))[0]
    assert "refund" in reply.lower() and not any("\u4e00" <= c <= "\u9fff" for c in reply)


def test_start_command_greets_in_the_users_language(telegram, fake_telegram, channels_stack):
    chat = unique_id()
    telegram.post(telegram.message(chat, text="/start", language_code="en-US"))
    assert "Lumen Mall" in wait_for(lambda: fake_telegram.sent_texts(chat))[0]


@pytest.mark.parametrize("secret", [None, "forged-secret", ""], ids=["missing", "forged", "empty"])
def test_missing_or_forged_secret_is_refused_and_nothing_happens(telegram, fake_telegram, channels_stack, secret):
    chat = unique_id()
    status, _body, _elapsed = telegram.post(telegram.message(chat, text="你好"), secret=secret)
    assert status == 403
    time.sleep(1.5)
    assert fake_telegram.calls_of("sendMessage", chat_id=chat) == []
    assert user_texts(channels_stack, f"tg:{chat}") == []


def test_an_update_delivered_twice_is_answered_once(telegram, fake_telegram, channels_stack):
    chat = unique_id()
    update = telegram.message(chat, text="运费怎么算")
    assert telegram.post(update)[0] == 200
    assert telegram.post(update)[0] == 200
    wait_for(lambda: fake_telegram.sent_texts(chat))
    user_events(channels_stack, f"tg:{chat}", 1)
    time.sleep(1.5)
    assert len(fake_telegram.sent_texts(chat)) == 1
    assert user_texts(channels_stack, f"tg:{chat}") == ["运费怎么算"]


@pytest.mark.parametrize(
    "content, language_code, expected",
    [
        ({"sticker": {"file_id": "s1", "file_unique_id": "u1", "width": 512, "height": 512, "is_animated": False,
                      "is_video": False, "type": "regular", "emoji": "😀"}}, "zh-hans", "文字"),
        ({"photo": [{"file_id": "p1", "file_unique_id": "pu1", "width": 90, "height": 90}]}, "en", "text"),
        ({"voice": {"file_id": "v1", "file_unique_id": "vu1", "duration": 3}}, "zh-hans", "文字"),
        ({"location": {"latitude": 31.23, "longitude": 121.47}}, "en", "text"),
    ],
    ids=["sticker", "photo", "voice", "location"],
)
def test_non_text_gets_a_polite_text_please(telegram, fake_telegram, content, language_code, expected):
    chat = unique_id()
    status, _body, _elapsed = telegram.post(telegram.message(chat, language_code=language_code, **content))
    assert status == 200
    reply = wait_for(lambda: fake_telegram.sent_texts(chat))[0]
    assert expected in reply and "error" not in reply.lower()


def test_text_please_follows_the_conversations_language(telegram, fake_telegram):
    chat = unique_id()
    telegram.post(telegram.message(chat, text="hello there", language_code="zh-hans"))
    wait_for(lambda: fake_telegram.sent_texts(chat))
    telegram.post(telegram.message(chat, language_code="zh-hans",
                                   sticker={"file_id": "s", "file_unique_id": "u", "width": 1, "height": 1,
                                            "is_animated": False, "is_video": False, "type": "regular"}))
    reply = wait_for(lambda: fake_telegram.sent_texts(chat)[1:])[0]
    assert "text" in reply and "文字" not in reply


def test_bot_buttons_become_an_inline_keyboard_and_a_press_is_the_payload(telegram, fake_telegram, channels_stack):
    chat = unique_id()
    telegram.post(telegram.message(chat, text="你好"))
    wait_for(lambda: fake_telegram.sent_texts(chat))
    long_payload = '/inform{"note": "' + "x" * 80 + '"}'
    push_to(channels_stack, f"tg:{chat}", {"event": "bot", "text": "请为本次服务评分", "data": {"buttons": [
        {"title": "很满意", "payload": "/greet"}, {"title": "一般", "payload": long_payload}]}})
    call = wait_for(lambda: [c for c in fake_telegram.calls_of("sendMessage", chat_id=chat)
                             if c.params.get("text") == "请为本次服务评分"])[0]
    keyboard = call.params["reply_markup"]["inline_keyboard"]
    buttons = [button for row in keyboard for button in row]
    assert [b["text"] for b in buttons] == ["很满意", "一般"]
    # the payload travels with a tag only the bot can make (tests/security/test_channels_security.py)
    assert buttons[0]["callback_data"].endswith("/greet") and buttons[0]["callback_data"] != "/greet"
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)

    before = len(fake_telegram.sent_texts(chat))
    telegram.post(telegram.button_press(chat, buttons[0]["callback_data"]))
    assert wait_for(lambda: fake_telegram.calls_of("answerCallbackQuery"))
    reply = wait_for(lambda: fake_telegram.sent_texts(chat)[before:])[0]
    assert "明镜商城" in reply  # /greet answered with the greeting
    assert user_events(channels_stack, f"tg:{chat}", 2)[-1]["text"] == "/greet"


def test_bot_api_failing_then_recovering_still_delivers_the_reply(telegram, fake_telegram):
    chat = unique_id()
    fake_telegram.fail_next("sendMessage", 500, 502)
    status, _body, elapsed = telegram.post(telegram.message(chat, text="能开发票吗"))
    assert status == 200 and elapsed < 2  # Telegram is answered at once, whatever the Bot API does
    reply = wait_for(lambda: fake_telegram.sent_texts(chat), timeout=20)
    assert "发票" in reply[0]
    attempts = fake_telegram.calls_of("sendMessage", chat_id=chat)
    assert [c.status for c in attempts] == [500, 502, 200]
    assert attempts[1].at - attempts[0].at >= 0.4  # a pause before retrying


def test_webhook_answers_in_time_while_the_bot_api_is_down(telegram, fake_telegram):
    chat = unique_id()
    fake_telegram.fail_next("sendMessage", 500, 500, 500)
    started = time.monotonic()
    for text in ("你好", "运费怎么算"):
        status, _body, elapsed = telegram.post(telegram.message(chat, text=text))
        assert status == 200 and elapsed < 1
    assert time.monotonic() - started < 2
    assert len(wait_for(lambda: fake_telegram.sent_texts(chat)[1:], timeout=30)) == 1


def test_agent_message_pushed_through_rasas_api_reaches_the_chat(telegram, fake_telegram, channels_stack):
    chat = unique_id()
    telegram.post(telegram.message(chat, text="我要投诉"))
    wait_for(lambda: fake_telegram.sent_texts(chat))
    push_to(channels_stack, f"tg:{chat}", {"event": "bot", "text": "您好，我是客服小林，马上为您处理。",
                                          "metadata": {"agent": "小林"}})
    texts = wait_for(lambda: [t for t in fake_telegram.sent_texts(chat) if "马上为您处理" in t])
    assert texts == ["小林：您好，我是客服小林，马上为您处理。"]


def test_malformed_body_is_refused(channels_stack):
    from tests.channels.conftest import TELEGRAM_SECRET
    from tests.stack import http

    status, _ = http("POST", f"{channels_stack.bot_url}/webhooks/telegram/webhook", raw=b"{not json",
                     headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
    assert status == 400
