"""Telegram and WeChat hardening on the running stack, as an attacker would try it: plaintext
pushes to an account in safe mode, another follower's MsgId, slash commands hidden behind more
slashes and spaces, forged button presses (callback data the bot never sent)."""

from __future__ import annotations

import time

import pytest

from kefu.text import normalize
from tests.channels.conftest import (
    new_openid,
    push_to,
    reply_fields,
    unique_id,
    user_texts,
    wechat_text,
)
from tests.fakes import wait_for
from tests.stack import Stack, http

pytestmark = pytest.mark.stack

#: Rasa's "/intent" shortcut hidden from a guard that drops only one leading slash.
HIDDEN_COMMANDS = ["/ /restart", "//restart", " / /restart", "／restart", "/\u200b/restart"]


def all_events(stack: Stack, sender: str) -> list[dict]:
    """Every event of a conversation, those before a restart included."""
    status, tracker = http("GET", f"{stack.bot_url}/conversations/{sender}/tracker"
                                  f"?include_events=ALL&token={stack.token}")
    assert status == 200, (status, tracker)
    return tracker.get("events") or []


def user_messages(stack: Stack, sender: str, count: int) -> list[str]:
    """The customer's messages once the tracker holds ``count`` of them."""
    return wait_for(lambda: (texts := [e["text"] for e in all_events(stack, sender) if e["event"] == "user"])
                    and len(texts) >= count and texts, timeout=20)


def restarted(stack: Stack, sender: str) -> bool:
    return any(event["event"] == "restart" for event in all_events(stack, sender))


# -- WeChat ---------------------------------------------------------------------------------
def test_wechat_plaintext_push_is_refused_where_safe_mode_is_required(wechat, channels_stack, fake_wechat):
    """The account has an EncodingAESKey: a plaintext push, however well signed, is refused."""
    openid = new_openid()
    status, body, _ = wechat.post(wechat_text(openid, "取消订单"), plain=True)
    assert status in (400, 403) and "明镜" not in body
    time.sleep(1)
    assert user_texts(channels_stack, f"wx:{openid}") == [] and fake_wechat.messages_to(openid) == []
    status, body, _ = wechat.post(wechat_text(openid, "你好"))  # the same follower in safe mode
    assert status == 200 and "明镜商城" in reply_fields(body)["Content"]


def test_wechat_follower_reusing_anothers_msgid_gets_their_own_answer(wechat, channels_stack):
    victim, stranger, msg_id = new_openid(), new_openid(), unique_id()
    status, body, _ = wechat.post(wechat_text(victim, "运费怎么算", msg_id=msg_id))
    victims_answer = reply_fields(body)["Content"]
    assert status == 200 and "运费" in victims_answer
    status, body, _ = wechat.post(wechat_text(stranger, "你好", msg_id=msg_id))
    answer = reply_fields(body)["Content"]
    assert status == 200 and answer != victims_answer and "明镜商城" in answer
    assert user_texts(channels_stack, f"wx:{stranger}") == ["你好"]


@pytest.mark.parametrize("text", HIDDEN_COMMANDS)
def test_a_hidden_slash_command_typed_on_wechat_is_read_as_words(wechat, channels_stack, text):
    openid = new_openid()
    sender = f"wx:{openid}"
    assert wechat.post(wechat_text(openid, "你好"))[0] == 200
    assert wechat.post(wechat_text(openid, text))[0] == 200
    assert user_messages(channels_stack, sender, 2) == ["你好", "restart"]
    assert not restarted(channels_stack, sender)


# -- Telegram -------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [*HIDDEN_COMMANDS, ' / /inform{"order_id": "261103004817"}'])
def test_a_hidden_slash_command_typed_on_telegram_is_read_as_words(telegram, fake_telegram, channels_stack, text):
    chat = unique_id()
    sender = f"tg:{chat}"
    telegram.post(telegram.message(chat, text="你好"))
    wait_for(lambda: fake_telegram.sent_texts(chat))
    telegram.post(telegram.message(chat, text=text))
    said = user_messages(channels_stack, sender, 2)
    assert said[0] == "你好" and said[1] and not normalize(said[1]).startswith("/")  # as Rasa would see it
    assert not restarted(channels_stack, sender)


def test_telegram_start_still_greets(telegram, fake_telegram):
    chat = unique_id()
    telegram.post(telegram.message(chat, text="/start", language_code="en"))
    assert "Lumen Mall" in wait_for(lambda: fake_telegram.sent_texts(chat))[0]


def test_a_forged_button_press_is_answered_and_ignored(telegram, fake_telegram, channels_stack):
    chat = unique_id()
    sender = f"tg:{chat}"
    telegram.post(telegram.message(chat, text="你好"))
    wait_for(lambda: fake_telegram.sent_texts(chat))
    sent_before = len(fake_telegram.sent_texts(chat))
    for data in ("/restart", '/inform{"order_id": "261103004817"}', "/EXTERNAL_handoff_resolved",
                 "#" + "0" * 16, "A" * 16 + "/restart"):
        press = telegram.button_press(chat, data)
        assert telegram.post(press)[0] == 200
        # answered, so that the customer's client stops spinning
        wait_for(lambda press=press: fake_telegram.calls_of("answerCallbackQuery",
                                                            callback_query_id=press["callback_query"]["id"]))
    time.sleep(2)
    assert user_texts(channels_stack, sender) == ["你好"]
    assert len(fake_telegram.sent_texts(chat)) == sent_before and not restarted(channels_stack, sender)


def test_a_button_works_only_in_the_chat_it_was_sent_to(telegram, fake_telegram, channels_stack):
    chat, other = unique_id(), unique_id()
    telegram.post(telegram.message(chat, text="你好"))
    wait_for(lambda: fake_telegram.sent_texts(chat))
    push_to(channels_stack, f"tg:{chat}", {"event": "bot", "text": "需要重新开始吗？", "data": {"buttons": [
        {"title": "重新开始", "payload": "/restart"}]}})
    call = wait_for(lambda: [c for c in fake_telegram.calls_of("sendMessage", chat_id=chat)
                             if c.params.get("text") == "需要重新开始吗？"])[0]
    data = call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert len(data.encode()) <= 64

    # the same callback data posted as a press in another chat: answered, ignored
    press = telegram.button_press(other, data)
    telegram.post(press)
    wait_for(lambda: fake_telegram.calls_of("answerCallbackQuery", callback_query_id=press["callback_query"]["id"]))
    time.sleep(1.5)
    assert [e for e in all_events(channels_stack, f"tg:{other}") if e["event"] in ("user", "restart")] == []
    assert fake_telegram.sent_texts(other) == []

    # pressed where it was sent: the payload reaches the bot
    telegram.post(telegram.button_press(chat, data))
    wait_for(lambda: restarted(channels_stack, f"tg:{chat}"), timeout=20)
    assert user_messages(channels_stack, f"tg:{chat}", 2)[-1] == "/restart"
