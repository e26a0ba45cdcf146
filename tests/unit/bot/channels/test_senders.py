"""Sender-id namespaces: which ids belong to which channel (REST may use none of theirs)."""

from __future__ import annotations

import uuid

import pytest

from bot.channels.senders import TELEGRAM_PREFIX, WECHAT_PREFIX, reserved_for, reserved_problem


def test_the_prefixes_are_the_channels_own():
    from bot.channels.telegram_format import SENDER_PREFIX as TELEGRAM
    from bot.channels.wechat import SENDER_PREFIX as WECHAT

    assert (TELEGRAM_PREFIX, WECHAT_PREFIX) == (TELEGRAM, WECHAT)


@pytest.mark.parametrize("sender, channel", [
    ("tg:12345", "Telegram"), ("tg:-1001234", "Telegram"), ("TG:1", "Telegram"), ("  tg:1", "Telegram"),
    ("ｔｇ：1", "Telegram"), ("tg:", "Telegram"),
    ("wx:oAbC123", "WeChat"), ("Wx:o", "WeChat"),
    ("web:AbCdEfGhIjKlMnOpQrStUv", "the site widget"), ("WEB:x", "the site widget"),
    (uuid.uuid4().hex, "the site widget"), (uuid.uuid4().hex.upper(), "the site widget"),
])
def test_other_channels_ids_are_reserved(sender, channel):
    assert reserved_for(sender) == channel
    problem = reserved_problem(sender)
    assert problem.startswith("'sender' is reserved") and channel in problem


@pytest.mark.parametrize("sender", [
    "shop-user-42", "test-0123456789ab", uuid.uuid4().hex[:31], uuid.uuid4().hex + "0", f"order-{uuid.uuid4().hex}",
    "tgx:1", "telegram:1", "web-1", "wxid", "12345", "用户甲", str(uuid.uuid4()),
])
def test_rest_callers_own_ids_are_free(sender):
    assert reserved_for(sender) is None and reserved_problem(sender) is None
