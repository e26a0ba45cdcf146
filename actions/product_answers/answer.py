"""``action_product_answer``: every product question (intents ``product_*``), answered from the
shop's catalogue through the adapter; see :mod:`actions.product_answers.focus` for the product in focus."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.orders.access import language, signed_in_customer
from actions.orders.access import shop as shop_adapter
from actions.product_answers import replies
from actions.product_answers.card import send_card
from actions.product_answers.focus import KIND_SLOT, PENDING_SLOT, SKU_SLOT, Question, catalogue, read_question
from kefu.text import to_traditional
from shop.adapter import ShopCatalogue

#: how many of a signed-in shopper's latest orders a recommendation looks at
RECENT_ORDERS = 10


def bought_by(tracker: Tracker) -> list[str]:
    """The SKUs a signed-in shopper (the latest message's verified customer token) bought, newest
    order first; ``[]`` for an anonymous shopper. Only recommendations use them."""
    customer_id = signed_in_customer(tracker)
    if not customer_id:
        return []
    orders = shop_adapter().list_customer_orders(customer_id=customer_id, limit=RECENT_ORDERS)
    return [line.sku for order in orders if order.status != "cancelled" for line in order.lines]


class ActionProductAnswer(Action):
    def name(self) -> str:
        return "action_product_answer"

    def catalogue(self) -> ShopCatalogue | None:
        """The shop's catalogue (the configured adapter's)."""
        return catalogue()

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        shop = self.catalogue()
        if shop is None:
            dispatcher.utter_message(response="utter_product_no_catalogue")
            return []
        question = read_question(tracker, shop)
        lang = language(tracker)
        english = lang == "en"
        if question.ambiguous is not None:
            return self._ask_which(dispatcher, tracker, shop, question, english)
        events: list[EventType] = [SlotSet(KIND_SLOT, question.kind), SlotSet(PENDING_SLOT, None)]
        if question.kind == "recommend" and not question.skus:
            replies.recommend(dispatcher, shop, question.text, english, bought_by(tracker))
            return events
        products = [p for p in (shop.get_product(sku=sku) for sku in question.skus) if p is not None]
        if question.kind == "price" and not products:
            replies.price(dispatcher, shop, None, question.text, english, lang)
            return events
        if not products:
            if question.kind == "size":  # "我165 50公斤穿哪个尺码" with no product: the shop's size guide
                dispatcher.utter_message(response="utter_faq/size_guide")
            dispatcher.utter_message(response="utter_product_ask_which_product")
            return events
        focus = products[0]
        events.append(SlotSet(SKU_SLOT, focus.sku))
        if question.kind == "compare":
            if len(products) < 2:
                dispatcher.utter_message(response="utter_product_compare_ask", product=replies.name(focus, english))
            else:
                replies.compare(dispatcher, products[0], products[1], question.text, english)
        elif question.kind == "stock":
            replies.stock(dispatcher, shop, focus, question.text, english, lang, question.before)
            send_card(dispatcher, shop, focus, tracker)
        elif question.kind == "size":
            replies.size(dispatcher, focus, question.text, english)
        elif question.kind == "price":
            replies.price(dispatcher, shop, focus, question.text, english, lang)
            send_card(dispatcher, shop, focus, tracker)
        elif question.kind == "recommend":
            replies.recommend(dispatcher, shop, question.text, english, bought_by(tracker))
        else:
            replies.fact(dispatcher, focus, question.text, english)
        return events

    @staticmethod
    def _ask_which(dispatcher: CollectingDispatcher, tracker: Tracker, shop: ShopCatalogue, question: Question,
                   english: bool) -> list[EventType]:
        mention = question.ambiguous
        assert mention is not None
        group = next((g for g in shop.shared_aliases() if set(g.skus) == set(mention.skus)), None)
        products = [p for p in (shop.get_product(sku=sku) for sku in mention.skus) if p is not None]
        traditional = language(tracker) == "zh-Hant"
        buttons = []
        for product in products:
            title = product.name_en if english else product.name_zh
            buttons.append({"title": to_traditional(title, tracker.get_slot("script")) if traditional else title,
                            "payload": f'/product_pick{{"product_sku": "{product.sku}"}}'})
        names = (" / ".join(p.name_en for p in products) if english else "、".join(p.name_zh for p in products))
        if group is not None:
            dispatcher.utter_message(response="utter_product_which", question=group.ask_en if english else group.ask_zh,
                                     buttons=buttons)
        else:
            dispatcher.utter_message(response="utter_product_which_names", names=names, buttons=buttons)
        pending = {"kind": question.kind, "text": question.text, "picks": question.picks}
        return [SlotSet(PENDING_SLOT, pending), SlotSet(KIND_SLOT, question.kind)]
