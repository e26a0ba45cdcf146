"""``action_cancel_order_confirm``: the shopper's answer to "cancel order X?".

Runs right after ``action_cancel_order`` when the reply is affirm, deny, cancel_order or not
understood (nlu_fallback) (rules). Only "yes" for the order still pending, still visible to this
shopper, cancels it; the status is re-checked in the same transaction that changes it. A reply that
is neither yes nor no ("这个呢", "那个") changes nothing: the bot says it did not understand and asks
again; when NLU understood neither this reply nor the one before, the shopper gets a human
(the contract's "low confidence twice in a row"), the order unchanged.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.orders import access
from actions.orders.answers import read_answer, read_decision
from actions.orders.base import OrderAction
from actions.orders.labels import status_label
from shop.adapter import OrderView, ShopAdapter


class ActionCancelOrderConfirm(OrderAction):
    """Cancels the pending order on "yes", keeps it on "no"."""

    task = "cancel"

    def name(self) -> str:
        return "action_cancel_order_confirm"

    def cleared(self) -> list[EventType]:
        return [SlotSet(access.CANCEL_PENDING, None)]

    def expected_order(self, tracker: Tracker) -> str | None:
        pending: str | None = tracker.get_slot(access.CANCEL_PENDING)
        return pending

    def before(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
        """Everything but a "yes" for the order still pending is answered without the order."""
        pending = tracker.get_slot(access.CANCEL_PENDING)
        cleared = self.cleared()
        message = tracker.latest_message or {}
        mentioned = read_answer(message.get("text"), message.get("entities")).order_id
        if pending is None or (mentioned and mentioned != pending):
            # Nothing was waiting for a yes, or the shopper names another order: look that one up
            # (another number is still the cancel the shopper asked for, whatever NLU made of it).
            if access.latest_intent(tracker) == "cancel_order" or mentioned:
                return cleared + [SlotSet(access.TASK, "cancel"), FollowupAction("order_lookup_form")]
            dispatcher.utter_message(response="utter_ack")
            return cleared
        decision = read_decision(access.latest_user_text(tracker), access.latest_intent(tracker))
        if decision is None:
            if _misunderstood_twice(tracker):
                return cleared + [FollowupAction("action_handoff_request")]
            dispatcher.utter_message(response="utter_cancel_unclear")
            # action_cancel_order re-checks the order and asks again; its rules take the answer
            return [FollowupAction("action_cancel_order")]
        if decision is False:
            dispatcher.utter_message(response="utter_cancel_kept", order_id=pending)
            return cleared + [SlotSet(access.TASK, None)]  # dropped: a later number asks its status
        # yes: on to the guard, for the pending order if this shopper may still see it (verified
        # too long ago: the digits again, then the question again)
        return None

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, order: OrderView,
            shop: ShopAdapter) -> list[EventType]:
        result = shop.cancel_order(order_id=order.order_id)
        language = access.language(tracker)
        if not result.cancelled:
            dispatcher.utter_message(response="utter_cancel_not_possible", order_id=order.order_id,
                                     status=status_label(result.status or order.status, language))
            return self.cleared()
        dispatcher.utter_message(response="utter_cancel_done", order_id=order.order_id,
                                 status=status_label("cancelled", language))
        if result.was_paid:
            dispatcher.utter_message(response="utter_cancel_refund")
        return self.cleared() + [SlotSet(access.TASK, None)]  # done: a later number asks its status


def _misunderstood_twice(tracker: Tracker) -> bool:
    """Whether NLU understood neither of the shopper's last two messages (both nlu_fallback)."""
    intents = [((event.get("parse_data") or {}).get("intent") or {}).get("name")
               for event in reversed(tracker.events or []) if event.get("event") == "user"][:2]
    return intents == ["nlu_fallback", "nlu_fallback"]
