"""Who may see which order: the identity rule of contract section 4, applied by every action.

* A shopper signed in on the widget is vouched for by a signed customer token in the message
  metadata (``{"customer_token": "<JWT>"}``). It is verified on every message, never stored in a
  slot, and it opens only that customer's own orders.
* Anyone else proves an order is theirs with its number and the last 4 digits of the phone
  number on it. ``validate_order_lookup_form`` checks them and records the passed check in the
  slot ``order_verification`` (slot mappings ``custom``: only actions set it, never a message):
  ``{"order_id", "channel", "at"}``, the order, the input channel of the message that passed it
  and that message's time (Rasa's clock, epoch seconds). It counts (:func:`verification_counts`)
  only for that order, on that channel, in the session that made it (after the latest
  ``session_started``: the slot is carried over into a new session, the verification is not)
  and for ``KEFU_VERIFICATION_MINUTES``. :func:`authorised_order` still re-checks the phone
  digits against the shop. A verification that no longer counts is asked for again
  (:func:`recheck`), keeping the order number and the shopper's request.
* Wrong answers are counted outside the conversation (:mod:`verification.failures`, per sender id
  and per order number), so ``/back``, ``/restart`` and a new session cannot undo them; after
  :data:`MAX_FAILURES` of them the conversation's lookup is closed.
"""

from __future__ import annotations

import functools
import logging
import time
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet

from kefu.regional import region_of_locale
from kefu.settings import SettingsError, current
from kefu.tokens import customer_tokens
from shop.adapter import OrderView, ShopAdapter, load_adapter
from shop.policy import is_order_id
from verification.failures import MAX_CONVERSATION_FAILURES, FailureCounter

logger = logging.getLogger(__name__)

#: Wrong answers (mismatched order number and phone, malformed numbers) before the lookup closes.
MAX_FAILURES = MAX_CONVERSATION_FAILURES

# Slots of the order dialogue (domain.yml).
ORDER_ID = "order_id"
PHONE_LAST4 = "phone_last4"
VERIFICATION = "order_verification"
TASK = "order_task"                # status | cancel | return
CANCEL_PENDING = "cancel_pending_order"
RETURN_REASON = "return_reason"
HANDOFF_REASON = "handoff_reason"
LANGUAGE = "language"
SCRIPT = "script"                  # hk | tw: the character forms of traditional replies


def shop() -> ShopAdapter:
    """The shop adapter of this deployment (``SHOP_ADAPTER``), built on first use (:func:`shop.adapter.load_adapter`)."""
    return load_adapter(current())


@functools.lru_cache(maxsize=4)
def _failure_counter(database_url: str) -> FailureCounter:
    return FailureCounter(database_url)


def failure_counter() -> FailureCounter:
    """Where wrong answers are counted (the app database, ``DATABASE_URL``)."""
    return _failure_counter(current().database_url)


def language(tracker: Tracker) -> str | None:
    return tracker.get_slot(LANGUAGE)


def signed_in_customer(tracker: Tracker) -> str | None:
    """The customer id vouched for by the latest message's token, or ``None`` (anonymous).

    The one reader of the customer token in the actions (orders, products, greeting, handoff): the
    ``customer_token`` key only, the one the channels let through (:mod:`bot.channels.metadata`).
    """
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    token = metadata.get("customer_token") if isinstance(metadata, dict) else None
    if not token:
        return None
    try:
        tokens = customer_tokens(current())
    except SettingsError:
        logger.warning("customer token received but no key to check it is configured; treating as anonymous")
        return None
    return tokens.read(token)


def failures(tracker: Tracker) -> int:
    """Wrong answers in this conversation (counted outside the tracker)."""
    return failure_counter().failures(tracker.sender_id)


def is_locked(tracker: Tracker) -> bool:
    return failure_counter().is_locked(tracker.sender_id)


# ---------------------------------------------------------------------- verification
def message_time(tracker: Tracker) -> float:
    """When the latest message came (Rasa's timestamp, the clock session starts are told by)."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "user" and isinstance(event.get("timestamp"), (int, float)):
            return float(event["timestamp"])
    return time.time()


def session_start(tracker: Tracker) -> float:
    """When the current session started (the latest ``session_started``; 0 when none is known)."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "session_started" and isinstance(event.get("timestamp"), (int, float)):
            return float(event["timestamp"])
    return 0.0


def input_channel(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or ""


def new_verification(tracker: Tracker, order_id: str) -> dict[str, Any]:
    """The slot value recording that this message passed the check for ``order_id``."""
    return {"order_id": order_id, "channel": input_channel(tracker), "at": message_time(tracker)}


def verification(tracker: Tracker) -> dict[str, Any] | None:
    """The recorded verification, when the slot holds a well-formed one."""
    value = tracker.get_slot(VERIFICATION)
    if not isinstance(value, dict):
        return None
    order_id, channel, at = value.get("order_id"), value.get("channel"), value.get("at")
    if not is_order_id(order_id) or not isinstance(channel, str) or isinstance(at, bool) \
            or not isinstance(at, (int, float)):
        return None
    return {"order_id": order_id, "channel": channel, "at": float(at)}


def verification_counts(tracker: Tracker, order_id: str | None) -> bool:
    """Whether a passed check opens ``order_id`` for the current message: the same order, the
    same input channel, made in the current session, and younger than ``KEFU_VERIFICATION_MINUTES``."""
    recorded = verification(tracker)
    if recorded is None or order_id is None or recorded["order_id"] != order_id:
        return False
    if recorded["channel"] != input_channel(tracker):
        return False
    now = message_time(tracker)
    if not session_start(tracker) <= recorded["at"] <= now:
        return False
    return now - recorded["at"] < current().verification_minutes * 60


def lapsed_verification(tracker: Tracker) -> bool:
    """Whether the order in slot ``order_id`` was verified in this conversation, but that
    verification no longer counts (too old, another channel, an earlier session)."""
    recorded = verification(tracker)
    order_id = tracker.get_slot(ORDER_ID)
    return recorded is not None and recorded["order_id"] == order_id and not verification_counts(tracker, order_id)


def recheck(tracker: Tracker, task: str) -> list[EventType] | None:
    """The events that ask an anonymous shopper for the phone digits again when their verification
    of the order lapsed, keeping the order number; once the digits match, the lookup's rules carry
    on with ``task`` (``status``, ``cancel``, ``return``). ``None`` when there is nothing to ask again."""
    if signed_in_customer(tracker) is not None or not lapsed_verification(tracker) or is_locked(tracker):
        return None
    return [SlotSet(PHONE_LAST4, None), SlotSet(TASK, task), FollowupAction("order_lookup_form")]


def authorised_order(tracker: Tracker, repo: ShopAdapter | None = None) -> OrderView | None:
    """The order in slot ``order_id`` if this shopper may see it now, else ``None``."""
    order_id = tracker.get_slot(ORDER_ID)
    if not is_order_id(order_id) or is_locked(tracker):
        return None
    repo = repo or shop()
    customer = signed_in_customer(tracker)
    if customer is not None:
        allowed = repo.check_order_customer(order_id=order_id, customer_id=customer)
    else:
        allowed = (verification_counts(tracker, order_id)
                   and not failure_counter().order_closed(order_id)
                   and repo.check_order_owner(order_id=order_id, phone_last4=tracker.get_slot(PHONE_LAST4)))
    return repo.get_order(order_id=order_id) if allowed else None


def verified_order_customer(tracker: Tracker) -> str | None:
    """The shop customer whose order this conversation verified, while that verification counts."""
    recorded = verification(tracker)
    if recorded is None or not verification_counts(tracker, recorded["order_id"]) or is_locked(tracker):
        return None
    order = shop().get_order(order_id=recorded["order_id"])
    return order.customer_id if order is not None and order.customer_id else None


def profile_script(tracker: Tracker, repo: ShopAdapter, *, customer_id: str | None = None,
                   order_id: str | None = None) -> list[EventType]:
    """Sets slot ``script`` from the shop profile of the customer just verified (signed in as
    ``customer_id``, or owner of ``order_id``): zh-HK → ``hk``, zh-TW → ``tw``. Only while the
    conversation has none: how the customer writes decides first."""
    if tracker.get_slot(SCRIPT):
        return []
    if customer_id is None and order_id is not None:
        order = repo.get_order(order_id=order_id)
        customer_id = order.customer_id if order is not None else None
    if not customer_id:
        return []
    customer = repo.get_customer(customer_id=customer_id)
    region = region_of_locale(customer.language if customer is not None else None)
    return [SlotSet(SCRIPT, region)] if region else []


def latest_user_text(tracker: Tracker) -> str:
    """The latest message as the shopper wrote it (``latest_message.text`` is NLU's normalised copy)."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            return event.get("text") or ""
    return (tracker.latest_message or {}).get("text") or ""


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def says_nothing(tracker: Tracker) -> bool:
    """Whether NLU recognised the latest message as a filler that says nothing ("这个呢", "然后呢",
    "and?"): ``nlu_fallback`` predicted by the model itself (data/nlu/fillers.yml), more likely than
    all intents together. A message NLU is merely unsure about is ``nlu_fallback`` at the
    FallbackClassifier's threshold (0.35) and may well be a free-text answer, such as a return reason.
    """
    intent = (tracker.latest_message or {}).get("intent") or {}
    return intent.get("name") == "nlu_fallback" and float(intent.get("confidence") or 0.0) >= 0.5
