"""Who may see which order: the identity rule of contract section 4, applied by every action.

* A shopper signed in on the widget is vouched for by a signed customer token in the message
  metadata (``{"customer_token": "<JWT>"}``). It is verified on every message, never stored in a
  slot, and it opens only that customer's own orders.
* Anyone else proves an order is theirs with its number and the last 4 digits of the phone
  number on it. ``validate_order_lookup_form`` checks them and records the verified order in
  the slot ``verified_order_id`` (slot mappings ``custom``: only actions set it, never a message);
  :func:`authorised_order` still re-checks the phone digits against the database.
* After :data:`MAX_FAILURES` wrong answers in a conversation the lookup is closed.
"""

from __future__ import annotations

import functools
import logging

from rasa_sdk import Tracker

from kefu.settings import SettingsError, load_settings
from kefu.tokens import customer_tokens
from shop.repository import OrderView, ShopRepository, is_order_id

logger = logging.getLogger(__name__)

#: Wrong answers (mismatched order number and phone, malformed numbers) before the lookup closes.
MAX_FAILURES = 3

# Slots of the order dialogue (domain.yml).
ORDER_ID = "order_id"
PHONE_LAST4 = "phone_last4"
VERIFIED_ORDER_ID = "verified_order_id"
FAILURES = "lookup_failures"
TASK = "order_task"                # status | cancel | return
CANCEL_PENDING = "cancel_pending_order"
RETURN_REASON = "return_reason"
HANDOFF_REASON = "handoff_reason"
LANGUAGE = "language"


@functools.lru_cache(maxsize=4)
def _repository(database_url: str) -> ShopRepository:
    return ShopRepository(database_url)


def repository() -> ShopRepository:
    """The shop repository of this deployment (``DATABASE_URL``); created on first use."""
    return _repository(load_settings().database_url)


def language(tracker: Tracker) -> str | None:
    return tracker.get_slot(LANGUAGE)


def signed_in_customer(tracker: Tracker) -> str | None:
    """The customer id vouched for by the latest message's token, or ``None`` (anonymous)."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    token = metadata.get("customer_token") if isinstance(metadata, dict) else None
    if not token:
        return None
    try:
        tokens = customer_tokens(load_settings())
    except SettingsError:
        logger.warning("customer token received but no key to check it is configured; treating as anonymous")
        return None
    return tokens.read(token)


def failures(tracker: Tracker) -> int:
    try:
        return int(tracker.get_slot(FAILURES) or 0)
    except (TypeError, ValueError):
        return 0


def is_locked(tracker: Tracker) -> bool:
    return failures(tracker) >= MAX_FAILURES


def authorised_order(tracker: Tracker, repo: ShopRepository | None = None) -> OrderView | None:
    """The order in slot ``order_id`` if this shopper may see it now, else ``None``."""
    order_id = tracker.get_slot(ORDER_ID)
    if not is_order_id(order_id) or is_locked(tracker):
        return None
    repo = repo or repository()
    customer = signed_in_customer(tracker)
    if customer is not None:
        allowed = repo.check_order_customer(order_id=order_id, customer_id=customer)
    else:
        allowed = (tracker.get_slot(VERIFIED_ORDER_ID) == order_id
                   and repo.check_order_owner(order_id=order_id, phone_last4=tracker.get_slot(PHONE_LAST4)))
    return repo.get_order(order_id=order_id) if allowed else None


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
