"""Product cards (issue 18.6): a ``custom`` message beside the text answer about one product.

``{"product_card": {"sku", "name", "price", "list_price", "stock", "count", "restock", "url"}}``:
the name in the conversation's language (traditional when the shopper writes it), today's price
and the list price while on sale (``None`` otherwise), the product's stock over its variants
(``in``, ``low`` with ``count`` pieces left, ``out`` with the earliest ``restock`` date, ISO, or
``None``) and the storefront's page of the product (``/product/<sku>``). Every value comes from the
catalogue. The widget renders it as a card (``web/static/widget/kefu-widget.js``, its labels from
the widget's own UI texts); Telegram and WeChat skip it (the text says the same); a REST client
finds it as ``{"recipient_id", "custom": {"product_card": ...}}`` beside the text.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.orders.access import language
from actions.orders.labels import format_money
from kefu.text import to_traditional
from products.advice import LOW_STOCK
from shop.adapter import ProductView, ShopCatalogue


def product_card(shop: ShopCatalogue, product: ProductView, tracker: Tracker) -> dict[str, Any]:
    lang = language(tracker)
    name = product.name_en if lang == "en" else product.name_zh
    if lang == "zh-Hant":
        name = to_traditional(name, tracker.get_slot("script"))
    variants = shop.list_variants(sku=product.sku)
    count = sum(v.stock for v in variants)
    dates = sorted(v.restock_date for v in variants if v.stock == 0 and v.restock_date is not None)
    state = "out" if count == 0 else "low" if count <= LOW_STOCK else "in"
    return {"sku": product.sku, "name": name, "price": format_money(product.price_cny),
            "list_price": format_money(product.list_price_cny) if product.list_price_cny is not None else None,
            "stock": state, "count": count,
            "restock": dates[0].isoformat() if state == "out" and dates else None,
            "url": f"/product/{product.sku}"}


def send_card(dispatcher: CollectingDispatcher, shop: ShopCatalogue, product: ProductView, tracker: Tracker) -> None:
    dispatcher.utter_message(json_message={"product_card": product_card(shop, product, tracker)})
