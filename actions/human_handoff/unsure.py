"""``action_unsure_turn``: counts a message NLU was unsure of towards "misunderstood twice → human".

The contract hands the conversation to a person when NLU confidence is low twice in a row. Two
kinds of message are such a low-confidence turn: ``nlu_fallback`` (the FallbackClassifier was
unsure), and an FAQ guess the FAQ gate (``bot.nlu.faq_gate``) withheld as ``out_of_scope``: the
gate leaves its trace ``faq_gate`` in the parse. An ``out_of_scope`` the model is sure of ("今天
北京天气怎么样") is understood and counts as none. The action sets ``unsure_twice``; the rules
(data/rules/basics.yml) reply as before (``utter_default``, ``utter_out_of_scope``) when it is
false, and hand over (``action_handoff_request``, reason ``low_confidence``) when it is true.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from handoff.states import Reason

UNSURE_SLOT = "unsure_twice"
FALLBACK_INTENT = "nlu_fallback"
FAQ_GATE = "faq_gate"


def unsure(parse: dict[str, Any]) -> bool:
    """Whether NLU was unsure of a message (its parse data): ``nlu_fallback``, or an FAQ guess the gate withheld."""
    intent = (parse.get("intent") or {}).get("name")
    return intent == FALLBACK_INTENT or bool(parse.get(FAQ_GATE))


def unsure_twice(events: list[dict[str, Any]]) -> bool:
    """Whether the last two customer messages were both ones NLU was unsure of."""
    messages = [e.get("parse_data") or {} for e in events
                if e.get("event") == "user" and not str(e.get("text") or "").startswith("/")]
    return len(messages) >= 2 and unsure(messages[-1]) and unsure(messages[-2])


class ActionUnsureTurn(Action):
    def name(self) -> str:
        return "action_unsure_turn"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        twice = unsure_twice(tracker.events)
        events: list = [SlotSet(UNSURE_SLOT, twice)]
        if twice:
            events.append(SlotSet("handoff_reason", Reason.LOW_CONFIDENCE.value))
        return events
