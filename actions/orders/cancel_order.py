"""``action_cancel_order``: asks to confirm cancelling the verified order, or says why it can't be.

The answer ("是" / "否" / "不取消了") is handled by ``action_cancel_order_confirm``; the order to
cancel waits in slot ``cancel_pending_order`` (set only here).
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.orders import access
from actions.orders.base import OrderAction
from actions.orders.labels import format_items, format_money, status_label
from shop.adapter import OrderView, ShopAdapter
from shop.policy import CANCELLABLE


class ActionCancelOrder(OrderAction):
    """Checks that the order may be cancelled and asks the shopper to confirm."""

    task = "cancel"

    def name(self) -> str:
        return "action_cancel_order"

    def cleared(self) -> list[EventType]:
        return [SlotSet(access.CANCEL_PENDING, None)]

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, order: OrderView,
            shop: ShopAdapter) -> list[EventType]:
        language = access.language(tracker)
        values = {"order_id": order.order_id, "status": status_label(order.status, language)}
        if order.status == "cancelled":
            dispatcher.utter_message(response="utter_cancel_already", **values)
            return [SlotSet(access.CANCEL_PENDING, None)]
        if order.status not in CANCELLABLE:
            dispatcher.utter_message(response="utter_cancel_not_possible", **values)
            return [SlotSet(access.CANCEL_PENDING, None)]
        dispatcher.utter_message(response="utter_cancel_confirm", items=format_items(order.lines, language),
                                 total=format_money(order.total_cny), **values)
        return [SlotSet(access.CANCEL_PENDING, order.order_id)]
