"""The replies of each kind of product question, from the catalogue only (sentences: domain.yml
``utter_product_*``). Each function utters through the dispatcher and returns nothing."""

from __future__ import annotations

import re

from rasa_sdk.executor import CollectingDispatcher

from actions.orders.labels import format_day, format_money
from kefu.text import normalize
from products import advice
from products.facts import Wanted, asked_fact, matching_variants, measurements, wanted_options
from shop.adapter import ProductView, ShopCatalogue
from shop.policy import shop_today
from shop.views import MEMBER_LEVELS

#: words naming a membership tier (normalised text), and the word "member" itself
TIER_WORDS = {"regular": ("普通会员", "regular"), "silver": ("银卡", "silver"), "gold": ("金卡", "gold member", "gold"),
              "black_gold": ("黑金", "black gold", "black-gold")}
MEMBER_WORDS = ("会员", "vip", "member")


def tiers_named(lowered: str) -> list[str]:
    """The tiers a normalised message names, in :data:`MEMBER_LEVELS` order. Read from the left,
    the longest tier word at each place wins and the words inside it are not read again: "黑金卡"
    is black_gold only (not also gold for its 金卡), "black gold members" is not also gold."""
    named = {_TIER_OF[match.group(0)] for match in _TIER_PATTERN.finditer(lowered)}
    return [level for level in MEMBER_LEVELS if level in named]


_TIER_OF = {word: level for level, words in TIER_WORDS.items() for word in words}
_TIER_PATTERN = re.compile("|".join(re.escape(word) for word in sorted(_TIER_OF, key=len, reverse=True)))


def name(product: ProductView, english: bool) -> str:
    return product.name_en if english else product.name_zh


def unknown(dispatcher: CollectingDispatcher, product: ProductView, asked: str, english: bool) -> None:
    dispatcher.utter_message(response="utter_product_fact_unknown", product=name(product, english), asked=asked)


def fact(dispatcher: CollectingDispatcher, product: ProductView, text: str, english: bool) -> None:
    asked = asked_fact(text, product)
    if asked is None:
        dispatcher.utter_message(response="utter_product_fact_which", product=name(product, english))
        return
    if asked.key == "warranty" and product.warranty_months:
        dispatcher.utter_message(response="utter_product_warranty", product=name(product, english),
                                 months=product.warranty_months)
        return
    if asked.key == "shelf_life" and product.shelf_life_zh:
        dispatcher.utter_message(response="utter_product_shelf_life", product=name(product, english),
                                 value=product.shelf_life_en if english else product.shelf_life_zh)
        return
    found = product.fact(asked.key)
    if found is None:
        unknown(dispatcher, product, asked.words, english)
        return
    dispatcher.utter_message(response="utter_product_fact", product=name(product, english),
                             label=found.label_en if english else found.label_zh,
                             value=found.value_en if english else found.value_zh)


def stock(dispatcher: CollectingDispatcher, shop: ShopCatalogue, product: ProductView, text: str,
          english: bool, language: str | None, before: str = "") -> None:
    variants = shop.list_variants(sku=product.sku)
    wanted = wanted_options(text, variants)
    if before:  # a follow-up keeps the options it does not change
        earlier = wanted_options(before, variants)
        wanted = Wanted(wanted.colour or earlier.colour, wanted.size or earlier.size, wanted.model or earlier.model)
    chosen = matching_variants(variants, wanted) if wanted.any() else variants
    if not chosen:
        dispatcher.utter_message(response="utter_product_no_such_variant", product=name(product, english),
                                 options=" / ".join(advice.variant_label(v, english) for v in variants))
        return
    lines = [advice.stock_line(v, english) for v in chosen]
    if not wanted.any() and len(lines) > 1:
        available = [line.label for line in lines if line.state != "out"]
        if available:
            dispatcher.utter_message(response="utter_product_stock_available", product=name(product, english),
                                     options="、".join(available) if not english else ", ".join(available))
        lines = [line for line in lines if line.state != "in"]
    for line in lines:
        variables = {"product": name(product, english), "variant": line.label, "count": line.count}
        if line.state == "in":
            dispatcher.utter_message(response="utter_product_stock_in", **variables)
        elif line.state == "low":
            dispatcher.utter_message(response="utter_product_stock_low", **variables)
        elif line.restock is not None:
            dispatcher.utter_message(response="utter_product_stock_out", date=format_day(line.restock, language),
                                     **variables)
        else:
            dispatcher.utter_message(response="utter_product_stock_out_no_date", **variables)


def size(dispatcher: CollectingDispatcher, product: ProductView, text: str, english: bool) -> None:
    chart = product.size_chart
    if chart is None:
        unknown(dispatcher, product, "size chart" if english else "尺码表", english)
        return
    given = measurements(text)
    result = advice.advise_size(chart, given)
    note = chart.note_en if english else chart.note_zh
    if result is None:
        dispatcher.utter_message(response="utter_product_size_ask", product=name(product, english),
                                 fit=chart.fit_en if english else chart.fit_zh)
        return
    if result.size is None:
        dispatcher.utter_message(response="utter_product_size_none", product=name(product, english), note=note)
        return
    response = "utter_product_size_between" if result.between else "utter_product_size_advice"
    dispatcher.utter_message(response=response, product=name(product, english), size=result.size,
                             sizes=" / ".join(result.between), note=note)


def compare(dispatcher: CollectingDispatcher, first: ProductView, second: ProductView, text: str,
            english: bool) -> None:
    asked = asked_fact(text, first) or asked_fact(text, second)
    if asked is not None:
        for product in (first, second):
            found = product.fact(asked.key)
            if found is None:
                unknown(dispatcher, product, asked.words, english)
            else:
                dispatcher.utter_message(response="utter_product_fact", product=name(product, english),
                                         label=found.label_en if english else found.label_zh,
                                         value=found.value_en if english else found.value_zh)
        return
    found = advice.differences(first, second, english)
    dispatcher.utter_message(response="utter_product_compare_head", first=name(first, english),
                             second=name(second, english))
    for difference in found[:6]:
        dispatcher.utter_message(response="utter_product_compare_line", label=difference.label,
                                 first=name(first, english), second=name(second, english),
                                 first_value=difference.first, second_value=difference.second)


def _item_lines(picked: list[ProductView], stocked: dict[str, bool], english: bool) -> str:
    return "\n".join(f"· {name(p, english)} {format_money(p.price_cny)}"
                     + ("" if stocked[p.sku] else (" (out of stock)" if english else "（暂时缺货）"))
                     for p in picked)


def recommend(dispatcher: CollectingDispatcher, shop: ShopCatalogue, text: str, english: bool,
              bought: list[str] | None = None) -> None:
    """By the need the message names; without one, for a signed-in shopper (``bought``: the SKUs of
    their orders, newest first), what goes with what they bought; else the question what for."""
    products = shop.list_products()
    need = advice.need_of(text, products)
    if not need.tags and need.budget is None:
        if bought:
            stocked = {p.sku: any(v.stock > 0 for v in shop.list_variants(sku=p.sku)) for p in products}
            picked = advice.goes_with_bought(products, bought, stocked)
            if picked:
                by_sku = {p.sku: p for p in products}
                owned = [by_sku[sku] for sku in dict.fromkeys(bought) if sku in by_sku][:3]
                dispatcher.utter_message(response="utter_product_recommend_bought",
                                         bought=(", " if english else "、").join(name(p, english) for p in owned),
                                         items=_item_lines(picked, stocked, english))
                return
        dispatcher.utter_message(response="utter_product_recommend_ask")
        return
    stocked = {p.sku: any(v.stock > 0 for v in shop.list_variants(sku=p.sku)) for p in products}
    picked = advice.recommend(products, stocked, need)
    if not picked:
        dispatcher.utter_message(response="utter_product_recommend_none")
        return
    tags = {zh: en for p in products for zh, en in zip(p.suitable_for_zh, p.suitable_for_en)}
    need_words = ", ".join(tags.get(t, t) for t in need.tags) if english else "、".join(need.tags)
    if need.budget is not None:
        budget = f"≤ {format_money(need.budget)}"
        need_words = f"{need_words}, {budget}" if need_words else budget
    dispatcher.utter_message(response="utter_product_recommend", need=need_words,
                             items=_item_lines(picked, stocked, english))


def price(dispatcher: CollectingDispatcher, shop: ShopCatalogue, product: ProductView | None, text: str,
          english: bool, language: str | None) -> None:
    lowered = normalize(text)
    if product is not None:
        if product.list_price_cny is not None:
            dispatcher.utter_message(response="utter_product_price_sale", product=name(product, english),
                                     price=format_money(product.price_cny), list_price=format_money(product.list_price_cny))
        else:
            dispatcher.utter_message(response="utter_product_price", product=name(product, english),
                                     price=format_money(product.price_cny))
    today = shop_today()
    promotions = advice.promotions_for(shop.promotions_on(day=today), product, today)
    for promotion in promotions:
        dispatcher.utter_message(response="utter_product_promotion", name=promotion.name_en if english else promotion.name_zh,
                                 ends=format_day(promotion.ends, language),
                                 rule=promotion.rule_en if english else promotion.rule_zh,
                                 stacking=promotion.stacking_en if english else promotion.stacking_zh)
    if not promotions:
        if product is not None:
            dispatcher.utter_message(response="utter_product_no_promotion", product=name(product, english))
        else:
            dispatcher.utter_message(response="utter_product_no_promotion_any")
    tiers = tiers_named(lowered)
    if tiers or any(word in lowered for word in MEMBER_WORDS):
        for benefit in ([shop.member_benefits(level=t) for t in tiers] if tiers else shop.list_member_benefits()):
            if benefit is not None:
                dispatcher.utter_message(response="utter_product_member_benefits",
                                         level=benefit.name_en if english else benefit.name_zh,
                                         benefits=("; ".join(benefit.benefits_en) if english
                                                   else "；".join(benefit.benefits_zh)))
