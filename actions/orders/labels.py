"""Labels and value formatting for order replies, in the reply's language.

These are values put into the domain's responses (``{status}``, ``{carrier}``, ``{items}`` ...),
not sentences. Chinese values are written in simplified characters; ``bot.nlg.KefuNLG``
converts the whole reply, values included, for customers who write traditional characters.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from shop.adapter import OrderLine
from shop.policy import SHOP_TZ

#: The contract's status labels (section 4, "Orders"): status → (zh, en).
STATUS_LABELS = {
    "pending_payment": ("待付款", "awaiting payment"),
    "paid": ("已付款", "paid"),
    "processing": ("备货中", "processing"),
    "shipped": ("已发货", "shipped"),
    "in_transit": ("运输中", "in transit"),
    "out_for_delivery": ("派送中", "out for delivery"),
    "delivered": ("已签收", "delivered"),
    "cancelled": ("已取消", "cancelled"),
    "return_requested": ("退货申请中", "return requested"),
    "refunding": ("退款中", "refunding"),
    "refunded": ("已退款", "refunded"),
}

#: Carriers of the demo shop (fixtures README): code → (zh, en).
CARRIERS = {
    "sf": ("顺丰速运", "SF Express"),
    "zto": ("中通快递", "ZTO Express"),
    "yto": ("圆通速递", "YTO Express"),
}

#: Article 25 exclusion reasons, worded as the FAQ entry return_exclusions words them.
EXCLUSIONS = {
    "custom_made": ("定制商品", "custom-made goods"),
    "perishable": ("鲜活易腐商品", "fresh and perishable goods"),
    "intimate_apparel": ("贴身衣物", "intimate apparel"),
    "digital_content": ("已拆封的数字商品", "opened digital products"),
    None: ("标明“不支持七天无理由”的商品", "an item marked \"No 7-day no-reason return\""),
}

KINDS = {"return": ("退货", "return"), "exchange": ("换货", "exchange")}


def english(language: str | None) -> bool:
    return language == "en"


def pick(pair: tuple[str, str], language: str | None) -> str:
    return pair[1] if english(language) else pair[0]


def status_label(status: str, language: str | None) -> str:
    return pick(STATUS_LABELS.get(status, (status, status)), language)


def carrier_label(carrier: str | None, language: str | None) -> str:
    if not carrier:
        return ""
    return pick(CARRIERS.get(carrier, (carrier.upper(), carrier.upper())), language)


def exclusion_label(reason: str | None, language: str | None) -> str:
    return pick(EXCLUSIONS.get(reason, EXCLUSIONS[None]), language)


def kind_label(kind: str, language: str | None) -> str:
    return pick(KINDS.get(kind, KINDS["return"]), language)


def format_day(value: date | datetime | None, language: str | None) -> str:
    """A date in the customer's style: 2026年11月24日 / Nov 24, 2026 (shop time zone)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(SHOP_TZ).date()
    if english(language):
        return f"{value.strftime('%b')} {value.day}, {value.year}"
    return f"{value.year}年{value.month}月{value.day}日"


def format_money(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"


def format_items(lines: Iterable[OrderLine], language: str | None) -> str:
    """Product names with quantities: 轻量跑步鞋×1、纯棉圆领T恤×1 / Lightweight running shoes ×1, ..."""
    if english(language):
        return ", ".join(f"{line.name_en} ×{line.quantity}" for line in lines)
    return "、".join(f"{line.name_zh}×{line.quantity}" for line in lines)


def format_names(lines: Iterable[OrderLine], language: str | None) -> str:
    """Product names only, quoted: 「定制刻字保温杯」 / "Custom-engraved vacuum flask"."""
    if english(language):
        return ", ".join(f"\"{line.name_en}\"" for line in lines)
    return "、".join(f"「{line.name_zh}」" for line in lines)
