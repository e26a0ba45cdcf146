"""``action_order_status``: the verified order's status, carrier, tracking number and dates."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.orders import access
from actions.orders.labels import carrier_label, format_day, format_items, format_money, status_label
from shop.policy import IN_TRANSIT, shop_today


class ActionOrderStatus(Action):
    """Tells the status of the order in slot ``order_id``, once the shopper may see it."""

    def name(self) -> str:
        return "action_order_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        order = access.authorised_order(tracker)
        if order is None:
            again = access.recheck(tracker, "status")
            if again is not None:
                return again
            dispatcher.utter_message(response="utter_order_verification_failed")
            return []
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
