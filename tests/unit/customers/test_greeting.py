"""The language a known customer is greeted in: the profile's, until what they write says otherwise."""

import pytest

from customers.greeting import ReplyLanguage, greeting_language, profile_language


@pytest.mark.parametrize("locale, expected", [
    ("zh-CN", ReplyLanguage("zh-Hans")), ("zh-HK", ReplyLanguage("zh-Hant", "hk")),
    ("zh-TW", ReplyLanguage("zh-Hant", "tw")), ("en", ReplyLanguage("en")), ("fr-FR", None), ("", None)])
def test_profile_languages(locale, expected):
    assert profile_language(locale) == expected


@pytest.mark.parametrize("locale, written, expected", [
    ("zh-HK", "你好", ReplyLanguage("zh-Hant", "hk")),         # both scripts write it: the profile decides
    ("zh-TW", "早安", ReplyLanguage("zh-Hant", "tw")),
    ("zh-TW", "在吗", ReplyLanguage("zh-Hans")),                # 吗: simplified written
    ("zh-HK", "/greet", ReplyLanguage("zh-Hant", "hk")),       # a payload says nothing
    ("zh-CN", "您好，请问", ReplyLanguage("zh-Hans")),
    ("zh-HK", "hello there", ReplyLanguage("en")),             # wrote in another language
    ("zh-CN", "您好，請問在嗎", ReplyLanguage("zh-Hant")),      # traditional characters written
    ("en", "你好", ReplyLanguage("zh-Hans")),
    ("en", "hi", ReplyLanguage("en")),
    ("en", "１２３", ReplyLanguage("en")),                      # no words
])
def test_the_written_language_wins_over_the_profile_only_when_it_shows(locale, written, expected):
    assert greeting_language(locale, written) == expected


def test_a_known_region_of_the_conversation_keeps_its_forms():
    assert greeting_language("zh-HK", "請問", script="tw") == ReplyLanguage("zh-Hant", "tw")
    assert greeting_language("fr", "/greet") is None
