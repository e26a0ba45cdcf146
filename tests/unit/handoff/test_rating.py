"""Reading the 1-5 satisfaction rating customers type after a handoff."""

import pytest

from handoff.rating import parse_rating


@pytest.mark.parametrize(
    "text, rating",
    [
        ("5", 5), ("１", 1), ("５分", 5), ("4分", 4), ("3 星", 3), ("给5分", 5), ("五星", 5), ("五分好评", 5),
        ("三", 3), ("5/5", 5), ("4 stars", 4), ("⭐⭐⭐⭐", 4), ("非常满意", 5), ("非常满意！", 5), ("满意", 4),
        ("一般", 3), ("不满意", 2), ("非常不满意", 1), ("很不滿意", 1), ("excellent", 5), ("Good", 4),
        ("not bad", 4), ("terrible", 1), ("It was OK", 3),
    ],
)
def test_ratings_customers_type(text, rating):
    assert parse_rating(text) == rating


@pytest.mark.parametrize("text", ["", None, "0", "6", "10分", "123", "我的订单到哪了", "1 或 5", "hello", "我也说不好", "不知道", "随便吧",
                                  "⭐⭐⭐⭐⭐⭐"])
def test_no_rating(text):
    assert parse_rating(text) is None
