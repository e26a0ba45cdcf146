"""The actions' hooks that link a conversation to the shop's customer (:mod:`customers.links`).

Called where a shopper proves who they are: a signed-in widget session whose token the order
lookup or the handoff read, and a passed order check (the order's customer). A link only tells
staff who the shopper is; what the conversation may see is still decided by
:mod:`actions.orders.access` alone. A failure to record a link never fails the action.
"""

from __future__ import annotations

import functools
import logging

from rasa_sdk import Tracker

from customers.links import CustomerLinks
from kefu.settings import current

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=4)
def _links(database_url: str) -> CustomerLinks:
    return CustomerLinks(database_url)


def links() -> CustomerLinks:
    """The links of this deployment's app database (``DATABASE_URL``)."""
    return _links(current().database_url)


def link(tracker: Tracker, customer_id: str | None, *, by: str) -> None:
    """Links the conversation to ``customer_id`` (``by``: ``customer_token`` or ``order_check``)."""
    if not customer_id:
        return
    try:
        links().link(customer_id, channel=tracker.get_latest_input_channel() or "", sender_id=tracker.sender_id,
                     by=by)
    except Exception:  # the record is for staff; the shopper's turn goes on
        logger.warning("customers: could not record the conversation's link", exc_info=True)


def linked_customer(tracker: Tracker) -> str | None:
    """The customer this conversation (its channel identity) was linked to, or ``None``."""
    try:
        return links().customer_of(tracker.sender_id)
    except Exception:
        logger.warning("customers: could not read the conversation's link", exc_info=True)
        return None
