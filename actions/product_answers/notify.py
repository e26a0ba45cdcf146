"""Restock notices (issue 18.5, :mod:`products.restock`).

``action_product_notify`` ("到货通知我", "let me know when it's back", intent ``product_notify``):
subscribes the conversation to the out-of-stock variants of the product in focus (or named) that
the message, or the shopper's messages just before it ("大衣黑色M码有货吗" → "到货通知我"), point to;
the channel recorded is the one the request came in on.

``action_product_restocked`` (intent ``EXTERNAL_product_restocked``, triggered by the web app's
``POST /api/shop/stock`` with the entities ``product_sku`` and ``variant_sku``; ``web/shop_stock.py``):
tells the shopper the variant is back, in the conversation's language, through the channel the
web app names (the request's).
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.orders.access import language
from actions.product_answers.focus import SKU_SLOT, catalogue, read_question
from kefu.settings import current
from products.advice import variant_label
from products.facts import matching_variants, wanted_options
from products.restock import RestockRequests
from shop.adapter import ProductView, ShopCatalogue
from shop.views import VariantView

logger = logging.getLogger(__name__)

#: how many of the shopper's messages before this one may name the variant
LOOK_BACK = 4
#: the most variants one request subscribes to
MAX_VARIANTS = 6


@functools.lru_cache(maxsize=4)
def _requests(database_url: str) -> RestockRequests:
    return RestockRequests(database_url)


def requests() -> RestockRequests:
    """The restock requests of this deployment's app database (``DATABASE_URL``)."""
    return _requests(current().database_url)


def _user_texts(tracker: Tracker) -> list[str]:
    """The shopper's messages, latest first."""
    return [str(e.get("text") or "") for e in reversed(tracker.events) if e.get("event") == "user"]


def wanted_variants(tracker: Tracker, variants: list[VariantView]) -> list[VariantView]:
    """The variants the latest message, else the nearest message before it that names options, points to;
    every variant when none does."""
    for text in _user_texts(tracker)[:LOOK_BACK + 1]:
        wanted = wanted_options(text, variants)
        if wanted.any():
            return matching_variants(variants, wanted)
    return variants


class ActionProductNotify(Action):
    def name(self) -> str:
        return "action_product_notify"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        shop = catalogue()
        if shop is None:
            dispatcher.utter_message(response="utter_product_no_catalogue")
            return []
        english = language(tracker) == "en"
        question = read_question(tracker, shop)
        product = shop.get_product(sku=question.skus[0]) if question.skus and question.ambiguous is None else None
        if product is None:
            dispatcher.utter_message(response="utter_product_notify_which")
            return []
        chosen = wanted_variants(tracker, shop.list_variants(sku=product.sku))
        out = [v for v in chosen if v.stock == 0][:MAX_VARIANTS]
        name = product.name_en if english else product.name_zh
        events: list[EventType] = [SlotSet(SKU_SLOT, product.sku)]
        if not out:
            if chosen:
                labels = ", ".join(variant_label(v, english) for v in chosen[:3]) if english \
                    else "、".join(variant_label(v, english) for v in chosen[:3])
                dispatcher.utter_message(response="utter_product_notify_in_stock", product=name, variants=labels)
            else:
                dispatcher.utter_message(response="utter_product_notify_which")
            return events
        channel = tracker.get_latest_input_channel() or ""
        fresh = [requests().subscribe(tracker.sender_id, channel=channel, variant_sku=v.variant_sku) for v in out]
        labels = ", ".join(variant_label(v, english) for v in out) if english \
            else "、".join(variant_label(v, english) for v in out)
        dispatcher.utter_message(response="utter_product_notify_subscribed" if any(fresh)
                                 else "utter_product_notify_already", product=name, variants=labels)
        return events


def _entity(tracker: Tracker, name: str) -> str | None:
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") == name and entity.get("value"):
            return str(entity["value"])
    return None


def restocked_variant(shop: ShopCatalogue, product_sku: str | None,
                      variant_sku: str | None) -> tuple[ProductView, VariantView] | None:
    if not product_sku or not variant_sku:
        return None
    product = shop.get_product(sku=product_sku.upper())
    if product is None:
        return None
    variant = next((v for v in shop.list_variants(sku=product.sku) if v.variant_sku == variant_sku.upper()), None)
    return None if variant is None else (product, variant)


class ActionProductRestocked(Action):
    def name(self) -> str:
        return "action_product_restocked"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        shop = catalogue()
        found = None if shop is None else restocked_variant(shop, _entity(tracker, "product_sku"),
                                                            _entity(tracker, "variant_sku"))
        if found is None:  # only the web app triggers this, with a variant it has just restocked
            logger.warning("restock notice: the triggered variant is not in the catalogue; nothing sent")
            return []
        product, variant = found
        english = language(tracker) == "en"
        dispatcher.utter_message(response="utter_product_restocked",
                                 product=product.name_en if english else product.name_zh,
                                 variant=variant_label(variant, english))
        return [SlotSet(SKU_SLOT, product.sku)]
