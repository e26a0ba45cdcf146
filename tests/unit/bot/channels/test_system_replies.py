"""What the channels say themselves (floods, blank messages, stickers, failures), in the customer's language."""

from __future__ import annotations

import pytest

from bot.channels.system_replies import REPLIES, reply_language, system_reply, text_please


@pytest.mark.parametrize("conversation, hint, expected", [
    ("en", "zh-hans", "en"),
    ("zh-Hant", None, "zh-Hant"),
    (None, "en-GB", "en"),
    (None, "ru", "en"),
    (None, "zh-TW", "zh-Hant"),
    (None, "zh-hans", "zh-Hans"),
    (None, None, "zh-Hans"),
])
def test_reply_language(conversation, hint, expected):
    assert reply_language(conversation=conversation, hint=hint) == expected


def test_text_please_in_three_scripts():
    assert "文字" in text_please("zh-Hans")
    assert "請用文字" in text_please("zh-Hant") and "请" not in text_please("zh-Hant")
    assert "text" in text_please("en")


@pytest.mark.parametrize("name", sorted(REPLIES))
def test_every_reply_has_three_scripts_and_both_languages_when_none_is_known(name):
    chinese, english = REPLIES[name]
    assert system_reply(name, "zh-Hans") == chinese and system_reply(name, "en") == english
    traditional = system_reply(name, "zh-Hant")
    assert traditional != chinese or chinese == "客服"  # 客服 is written the same way in both scripts
    both = system_reply(name)
    assert both.startswith(chinese) and both.endswith(english)


def test_the_customers_message_chooses_when_the_conversations_language_is_not_known():
    assert system_reply("too_fast", text="你好") == "您发送消息太快了，请稍等片刻再发。"
    assert system_reply("too_fast", text="hello there").startswith("You are sending messages too fast")
    assert "發送" in system_reply("too_fast", text="請問運費怎麼算")
    assert system_reply("too_fast", "en", text="你好").startswith("You are")  # the conversation's wins
    # no words (digits, emoji): Chinese then English, as before
    assert system_reply("too_fast", text="12345") == (
        "您发送消息太快了，请稍等片刻再发。You are sending messages too fast; please wait a moment and try again.")
    assert system_reply("blank") == "请输入您想咨询的问题。Please type your question."
    assert system_reply("agent") == "客服 Agent"
