"""``action_ask_order_id``: how ``order_lookup_form`` asks for the order number.

A signed-in shopper ("我的订单" on the widget) gets their recent orders to pick from, as buttons
whose payload names the order (ownership is checked again when it comes back). Everyone else is
asked to type the number.
"""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.orders import access
from actions.orders.labels import format_day, format_money, status_label

#: How many recent orders a signed-in shopper is offered.
RECENT_ORDERS = 5


class ActionAskOrderId(Action):
    """Asks for the order number, offering a signed-in customer's recent orders."""

    def name(self) -> str:
        return "action_ask_order_id"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        customer = access.signed_in_customer(tracker)
        if customer is None:
            dispatcher.utter_message(response="utter_ask_order_id")
            return []
        orders = access.shop().list_customer_orders(customer_id=customer, limit=RECENT_ORDERS)
        if not orders:
            dispatcher.utter_message(response="utter_no_orders_in_account")
            return []
        language = access.language(tracker)
        lines = [
            f"{order.order_id} · {format_day(order.created_at, language)} · "
            f"{status_label(order.status, language)} · {format_money(order.total_cny)}"
            for order in orders
        ]
        buttons = [
            {"title": order.order_id, "payload": "/inform" + json.dumps({"order_id": order.order_id})}
            for order in orders
        ]
        dispatcher.utter_message(response="utter_ask_order_id_pick", order_list="\n".join(lines), buttons=buttons)
        return []
