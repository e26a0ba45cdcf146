"""``action_handoff_rating_submit``: stores the rating on the handoff and thanks the customer."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.human_handoff.common import handoff_service
from actions.human_handoff.rating_validate import RATING_SLOT, RETRIES_SLOT

logger = logging.getLogger(__name__)


class ActionHandoffRatingSubmit(Action):
    def name(self) -> str:
        return "action_handoff_rating_submit"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        rating = tracker.get_slot(RATING_SLOT)
        reset = [SlotSet(RATING_SLOT, None), SlotSet(RETRIES_SLOT, None)]
        if not isinstance(rating, (int, float)) or isinstance(rating, bool) or not 1 <= rating <= 5:
            dispatcher.utter_message(response="utter_handoff_rating_skipped")
            return reset
        try:
            await asyncio.get_running_loop().run_in_executor(
                None, handoff_service().record_rating, tracker.sender_id, int(rating))
        except Exception:  # the customer is thanked all the same
            logger.exception("handoff: could not store the rating")
        dispatcher.utter_message(response="utter_handoff_rating_thanks", handoff_rating=int(rating))
        return reset
