"""``validate_order_lookup_form``: reads the order number and phone digits, checks ownership.

Runs on every turn of ``order_lookup_form`` (and when it starts). It reads numbers from free
text itself (:mod:`actions.orders.answers`), whatever intent NLU gave the message, because the
form's slots have ``custom`` mappings: nothing a message carries sets them directly.

Outcomes, all as slot events:

* both known and matching (or a signed-in customer's own order): ``requested_slot`` = None,
  which ends the form, and the rules run the action of slot ``order_task``; a passed phone check
  is recorded in slot ``order_verification`` (order, channel, time: see
  :mod:`actions.orders.access`);
* the lookup starts again for an order whose phone digits an earlier turn gave: they stand only
  while that verification counts, else they are asked for again (``action_ask_phone_last4``);
* a mismatch, an unknown order, another customer's order, or a malformed number: one identical
  reply per kind, one more wrong answer counted (:mod:`verification.failures`, outside the
  tracker), and the form asks again. After wrong phone digits (or an unknown number, which gets
  the same reply) the order number is kept and only the digits are asked for again, so a shopper
  who retypes the 4 digits is not told they are no order number; a signed-in shopper's number
  that is not in their account is asked for again;
* the :data:`~actions.orders.access.MAX_FAILURES`-th wrong answer: ``handoff_reason`` =
  verification_failed, the form ends and follows up with ``utter_order_lookup_locked``, after
  which a rule runs ``action_handoff_request``. Later lookups in the conversation end the same
  way at once, without asking.
* nothing usable and the message is about something else (an FAQ question, "no"): no events,
  so the form is rejected and the rules answer it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import customer_links
from actions.orders import access
from actions.orders.answers import read_answer

logger = logging.getLogger(__name__)

FORM = "order_lookup_form"
_DIGIT = re.compile(r"[0-9０-９]")
_HAN = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[A-Za-z]{2,}")
REQUESTED_SLOT = "requested_slot"
#: Order topics: said again without a number, the form simply asks again (slot order_task follows).
ORDER_INTENTS = {"order_status", "cancel_order", "return_request"}
#: Intents whose message, holding no number, is still an attempt to answer the form's question.
ANSWER_INTENTS = {"inform", "affirm", "nlu_fallback", None}


def looks_like_a_number(tracker: Tracker) -> bool:
    """Digits with hardly any words around them ("1' OR '1'='1", "#12-34"): an attempt at a number."""
    text = access.latest_user_text(tracker)
    return bool(_DIGIT.search(text)) and not _HAN.search(text) and len(_WORD.findall(text)) <= 3


class ValidateOrderLookupForm(Action):
    """Extracts and checks ``order_id`` and ``phone_last4`` of ``order_lookup_form``."""

    def name(self) -> str:
        return "validate_order_lookup_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        if access.is_locked(tracker):
            return self._locked()
        # The form asks for a slot on every turn; none requested yet means it is starting now
        # (at activation the tracker may already show the form as the active loop).
        active = (tracker.active_loop or {}).get("name") == FORM
        requested = tracker.get_slot(REQUESTED_SLOT) if active else None
        starting = requested is None
        customer = access.signed_in_customer(tracker)
        answer = read_answer((tracker.latest_message or {}).get("text"),
                             (tracker.latest_message or {}).get("entities"))

        order_id = tracker.get_slot(access.ORDER_ID)
        phone = tracker.get_slot(access.PHONE_LAST4)
        changed = False
        if answer.order_id and answer.order_id != order_id:
            # another order: digits given for the previous one do not carry over
            phone = None if order_id is not None else phone
            order_id, changed = answer.order_id, True
        typed_phone = False
        if customer is None and answer.phone_last4 and (
            requested == access.PHONE_LAST4 or answer.phone_context or answer.order_id
        ):
            phone, changed, typed_phone = answer.phone_last4, True, True

        if not changed and not starting:
            # Nothing new in the message: a malformed attempt, a word of agreement, or another topic.
            intent = access.latest_intent(tracker)
            attempt = answer.has_numbers or looks_like_a_number(tracker)
            repeated = answer.order_id is not None and not answer.malformed and not answer.phone_endings
            if attempt or intent in ANSWER_INTENTS:
                return self._malformed(dispatcher, tracker, requested, counts=attempt and not repeated)
            if intent in ORDER_INTENTS:
                return [SlotSet(requested, None), SlotSet(REQUESTED_SLOT, requested)]
            return []  # reject: the rules answer the digression, then the form asks again

        if starting and customer is None and phone is not None and not typed_phone:
            # digits an earlier lookup gave stand only while the verification they passed counts
            if access.verification_counts(tracker, order_id):
                return [SlotSet(access.ORDER_ID, order_id), SlotSet(access.PHONE_LAST4, phone),
                        SlotSet(REQUESTED_SLOT, None)]
            phone = None
        return self._check(dispatcher, tracker, customer, order_id, phone)

    # ------------------------------------------------------------------ outcomes
    def _check(self, dispatcher: CollectingDispatcher, tracker: Tracker, customer: str | None,
               order_id: str | None, phone: str | None) -> list[EventType]:
        """Decides once the known values are in; asks for what is missing otherwise."""
        events: list[EventType] = [SlotSet(access.ORDER_ID, order_id), SlotSet(access.PHONE_LAST4, phone)]
        if order_id is None:
            return events + [SlotSet(REQUESTED_SLOT, access.ORDER_ID)]
        repo = access.shop()
        counter = access.failure_counter()
        if customer is not None:
            if repo.check_order_customer(order_id=order_id, customer_id=customer):
                customer_links.link(tracker, customer, by="customer_token")
                return events + [SlotSet(access.VERIFICATION, None), SlotSet(REQUESTED_SLOT, None),
                                 *access.profile_script(tracker, repo, customer_id=customer)]
            dispatcher.utter_message(response="utter_order_not_in_account")
            return self._wrong(events, counter.count_wrong_answer(tracker.sender_id))
        if phone is None:
            return events + [SlotSet(REQUESTED_SLOT, access.PHONE_LAST4)]
        outcome = counter.check(tracker.sender_id, order_id,
                                lambda: repo.check_order_owner(order_id=order_id, phone_last4=phone))
        if outcome.passed:
            order = repo.get_order(order_id=order_id)
            customer_links.link(tracker, order.customer_id if order is not None else None, by="order_check")
            return events + [SlotSet(access.VERIFICATION, access.new_verification(tracker, order_id)),
                             SlotSet(REQUESTED_SLOT, None), *access.profile_script(tracker, repo, order_id=order_id)]
        dispatcher.utter_message(response="utter_order_verification_failed")
        # the number stays and only the digits are asked again: an unknown number gets the same
        # reply and the same question, so keeping it tells nothing (the failures still count)
        return self._wrong(events, outcome.failures, keep_order=True)

    def _malformed(self, dispatcher: CollectingDispatcher, tracker: Tracker, requested: str | None,
                   counts: bool) -> list[EventType]:
        """Says what a valid answer looks like; a wrong number (not a mere "ok") counts as wrong."""
        slot = requested or access.ORDER_ID
        dispatcher.utter_message(
            response="utter_phone_last4_invalid" if slot == access.PHONE_LAST4 else "utter_order_id_invalid"
        )
        if not counts:
            return [SlotSet(slot, None), SlotSet(REQUESTED_SLOT, slot)]
        count = access.failure_counter().count_wrong_answer(tracker.sender_id)
        return self._wrong([], count, keep_order=slot == access.PHONE_LAST4)

    def _wrong(self, events: list[EventType], count: int, keep_order: bool = False) -> list[EventType]:
        """After a counted wrong answer (``count`` in this conversation): the last one closes the lookup."""
        logger.info("order lookup: wrong answer %d of %d", count, access.MAX_FAILURES)
        dropped = (access.PHONE_LAST4,) if keep_order else (access.ORDER_ID, access.PHONE_LAST4)
        events = [e for e in events if e.get("name") not in dropped]
        events += [SlotSet(access.VERIFICATION, None), SlotSet(access.PHONE_LAST4, None)]
        if count >= access.MAX_FAILURES:
            events = [e for e in events if e.get("name") != access.ORDER_ID]
            return events + [SlotSet(access.ORDER_ID, None)] + self._locked()
        if keep_order:
            return events + [SlotSet(REQUESTED_SLOT, access.PHONE_LAST4)]
        return events + [SlotSet(access.ORDER_ID, None), SlotSet(REQUESTED_SLOT, access.ORDER_ID)]

    @staticmethod
    def _locked() -> list[EventType]:
        return [
            SlotSet(access.HANDOFF_REASON, "verification_failed"),
            SlotSet(REQUESTED_SLOT, None),
            FollowupAction("utter_order_lookup_locked"),
        ]
