"""Normalisation and language detection of shopper messages."""

import pytest

from kefu.text import MAX_NLU_CHARS, detect_language, is_blank, normalize, to_traditional


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("２６１１０３００４８１７", "261103004817"),  # full-width digits
        ("ＷＨＥＲＥ　ｉｓ　ｍｙ　ｏｒｄｅｒ", "where is my order"),  # full-width letters, ideographic space
        ("我的訂單到哪了？", "我的订单到哪了?"),  # traditional → simplified, full-width punctuation
        ("軟體怎麼下載", "软件怎么下载"),  # Taiwan vocabulary
        ("發票抬頭打錯了", "发票抬头打错了"),  # not 擡头 (a variant OpenCC's Taiwan tables produce)
        ("充電寶壞了有保固嗎", "充电宝坏了有保修吗"),  # Taiwan shopping terms
        ("我要客訴 還沒出貨", "我要投诉 还没发货"),
        ("保固期多久", "保修期多久"),
        ("运费怎么算", "运费怎么算"),  # simplified stays as it is (no 怎么 → 怎幺)
        ("\u200b你好\x07呀\ufeff", "你好 呀"),  # zero-width and control characters
        ("  多个   空格\n\t换行 ", "多个 空格 换行"),
        ("我的Order到哪了", "我的order到哪了"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_normalize_cuts_very_long_messages():
    assert len(normalize("退" * 5000)) == MAX_NLU_CHARS


@pytest.mark.parametrize(
    "text, language",
    [
        ("运费怎么算", "zh-Hans"),
        ("運費怎麼算", "zh-Hant"),
        ("台灣可以寄嗎", "zh-Hant"),
        ("where is my order", "en"),
        ("我的order到哪了", "zh-Hans"),  # Chinese with an English word is Chinese
        ("轉人工 please", "zh-Hant"),
        ("Can you ship to 拉萨?", "en"),  # English naming a Chinese city is English
        ("ｈｅｌｌｏ", "en"),
        # Cantonese is written in traditional characters even where a message holds no character
        # that tells the scripts apart (唔好, 冇呀), and 晒 ("all") is Cantonese, not simplified 曬
        ("唔好", "zh-Hant"), ("冇呀", "zh-Hant"), ("啱", "zh-Hant"), ("唔該晒！", "zh-Hant"), ("m該晒", "zh-Hant"),
        ("唔该晒", "zh-Hans"),  # Cantonese in simplified characters stays simplified
        ("安安", "zh-Hant"),  # Taiwan's "hi"
        ("好的", "zh-Hans"), ("唔不要", "zh-Hans"),  # neutral Mandarin, and Mandarin's "hmm"
        ("261103004817", None),  # no words: the conversation keeps its language
        ("😀👍", None),
        ("", None),
    ],
)
def test_detect_language(text, language):
    assert detect_language(text) == language


def test_to_traditional():
    assert to_traditional("退款多久能到账？") == "退款多久能到賬？"


def test_traditional_replies_use_what_readers_write_not_opencc_s_generic_forms():
    text = "为了您的账户安全，请在“我的订单”里查看，港澳台均可配送"
    assert to_traditional(text) == "為了您的賬戶安全，請在“我的訂單”裡查看，港澳台均可配送"  # not 爲, 裏, 臺
    assert to_traditional(text, "hk") == "為了您的賬户安全，請在“我的訂單”裏查看，港澳台均可配送"
    assert to_traditional(text, "tw") == "為了您的帳戶安全，請在“我的訂單”裡查看，港澳台均可配送"


def test_cantonese_characters_survive_normalisation():
    # OpenCC's t2s turns 嗰 and 喎 into rare characters outside the common planes
    assert normalize("嗰件褸唔啱喎") == "嗰件褛唔啱喎"


@pytest.mark.parametrize("text, blank", [("", True), ("   ", True), ("\u200b\n\t", True), ("😀", False), ("1", False)])
def test_is_blank(text, blank):
    assert is_blank(text) is blank
