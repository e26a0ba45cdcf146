"""``validate_handoff_rating_form``: reads the 1-5 rating; a bad answer is asked again once."""

from __future__ import annotations

from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher

from handoff.rating import parse_rating

RATING_SLOT = "handoff_rating"
RETRIES_SLOT = "handoff_rating_retries"
#: Slot value when the customer gave no usable rating twice: the form ends without one.
SKIPPED = "skipped"


class ValidateHandoffRatingForm(FormValidationAction):
    def name(self) -> str:
        return "validate_handoff_rating_form"

    def validate_handoff_rating(self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: dict[str, Any]) -> dict[str, Any]:
        rating = parse_rating(slot_value if isinstance(slot_value, str) else str(slot_value or ""))
        if rating is not None:
            return {RATING_SLOT: rating}
        retries = int(tracker.get_slot(RETRIES_SLOT) or 0)
        if retries >= 1:
            return {RATING_SLOT: SKIPPED, RETRIES_SLOT: None}
        dispatcher.utter_message(response="utter_handoff_rating_invalid")
        return {RATING_SLOT: None, RETRIES_SLOT: retries + 1}
