"""``action_cancel_order``: asks to confirm cancelling the verified order, or says why it can't be.

The answer ("是" / "否" / "不取消了") is handled by ``action_cancel_order_confirm``; the order to
cancel waits in slot ``cancel_pending_order`` (set only here).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.orders import access
from actions.orders.labels import format_items, format_money, status_label
from shop.policy import CANCELLABLE


class ActionCancelOrder(Action):
    """Checks that the order may be cancelled and asks the shopper to confirm."""

    def name(self) -> str:
        return "action_cancel_order"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        order = access.authorised_order(tracker)
        if order is None:
            again = access.recheck(tracker, "cancel")  # verified earlier: the digits again, then on
            if again is not None:
                return [SlotSet(access.CANCEL_PENDING, None), *again]
            dispatcher.utter_message(response="utter_order_verification_failed")
            return [SlotSet(access.CANCEL_PENDING, None)]
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
