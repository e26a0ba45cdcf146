"""``action_return_submit``: files the return or exchange once ``return_form`` has the reason.

Exchange or return is read from the shopper's words (换货 / 换一个尺码 / exchange / swap);
"退换货" alone counts as a return. The shop adapter re-checks the window and the status in the
transaction that writes the request, and a second request for the same order writes nothing.
Next steps: the return address (``{return_address}``, faq/shop.yml) and, for returns, who pays the
postage (:func:`say_return_postage`) and the FAQ's refund timing (``utter_faq/refund_time``).
"""

from __future__ import annotations

import re

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.orders import access
from actions.orders.base import OrderAction
from actions.orders.labels import format_items, format_names, kind_label
from kefu.text import normalize
from shop.adapter import AfterSalesKind, OrderView, ShopAdapter, catalogue_of
from shop.policy import shop_today

_EXCHANGE = re.compile(r"换货|换一|换个|换成|换大|换小|换码|换尺|换颜色|换款|调换|exchange|swap|replace")


def requested_kind(tracker: Tracker) -> AfterSalesKind:
    """``exchange`` when the shopper's words since the request ask for one, else ``return``."""
    texts = []
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            texts.append(event.get("text") or "")
            if ((event.get("parse_data") or {}).get("intent") or {}).get("name") == "return_request":
                break
    texts.append(tracker.get_slot(access.RETURN_REASON) or "")
    return "exchange" if any(_EXCHANGE.search(normalize(text)) for text in texts) else "return"


def say_return_postage(dispatcher: CollectingDispatcher, shop: ShopAdapter, order: OrderView,
                       language: str | None) -> None:
    """Who pays the postage of this return: the order's customer's tier, when the shop's
    ``member_benefits`` give it free return shipping (in the catalogue's words), else the FAQ's rule
    (``utter_faq/return_shipping_cost``). Nothing is said that the shop's data does not say."""
    catalogue = catalogue_of(shop)
    customer = shop.get_customer(customer_id=order.customer_id) if order.customer_id else None
    benefit = catalogue.member_benefits(level=customer.member_level) if catalogue and customer else None
    if benefit is not None and benefit.free_return_shipping:
        english = language == "en"
        dispatcher.utter_message(response="utter_return_shipping_member",
                                 tier_name=benefit.name_en if english else benefit.name_zh,
                                 benefit=benefit.free_return_shipping_en if english else benefit.free_return_shipping_zh)
        return
    dispatcher.utter_message(response="utter_faq/return_shipping_cost")


class ActionReturnSubmit(OrderAction):
    """Creates the after-sales request and tells the next steps."""

    task = "return"

    def name(self) -> str:
        return "action_return_submit"

    def cleared(self) -> list[EventType]:
        return [SlotSet(access.RETURN_REASON, None)]

    def before(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
        if tracker.get_slot(access.RETURN_REASON):
            return None
        dispatcher.utter_message(response="utter_return_not_filed")
        return self.cleared() + [SlotSet(access.TASK, None)]  # dropped: a later number asks its status

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, order: OrderView,
            shop: ShopAdapter) -> list[EventType]:
        cleared = self.cleared()
        language = access.language(tracker)
        kind = requested_kind(tracker)
        reason = tracker.get_slot(access.RETURN_REASON)
        result = shop.request_after_sales(order_id=order.order_id, kind=kind, reason=reason, today=shop_today())
        if result.request_id is None:  # the window closed or the status changed meanwhile
            dispatcher.utter_message(response="utter_return_not_possible_now", order_id=order.order_id)
            return cleared
        if not result.created:
            dispatcher.utter_message(response="utter_return_already_filed", order_id=order.order_id,
                                     request_id=str(result.request_id))
            return cleared + [SlotSet(access.TASK, None)]
        lines = [line for line in order.lines if line.sku in result.skus]
        dispatcher.utter_message(response="utter_return_filed", order_id=order.order_id,
                                 kind=kind_label(kind, language), items=format_items(lines, language),
                                 reason=reason, request_id=str(result.request_id))
        sealed = [line for line in lines if line.sku in result.check.sealed]
        if sealed:
            dispatcher.utter_message(response="utter_return_sealed_condition", items=format_names(sealed, language))
        dispatcher.utter_message(response="utter_return_address", order_id=order.order_id)
        if kind == "return":
            say_return_postage(dispatcher, shop, order, language)
            dispatcher.utter_message(response="utter_faq/refund_time")
        else:
            dispatcher.utter_message(response="utter_exchange_next")
        return cleared + [SlotSet(access.TASK, None)]  # done: a later number asks its status
