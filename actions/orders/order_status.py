"""``action_order_status``: the verified order's status, carrier, tracking number and dates."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.orders import access
from actions.orders.base import OrderAction
from actions.orders.labels import carrier_label, format_day, format_items, format_money, status_label
from shop.adapter import OrderView, ShopAdapter
from shop.policy import IN_TRANSIT, shop_today


class ActionOrderStatus(OrderAction):
    """Tells the status of the order in slot ``order_id``, once the shopper may see it."""

    task = "status"

    def name(self) -> str:
        return "action_order_status"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, order: OrderView,
            shop: ShopAdapter) -> list[EventType]:
        language = access.language(tracker)
        dispatcher.utter_message(
            response="utter_order_status",
            order_id=order.order_id,
            status=status_label(order.status, language),
            items=format_items(order.lines, language),
            total=format_money(order.total_cny),
            created=format_day(order.created_at, language),
        )
        shipment = {
            "carrier": carrier_label(order.carrier, language),
            "tracking_no": order.tracking_no or "",
        }
        if order.status in IN_TRANSIT and order.tracking_no:
            dispatcher.utter_message(response="utter_order_tracking", eta=format_day(order.eta, language), **shipment)
            if order.eta and order.eta < shop_today():
                dispatcher.utter_message(response="utter_order_overdue", eta=format_day(order.eta, language))
        elif order.delivered_at is not None and order.tracking_no:
            dispatcher.utter_message(response="utter_order_delivered_on",
                                     delivered=format_day(order.delivered_at, language), **shipment)
        return []
