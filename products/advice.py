"""Answers computed from the catalogue: stock, size advice, comparisons, recommendations, promotions.

Every function takes what the shop adapter returned and gives back values to put into the
domain's responses; none of them writes a sentence. ``english`` picks the ``*_en`` facts of the
catalogue (traditional Chinese comes from converting the Chinese reply, bot/nlg.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from kefu.text import normalize
from shop.adapter import ProductFact, ProductView, PromotionView, SizeChart, VariantView

#: At most this many pieces left: the reply says "only N left".
LOW_STOCK = 5


# ------------------------------------------------------------------ stock

@dataclass(frozen=True)
class StockLine:
    """One variant's stock as the reply states it: ``in``, ``low`` (``count`` left) or ``out`` (with
    ``restock`` when a date is known)."""

    label: str
    state: str
    count: int
    restock: date | None


def variant_label(variant: VariantView, english: bool) -> str:
    """The options that name a variant, e.g. "黑色 M" / "Black M" / "iPhone 17 Pro 透明"."""
    parts = [variant.option("model"), variant.option("colour_en" if english else "colour_zh"),
             variant.option("spec_en" if english else "spec_zh"), variant.option("size"),
             variant.option("bed_width")]
    return " ".join(part for part in parts if part)


def stock_line(variant: VariantView, english: bool) -> StockLine:
    state = "out" if variant.stock == 0 else "low" if variant.stock <= LOW_STOCK else "in"
    return StockLine(variant_label(variant, english), state, variant.stock, variant.restock_date)


# ------------------------------------------------------------------ size advice

@dataclass(frozen=True)
class SizeAdvice:
    """The size to take (``None`` when the chart has none for these measurements) and why."""

    size: str | None
    #: the measurements it was read from, e.g. (("height_cm", 175.0), ("weight_kg", 70.0))
    basis: tuple[tuple[str, float | str], ...]
    #: the sizes each measurement pointed to, when they differed (then the larger is taken)
    between: tuple[str, ...] = ()


def advise_size(chart: SizeChart, given: dict[str, float | str]) -> SizeAdvice | None:
    """The size the chart gives for these measurements; the larger when they point to different sizes
    or fall between two rows. ``None`` when the message gives nothing the chart reads."""
    order = [row.size for row in chart.rows]
    picks: list[str] = []
    basis: list[tuple[str, float | str]] = []
    usual = given.get("usual")
    if usual is not None:
        mapped = [size for value, size in chart.usual if value.upper() == str(usual).upper()]
        if mapped:
            picks.append(mapped[-1])
            basis.append(("usual", usual))
    for column in ("height_cm", "weight_kg", "foot_length_mm", "underbust_cm", "bust_cm", "waist_cm"):
        value = given.get(column)
        if not isinstance(value, float):
            continue
        sized = _size_for(chart, column, value)
        if sized is not None:
            picks.append(sized)
            basis.append((column, value))
    if not basis:
        if usual is not None and chart.usual:
            return SizeAdvice(None, (("usual", usual),))
        return None
    real = [p for p in picks if p]
    if not real:
        return SizeAdvice(None, tuple(basis))
    chosen = max(real, key=order.index)
    between = tuple(sorted(set(real), key=order.index)) if len(set(real)) > 1 else ()
    return SizeAdvice(chosen, tuple(basis), between)


def _size_for(chart: SizeChart, column: str, value: float) -> str | None:
    """The row whose range holds ``value``; between two rows the larger; ``""`` off the chart."""
    ranges = [(row.size, low, high) for row in chart.rows for name, low, high in row.ranges if name == column]
    if not ranges:
        return None
    for index, (size, low, high) in enumerate(ranges):
        if low <= value <= high:
            return size
        if value < low:
            return size if index > 0 else ("" if value < low - 3 else size)
    return ""


# ------------------------------------------------------------------ compare

@dataclass(frozen=True)
class Difference:
    label: str
    first: str
    second: str


def differences(first: ProductView, second: ProductView, english: bool) -> list[Difference]:
    """The facts both products hold whose values differ, in the first product's order, then the price."""
    others = {fact.key: fact for fact in second.facts}
    found = []
    for fact in first.facts:
        other = others.get(fact.key)
        if other is not None and _value(fact, english) != _value(other, english):
            found.append(Difference(fact.label_en if english else fact.label_zh, _value(fact, english),
                                    _value(other, english)))
    if first.price_cny != second.price_cny:
        found.append(Difference("Price" if english else "价格", f"¥{first.price_cny}", f"¥{second.price_cny}"))
    return found


def _value(fact: ProductFact, english: bool) -> str:
    return fact.value_en if english else fact.value_zh


# ------------------------------------------------------------------ recommend

@dataclass(frozen=True)
class Need:
    """What a recommendation is for: tags of ``suitable_for`` the message names, and a budget."""

    tags: tuple[str, ...]
    budget: Decimal | None


#: words shoppers use for the catalogue's ``suitable_for_zh`` tags (normalised)
TAG_WORDS: dict[str, tuple[str, ...]] = {
    "送长辈": ("长辈", "父母", "爸妈", "老人", "爷爷", "奶奶", "外公", "外婆", "老爸", "老妈", "elder", "parents", "grandpa",
            "grandma", "grandparent"),
    "跑步": ("跑步", "跑", "马拉松", "running", "run", "jog"),
    "学生": ("学生", "上学", "宿舍", "student", "school", "dorm"),
    "送礼": ("送礼", "礼物", "送人", "gift", "present"),
    "通勤": ("通勤", "上班", "commut", "office"),
    "儿童": ("小孩", "孩子", "儿童", "宝宝", "kid", "child"),
    "出差": ("出差", "旅行", "旅游", "travel", "trip"),
    "运动": ("运动", "健身", "sport", "workout", "gym"),
}
_BUDGET = re.compile(r"(\d{2,5})\s*(?:元|块|rmb|yuan|cny)?\s*(?:以内|以下|之内|左右|内)|"
                     r"(?:预算|不超过|under|below|less than|within|budget)\D{0,6}?(\d{2,5})")


def need_of(message: str, products: list[ProductView]) -> Need:
    text = normalize(message)
    tags = {tag for p in products for tag in p.suitable_for_zh}
    named = []
    for tag in sorted(tags):
        words = TAG_WORDS.get(tag, ()) + (normalize(tag),)
        if any((w in text) if not w.isascii() else re.search(rf"(?<![a-z]){re.escape(w)}", text) for w in words):
            named.append(tag)
    for product in products:  # English tags as the catalogue writes them
        for zh, en in zip(product.suitable_for_zh, product.suitable_for_en):
            if en.isascii() and len(en) > 3 and en.lower() in text and zh not in named:
                named.append(zh)
    budget = _BUDGET.search(text)
    amount = next((g for g in budget.groups() if g), None) if budget else None
    return Need(tuple(named), Decimal(amount) if amount else None)


def recommend(products: list[ProductView], stocked: dict[str, bool], need: Need, limit: int = 3) -> list[ProductView]:
    """Products that suit the need, within the budget: in stock first, the most tags matched first,
    then the cheapest. Nothing out of stock comes before something in stock."""
    fitting = [p for p in products
               if (not need.tags or set(need.tags) & set(p.suitable_for_zh))
               and (need.budget is None or p.price_cny <= need.budget)]
    fitting.sort(key=lambda p: (not stocked.get(p.sku, False), -len(set(need.tags) & set(p.suitable_for_zh)),
                                p.price_cny))
    return fitting[:limit]


def goes_with_bought(products: list[ProductView], bought: list[str], stocked: dict[str, bool],
                     limit: int = 3) -> list[ProductView]:
    """For a shopper who bought ``bought`` (SKUs, newest first): the products their purchases'
    ``goes_with`` names, not bought already; in stock first (nothing out of stock before something
    in stock), then the most purchases pointing to it, then the newest purchase's, then the cheapest."""
    by_sku = {p.sku: p for p in products}
    owned = set(bought)
    votes: dict[str, int] = {}
    first: dict[str, int] = {}
    for rank, sku in enumerate(dict.fromkeys(bought)):
        product = by_sku.get(sku)
        for other in (product.goes_with if product is not None else ()):
            if other in owned or other not in by_sku:
                continue
            votes[other] = votes.get(other, 0) + 1
            first.setdefault(other, rank)
    picked = sorted(votes, key=lambda sku: (not stocked.get(sku, False), -votes[sku], first[sku],
                                            by_sku[sku].price_cny))
    return [by_sku[sku] for sku in picked[:limit]]


# ------------------------------------------------------------------ promotions

def promotions_for(promotions: list[PromotionView], product: ProductView | None, today: date) -> list[PromotionView]:
    """The promotions in force today, for the product when one is in focus."""
    return [p for p in promotions if p.in_force(today) and (product is None or p.applies_to(product))]
