"""``validate_return_form``: takes the shopper's next message as the reason for the return.

Any words count as a reason ("衣服大了，想换小一码" too, though NLU may take it for the FAQ on
exchanges), except a bare yes or a filler ("好的", "这个呢": asked again), "no" / "不退了", which ends the form without a reason (nothing is filed), and
a question for the FAQ, a greeting or another order topic, which reject the form so that the
rules answer them before the form asks again.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.orders import access
from actions.orders.answers import read_answer
from kefu.text import is_blank, normalize
from shop.policy import MAX_REASON

#: Words that call the request off.
_STOP = re.compile(r"^(?:算了|不用了|不退了|不换了|不办了|先不退|不要退)|never ?mind|don'?t (?:return|exchange)")
#: Intents that are not a reason: the form is rejected and the rules take the message.
NOT_A_REASON = {"order_status", "goodbye", "request_human", "greet", "thank", "bot_challenge"}
#: A question ("退款多久到账？") is answered from the FAQ before the reason is asked again.
_QUESTION = re.compile(r"[?？]\s*$|吗|么|多久|怎么|how|what|when|why|\?")


class ValidateReturnForm(Action):
    """Fills ``return_reason`` from the shopper's own words."""

    def name(self) -> str:
        return "validate_return_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        if ((tracker.active_loop or {}).get("name") != "return_form"
                or tracker.get_slot("requested_slot") != access.RETURN_REASON):
            return []  # starting: the reason is asked first
        intent = access.latest_intent(tracker)
        text = access.latest_user_text(tracker)
        if intent == "deny" or _STOP.search(normalize(text)):
            # "不用了" / "不退了": the form ends without a reason and nothing is filed
            return [SlotSet(access.RETURN_REASON, None), SlotSet("requested_slot", None)]
        if intent in NOT_A_REASON or (intent == "faq" and _QUESTION.search(normalize(text))):
            return []
        if (intent == "affirm" and len(text.strip()) <= 4) or access.says_nothing(tracker):
            # "好的" / "ok" / "这个呢" is not a reason: ask again
            return [SlotSet(access.RETURN_REASON, None), SlotSet("requested_slot", access.RETURN_REASON)]
        answer = read_answer(text)
        if is_blank(text) or (answer.order_id and len(text.strip()) <= 20):
            return []  # an order number alone is not a reason
        reason = " ".join(text.split())[:MAX_REASON]
        return [SlotSet(access.RETURN_REASON, reason), SlotSet("requested_slot", None)]
