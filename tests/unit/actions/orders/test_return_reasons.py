"""The reason a return request already states (actions.orders.return_reasons): not asked again."""

import pytest

from actions.orders.return_reasons import stated_reason


@pytest.mark.parametrize("message, reason", [
    ("我要退货，尺码不合适", "尺码不合适"),
    ("件衫太大想退", "件衫太大想退"),
    ("退貨，質量有問題", "質量有問題"),
    ("我要退货 衣服有个洞 质量太差了", "我要退货 衣服有个洞 质量太差了"),
    ("收到嘅顏色發錯咗，想退", "收到嘅顏色發錯咗"),
    ("货不对板，我要退货", "货不对板"),
    ("跟图片不一样，想退掉", "跟图片不一样"),
    ("唔鍾意，想退貨", "唔鍾意"),
    ("订单261117000611的大衣收到了不太喜欢，想七天无理由退货，手机尾号9043", "大衣收到了不太喜欢"),
    ("I want to return it, it's the wrong size", "it's the wrong size"),
    ("return order 261117000611 please, it arrived damaged", "it arrived damaged"),
    ("I'd like to return this. It's not as described.", "It's not as described"),
    ("changed my mind, I want to return it", "changed my mind"),
])
def test_a_common_reason_is_read_from_the_request_in_the_shoppers_words(message, reason):
    assert stated_reason(message) == reason


@pytest.mark.parametrize("message", [
    "我要退货",
    "我想退貨",
    "想退 261117000611",
    "订单261117000611想七天无理由退货，手机尾号9043",
    "我要换货",
    "I'd like to return order 261117000611",
    "return order pls",
    "how do I return something?",
])
def test_a_request_without_a_reason_states_none(message):
    assert stated_reason(message) is None
