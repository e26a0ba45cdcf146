"""Placeholder of ``action_handoff_request`` until the handoff work replaces it at merge.

The order lookup follows up with this action after three failed identity checks (with slot
``handoff_reason`` = ``verification_failed``). Here it only offers a human.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher


class ActionHandoffRequest(Action):
    """Offers a human agent (placeholder)."""

    def name(self) -> str:
        return "action_handoff_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        dispatcher.utter_message(response="utter_handoff_offer")
        return []
