"""Sorting complaints into categories from the customer's words (zh and en keyword rules).

The category helps whoever follows a complaint up (logistics team, quality team ...); it is a
first guess an agent can read next to the customer's own words, not a verdict.
"""

from __future__ import annotations

import re

from kefu.text import normalize

#: (category, keywords) in order of precedence; keywords match the normalised text.
CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("refund", ("退款", "退钱", "钱没退", "没退钱", "退货款", "赔偿", "refund", "money back", "chargeback", "compensation")),
    ("wrong_item", ("发错", "错发", "少发", "漏发", "不是我买的", "wrong item", "wrong size", "wrong colour",
                    "wrong color", "missing item")),
    ("quality", ("质量", "坏了", "破了", "掉色", "假货", "残次", "瑕疵", "不能用", "没声音", "开线", "起球", "破损",
                 "quality", "broken", "broke", "fake", "defective", "faulty", "damaged", "torn", "stopped working")),
    ("delivery", ("快递", "物流", "发货", "没到", "还没收到", "派送", "签收", "配送", "包裹", "运输",
                  "delivery", "shipping", "shipped", "package", "parcel", "courier", "late", "tracking", "arrive")),
    ("service", ("客服", "态度", "不回复", "没人管", "敷衍", "骂人", "推来推去", "service", "rude", "nobody", "no one",
                 "ignored", "support")),
    ("price", ("降价", "价格", "价钱", "多扣", "扣款", "乱收费", "price", "charged", "overcharged", "discount")),
)
OTHER = "other"


def categorize(text: str | None) -> str:
    """The category of a complaint: refund, wrong_item, quality, delivery, service, price or other."""
    canonical = normalize(text)
    for category, keywords in CATEGORIES:
        for keyword in keywords:
            if keyword.isascii():
                if re.search(rf"(?<![a-z]){re.escape(keyword)}(?![a-z])", canonical):
                    return category
            elif keyword in canonical:
                return category
    return OTHER
