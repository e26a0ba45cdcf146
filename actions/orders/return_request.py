"""``action_return_request``: checks whether the verified order can be returned or exchanged.

Delivered orders inside the 7-day no-reason window (counted from the day after delivery) with at
least one returnable item go on to ``return_form``, which asks the reason (unless the request
already gave one: :mod:`actions.orders.return_reasons`); the others get the
reason why not and the route that stays open: the FAQ's own answers on exclusions (Article 25)
and on quality problems are uttered as they are (``utter_faq/...``), never copied here.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.orders import access
from actions.orders.base import OrderAction
from actions.orders.labels import exclusion_label, format_day, format_items, format_names, status_label
from actions.orders.return_reasons import request_text, stated_reason
from shop.adapter import OrderView, ShopAdapter
from shop.policy import CANCELLABLE, shop_today


def excluded_groups(order: OrderView, skus: tuple[str, ...], reasons: dict[str, str | None],
                    language: str | None) -> list[dict[str, Any]]:
    """Excluded items grouped by reason, as response values: ``[{"items": ..., "reason": ...}]``."""
    groups: dict[str | None, list[Any]] = {}
    for line in order.lines:
        if line.sku in skus:
            groups.setdefault(reasons.get(line.sku), []).append(line)
    return [{"items": format_names(lines, language), "reason": exclusion_label(reason, language)}
            for reason, lines in groups.items()]


class ActionReturnRequest(OrderAction):
    """Explains why the order can't be returned, or opens ``return_form`` to ask the reason."""

    task = "return"

    def name(self) -> str:
        return "action_return_request"

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, order: OrderView,
            shop: ShopAdapter) -> list[EventType]:
        language = access.language(tracker)
        check = order.return_check(shop_today())
        values = {"order_id": order.order_id, "status": status_label(order.status, language)}
        if check.outcome == "in_progress":
            dispatcher.utter_message(response="utter_return_in_progress", **values)
        elif check.outcome == "not_delivered":
            dispatcher.utter_message(response="utter_return_not_delivered", **values)
            if order.status in CANCELLABLE:
                dispatcher.utter_message(response="utter_return_suggest_cancel")
        elif check.outcome == "excluded":
            for group in excluded_groups(order, check.excluded, check.reasons, language):
                dispatcher.utter_message(response="utter_return_excluded", order_id=order.order_id, **group)
            dispatcher.utter_message(response="utter_faq/return_exclusions")
        elif check.outcome == "window_closed":
            dispatcher.utter_message(response="utter_return_window_closed", order_id=order.order_id,
                                     delivered=format_day(order.delivered_at, language),
                                     deadline=format_day(check.deadline, language))
            dispatcher.utter_message(response="utter_return_quality_route")
            dispatcher.utter_message(response="utter_faq/warranty_repair")
        else:
            eligible = [line for line in order.lines if line.sku in check.eligible]
            dispatcher.utter_message(response="utter_return_eligible", order_id=order.order_id,
                                     items=format_items(eligible, language),
                                     deadline=format_day(check.deadline, language))
            for group in excluded_groups(order, check.excluded, check.reasons, language):
                dispatcher.utter_message(response="utter_return_partly_excluded", **group)
            # a reason the request already gave ("我要退货，尺码不合适") is not asked again: the form
            # starts with it and files at once; the filed reply repeats it
            reason = stated_reason(request_text(tracker))
            return [SlotSet(access.RETURN_REASON, reason), FollowupAction("return_form")]
        return []
