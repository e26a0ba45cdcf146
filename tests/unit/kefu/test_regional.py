"""Which region a Chinese message is written in, and replies in that region's forms (kefu/regional.py)."""

import pytest

from kefu.regional import TAIWAN_PHRASES, detect_region, region_of_locale, to_regional


@pytest.mark.parametrize("text", [
    "唔該晒！", "m該晒", "mgoi晒", "唔係", "係呀", "啱", "唔好", "我係咪同緊AI傾偈", "你係咪電腦自動覆㗎",
    "我張單去咗邊", "幫我check下個delivery", "有冇得寄去澳門", "乜嘢服務嚟㗎", "點解仲未到", "可唔可以用八達通",
    "唔该晒 帮我查下",  # Cantonese in simplified characters
    "我要同真人傾", "我想查下張單", "我個包裹幾時到",
])
def test_cantonese_is_hong_kong(text):
    assert detect_region(text) == "hk"


@pytest.mark.parametrize("text", [
    "安安", "你是自動回覆ㄇ", "宅配什麼時候會到", "可以超商取貨嗎", "我要客訴", "鑑賞期是幾天", "可以打統編嗎",
    "手機末四碼5601", "好喔", "訂了一個禮拜還沒收到耶", "保固多久",
])
def test_taiwanese_usage_is_taiwan(text):
    assert detect_region(text) == "tw"


@pytest.mark.parametrize("text", [
    "你好", "運費怎麼算", "我的訂單到哪了", "沒關係", "關係不大", "唔不要", "唔，好吧", "晒单有返现吗", "where is my order",
    "我個人覺得還好", "價格傾向便宜",
    "", None,
])
def test_most_messages_say_nothing_of_a_region(text):
    assert detect_region(text) is None


@pytest.mark.parametrize("locale, region", [
    ("zh-HK", "hk"), ("zh-MO", "hk"), ("zh_hk", "hk"), ("zh-TW", "tw"), ("zh-CN", None), ("en", None), (None, None),
])
def test_region_of_a_profile_language(locale, region):
    assert region_of_locale(locale) == region


def test_taiwan_gets_its_characters_and_plainly_right_words():
    text = "我们会通过短信通知您，请在账户设置里登录后查看，台湾地区默认顺丰"
    assert to_regional(text, "tw") == "我們會透過簡訊通知您，請在帳戶設定裡登入後查看，台灣地區預設順豐"
    # s2twp's words that are wrong here stay as they are: 註銷 is not 登出 (log out), 審核 not 稽核 (audit)
    assert to_regional("注销账号需审核", "tw") == "註銷帳號需審核"


def test_hong_kong_gets_its_characters_and_no_taiwan_words():
    assert to_regional("我们会通过短信通知您，请在这里登录，台湾着急", "hk") == "我們會通過短信通知您，請在這裏登錄，台灣着急"


def test_without_a_region_taiwan_s_characters_without_its_words():
    assert to_regional("为了您的账户安全，通过短信验证，港澳台", None) == "為了您的賬戶安全，通過短信驗證，港澳台"


def test_taiwan_phrases_are_written_in_traditional_characters():
    from kefu.regional import _converter

    for source in TAIWAN_PHRASES:
        assert _converter("s2tw").convert(source) == source, source
