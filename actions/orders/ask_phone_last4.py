"""``action_ask_phone_last4``: how ``order_lookup_form`` asks for the last 4 phone digits.

Normally with ``utter_ask_phone_last4``. When this conversation verified the very order before
but that verification no longer counts (older than ``KEFU_VERIFICATION_MINUTES``, made on another
channel or in an earlier session), with ``utter_ask_phone_last4_again``, which says why the
digits are asked for once more. Neither names the order.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.orders import access


class ActionAskPhoneLast4(Action):
    """Asks for the phone digits, saying so when a lapsed verification is asked for again."""

    def name(self) -> str:
        return "action_ask_phone_last4"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        again = access.lapsed_verification(tracker)
        dispatcher.utter_message(response="utter_ask_phone_last4_again" if again else "utter_ask_phone_last4")
        return []
