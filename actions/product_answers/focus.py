"""The product in focus of a conversation and what the shopper's message adds to it.

Slots (domain.yml, all ``custom``: only this action sets them): ``product_sku`` (the product in
focus), ``product_kind`` (the kind of the last product question: fact, stock, size, compare,
recommend, price), ``product_pending`` (a question waiting for the shopper to say which of
several products sharing a name they meant: ``{"kind", "text", "picks"}``).

A new product mention replaces the focus; a follow-up without one ("那黑色的呢", "L码呢",
"what about white?") keeps it and the kind of the question before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker

from kefu.settings import current
from kefu.text import normalize
from products.facts import asked_fact
from products.matcher import Mention, matcher_for
from shop.adapter import ShopCatalogue, catalogue_of, load_adapter

SKU_SLOT = "product_sku"
KIND_SLOT = "product_kind"
PENDING_SLOT = "product_pending"
#: the widget's metadata key naming the product page the shopper is on (bot/channels/metadata.py)
PAGE_KEY = "product_sku"

#: intent → kind of question
KINDS = {"product_fact": "fact", "product_stock": "stock", "product_size": "size", "product_compare": "compare",
         "product_recommend": "recommend", "product_price": "price"}
#: "和手表比呢", "compared with the watch": a follow-up that compares
COMPARE_WORDS = re.compile(r"比|对比|区别|不同|哪个|compare|vs|versus|differen|better")


def catalogue() -> ShopCatalogue | None:
    """The shop's catalogue, or ``None`` when the configured adapter has none."""
    return catalogue_of(load_adapter(current()))


@dataclass
class Question:
    """A product question as the action reads it."""

    kind: str
    text: str
    #: the products it is about, in order (the focus first)
    skus: list[str] = field(default_factory=list)
    #: a shared name still to be resolved
    ambiguous: Mention | None = None
    picks: list[str] = field(default_factory=list)
    #: the shopper's message before, whose colour and size a follow-up on the same product keeps
    #: ("大衣有没有黑色M码" → "那L码呢": black, L)
    before: str = ""


def read_question(tracker: Tracker, shop: ShopCatalogue) -> Question:
    """What this turn asks about which products (see the module docstring)."""
    message: dict[str, Any] = tracker.latest_message or {}
    intent = (message.get("intent") or {}).get("name", "")
    text = message.get("text") or ""
    focus = page_product(tracker, shop) or tracker.get_slot(SKU_SLOT)
    pending = tracker.get_slot(PENDING_SLOT) or None
    if intent == "product_pick" and isinstance(pending, dict):
        picked = next((e.get("value") for e in message.get("entities") or [] if e.get("entity") == SKU_SLOT), None)
        # the pipeline lower-cases the payload (bot/nlu/normalizer.py): SKUs are upper case
        picks = [*pending.get("picks", []), *([str(picked).upper()] if picked else [])]
        return _resolve(Question(str(pending.get("kind", "fact")), str(pending.get("text", "")), picks=picks),
                        shop, None)
    kind = KINDS.get(intent) or followup_kind(text, tracker.get_slot(KIND_SLOT), bool(focus))
    question = _resolve(Question(kind, text), shop, focus)
    if intent == "product_followup" and question.skus[:1] == [focus]:
        question.before = _previous_text(tracker)
    return question


def _page_sku(metadata: Any) -> str | None:
    value = metadata.get(PAGE_KEY) if isinstance(metadata, dict) else None
    return value.upper() if isinstance(value, str) and value else None


def page_product(tracker: Tracker, shop: ShopCatalogue) -> str | None:
    """The product of the storefront page the shopper writes from (widget metadata ``product_sku``),
    when it is a product of the catalogue and the focus should move to it: no product is in focus
    yet, or the shopper has opened another product's page since their last message. On the same
    page, the product the conversation moved to ("和手表比呢") stays in focus."""
    sku = _page_sku((tracker.latest_message or {}).get("metadata"))
    if sku is None or shop.get_product(sku=sku) is None:
        return None
    users = [e for e in tracker.events if e.get("event") == "user"]
    before = _page_sku(users[-2].get("metadata")) if len(users) >= 2 else None
    if tracker.get_slot(SKU_SLOT) and before == sku:
        return None
    return sku


def _previous_text(tracker: Tracker) -> str:
    users = [e for e in tracker.events if e.get("event") == "user"]
    return str(users[-2].get("text") or "") if len(users) >= 2 else ""


def followup_kind(text: str, before: str | None, focused: bool) -> str:
    """The kind of a follow-up: a comparison when it compares ("和手表比呢"), a fact when it names one
    ("那续航呢"), else stock after a fact, size or price question ("那黑色的呢"), else the kind before."""
    if focused and COMPARE_WORDS.search(normalize(text)):
        return "compare"
    if asked_fact(text) is not None:
        return "fact"
    if before in (None, "fact", "size", "price"):
        return "stock"
    return before


def _resolve(question: Question, shop: ShopCatalogue, focus: str | None) -> Question:
    mentions = matcher_for(shop).mentions(question.text)
    skus: list[str] = []
    for mention in mentions:
        if not mention.ambiguous:
            skus.append(mention.skus[0])
            continue
        picked = next((sku for sku in question.picks if sku in mention.skus), None)
        if picked is None:
            question.ambiguous = mention
            return question
        skus.append(picked)
    if question.kind == "compare" and focus and len(skus) == 1 and skus[0] != focus:
        skus.insert(0, focus)  # "和手表比呢": the product in focus against the new one
    if not skus and focus:
        skus = [focus]
    question.skus = list(dict.fromkeys(skus))
    return question
