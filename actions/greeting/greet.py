"""``action_greet``: the greeting, by name for a customer the conversation proves.

Proven means signed in on the widget (a valid customer token in this message) or a passed order
check that still counts in this conversation (:func:`actions.human_handoff.common.known_customer`).
A channel identity merely linked earlier (a Telegram chat that once passed a check) is not: the
identity rule says a link never widens what a conversation may see, and a name is something to see.
Everyone else gets ``utter_greet`` as before.

The known customer is greeted in their profile's language unless what they wrote says otherwise
(:func:`customers.greeting.greeting_language`); the slots ``language`` and ``script`` are set to
it, so the replies that follow keep it until the customer writes in another language.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.human_handoff.common import known_customer, latest_user_text, profile_of
from actions.orders import access
from customers.greeting import greeting_language

logger = logging.getLogger(__name__)


class ActionGreet(Action):
    """Greets; a proven customer by name, in their profile's language."""

    def name(self) -> str:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        profile = profile_of(known_customer(tracker))
        if profile is None or not profile.name:
            dispatcher.utter_message(response="utter_greet")
            return []
        script = tracker.get_slot(access.SCRIPT)
        reply = greeting_language(profile.language, latest_user_text(tracker),
                                  script=script if script in ("hk", "tw") else None)
        if reply is None:
            dispatcher.utter_message(response="utter_greet_known", customer_name=profile.name)
            return []
        dispatcher.utter_message(response="utter_greet_known", customer_name=profile.name,
                                 reply_language=reply.language, reply_script=reply.script)
        events: list[EventType] = [SlotSet(access.LANGUAGE, reply.language)]
        if reply.script is not None:
            events.append(SlotSet(access.SCRIPT, reply.script))
        return events
