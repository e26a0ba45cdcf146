"""Typed text is never read as Rasa's ``/intent{"entity": ...}`` shortcut, however the slash is
hidden: repeated, spaced, full-width, behind invisible characters (Telegram and WeChat share the
guard; Kefu's NLU normaliser folds full-width and drops format characters before Rasa looks)."""

from __future__ import annotations

import itertools

import pytest

from bot.channels.common import typed_text
from bot.channels.telegram_format import user_text
from bot.channels.wechat import _typed
from kefu.text import normalize


@pytest.mark.parametrize("text, expected", [
    ("/restart", "restart"),
    ("/ /restart", "restart"),
    ("//restart", "restart"),
    (' / /inform{"order_id": 1}', 'inform{"order_id": 1}'),
    ("／restart", "restart"),
    ("/／ /restart", "restart"),
    ("\u200b/restart", "restart"),
    ("/\u3000/restart", "restart"),
    ("/\t\n/inform{\"phone_last4\": \"8123\"}", 'inform{"phone_last4": "8123"}'),
    ("运费怎么算", "运费怎么算"),
    ("  spaced  ", "  spaced  "),  # no slash: left exactly as typed
    ("a/b", "a/b"),
    ("//", "//"),  # nothing but slashes names no intent
])
def test_leading_slashes_are_dropped_until_none_is_left(text, expected):
    assert typed_text(text) == expected


HIDERS = ["/", "／", " ", "\u3000", "\t", "\u200b", "\ufeff", "\u2060", "\x00"]


def test_no_combination_of_hidden_slashes_reaches_rasa_as_an_intent():
    for prefix in ("".join(p) for n in (1, 2, 3) for p in itertools.product(HIDERS, repeat=n)):
        read = typed_text(f'{prefix}inform{{"order_id": "261103004817"}}')
        # what Rasa's RegexMessageHandler sees: Kefu's normalised text, stripped
        assert not normalize(read).strip().startswith("/") and not read.strip().startswith("/"), repr(prefix)
        assert "inform" in read


@pytest.mark.parametrize("text", ["/ /restart", "//restart", "／restart", ' / /inform{"order_id": 1}'])
def test_telegram_and_wechat_share_the_guard(text):
    assert user_text(text, "zh-hans") == _typed(text) == typed_text(text)
    assert not user_text(text, "en").startswith("/")


@pytest.mark.parametrize("text", ["/start", " /start", "/help", "/start@KefuBot ref"])
def test_telegram_start_and_help_still_greet(text):
    assert user_text(text, "en").startswith('/greet{"language": "en"}')
