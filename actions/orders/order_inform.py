"""``action_order_inform``: a bare order number (or a number button) outside any question.

A shopper who just sends "261103004817" wants to know about that order: the status lookup starts
with the number already read. A cancel or a return that is not done yet (slot ``order_task`` is
``cancel`` or ``return``: the remembered order could not be cancelled, was not delivered yet ...)
carries on with the new number instead: the request stays the request until it is done or dropped
(the actions that finish it empty ``order_task``), and the new order gets its own phone check.
Anything else that NLU calls ``inform`` ("尺码不合适" out of the blue) gets the question what
they would like to do.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.orders import access
from actions.orders.answers import read_answer

#: Requests that carry over to another order number until they are done or dropped.
OPEN_TASKS = ("cancel", "return")


def carried_task(tracker: Tracker) -> str:
    """What a bare order number asks for: the open cancel or return, else the order's status."""
    task = tracker.get_slot(access.TASK)
    return task if task in OPEN_TASKS else "status"


class ActionOrderInform(Action):
    """Starts the status lookup when the message holds an order number."""

    def name(self) -> str:
        return "action_order_inform"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        message = tracker.latest_message or {}
        answer = read_answer(message.get("text"), message.get("entities"))
        if answer.order_id:
            return [SlotSet(access.TASK, carried_task(tracker)), FollowupAction("order_lookup_form")]
        dispatcher.utter_message(response="utter_ask_order_task")
        return []
