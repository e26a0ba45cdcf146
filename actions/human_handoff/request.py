"""``action_handoff_request``: hands the conversation to the human queue.

Runs when the customer asks for a human, complains (or sounds upset, see
``bot.nlu.sentiment``), is misunderstood twice in a row, or fails the order verification (the
orders flow sets ``handoff_reason`` to ``verification_failed`` first). In service hours it tells
the customer their place in the queue and the expected wait; from then on the handoff record
holds the conversation (the channels' gate records the customer's messages without a bot reply
until an agent resolves it), so nothing in the tracker is paused. Outside service hours it takes
a callback request, says when they will hear back, and the bot carries on meanwhile. An upset
shopper's FAQ question is answered first (:func:`question_answer`), then handed over.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.human_handoff.common import (
    Clocks,
    format_callback_time,
    handoff_service,
    latest_user_text,
    profile_of,
    transcript_of,
    who_is_it,
)
from actions.orders import access
from handoff.states import PRIORITY_TIERS, Reason
from shop.adapter import catalogue_of
from shop.views import MemberLevel

logger = logging.getLogger(__name__)

REASON_SLOT = "handoff_reason"
#: The reason a triggering intent stands for.
INTENT_REASONS = {
    "request_human": Reason.CUSTOMER_REQUEST,
    "complaint": Reason.COMPLAINT,
    "nlu_fallback": Reason.LOW_CONFIDENCE,
}


def has_dedicated_service(member_level: MemberLevel | None) -> bool:
    """Whether the tier gives a dedicated service line (专属客服): the catalogue's ``member_benefits``
    say so (``dedicated_service``); a shop without a catalogue, or without that tier in it, by the
    tiers of the priority queue (contract section 8: gold and black_gold)."""
    if member_level is None:
        return False
    try:
        catalogue = catalogue_of(access.shop())
        benefit = catalogue.member_benefits(level=member_level) if catalogue is not None else None
    except Exception:  # the shop is unreachable: the queue's tiers
        logger.warning("handoff: could not read the tier's benefits", exc_info=True)
        benefit = None
    return benefit.dedicated_service if benefit is not None else member_level in PRIORITY_TIERS


def reason_for(tracker: Tracker) -> Reason:
    """Why the conversation is handed over: the ``handoff_reason`` slot, else the latest message."""
    slot = tracker.get_slot(REASON_SLOT)
    if slot:
        try:
            return Reason(slot)
        except ValueError:
            logger.warning("handoff: ignoring unknown handoff_reason %r", slot)
    latest = tracker.latest_message or {}
    intent = (latest.get("intent") or {}).get("name")
    if intent == "complaint" and (latest.get("sentiment") or {}).get("intent_before"):
        return Reason.NEGATIVE_SENTIMENT
    return INTENT_REASONS.get(intent, Reason.CUSTOMER_REQUEST)


def question_answer(tracker: Tracker) -> str | None:
    """The FAQ answer (``utter_faq/<id>``) of an upset shopper's question, to give before the
    handoff: "这次购物体验太糟糕了，退款什么时候到账" is a complaint (the sentiment check) and
    still a question the bot can answer. Only when NLU took the message for that FAQ before the
    sentiment check turned it into ``complaint``; ``None`` otherwise."""
    latest = tracker.latest_message or {}
    if (latest.get("sentiment") or {}).get("intent_before") != "faq":
        return None
    response = ((latest.get("response_selector") or {}).get("faq") or {}).get("response") or {}
    key = response.get("intent_response_key")
    return f"utter_{key}" if isinstance(key, str) and key.startswith("faq/") else None


class ActionHandoffRequest(Action):
    def name(self) -> str:
        return "action_handoff_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        reason = reason_for(tracker)
        language = tracker.get_slot("language")
        answer = question_answer(tracker)
        if answer is not None:  # the question first, then the handoff
            dispatcher.utter_message(response=answer)
        order_id = tracker.slots.get("order_id")
        service = handoff_service()
        customer, proven = who_is_it(tracker)
        profile = profile_of(customer)
        member_level = profile.member_level if profile is not None else None
        try:
            outcome = await asyncio.get_running_loop().run_in_executor(None, lambda: service.request(
                sender_id=tracker.sender_id,
                channel=tracker.get_latest_input_channel() or "",
                reason=reason,
                language=language,
                customer_id=customer,
                order_id=order_id if isinstance(order_id, str) else None,
                trigger_text=latest_user_text(tracker),
                transcript=transcript_of(tracker),
                member_level=member_level,
                customer_proven=proven,
            ))
        except Exception:
            logger.exception("handoff: could not queue conversation for a human")
            dispatcher.utter_message(response="utter_handoff_unavailable")
            return [SlotSet(REASON_SLOT, None)]

        handoff = outcome.handoff
        logger.info("handoff %s: %s (%s, priority %s) → %s", handoff.id, handoff.reason, handoff.channel,
                    handoff.priority, handoff.status)
        if outcome.ticket_id is not None:
            dispatcher.utter_message(response="utter_handoff_complaint_recorded", ticket_id=str(outcome.ticket_id))
        if outcome.is_callback:
            dispatcher.utter_message(
                response="utter_handoff_callback",
                callback_time=format_callback_time(outcome.callback_at, Clocks.now(), language),
                service_hours=service.hours.describe().split(" ")[0],
            )
            return [SlotSet(REASON_SLOT, None)]
        if proven and profile is not None and has_dedicated_service(member_level):
            # 专属客服: a member who proves who they are now is greeted by name (a mere link of the
            # channel identity shows the shopper nothing of the record)
            dispatcher.utter_message(response="utter_handoff_queued_member", queue_position=outcome.position,
                                     wait_minutes=outcome.wait_minutes, customer_name=profile.name)
        else:
            dispatcher.utter_message(response="utter_handoff_queued", queue_position=outcome.position,
                                     wait_minutes=outcome.wait_minutes)
        events: list = [SlotSet(REASON_SLOT, None)]
        if tracker.active_loop_name:
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        return events
