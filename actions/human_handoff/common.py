"""What the handoff actions share: the service (created on first use) and value formatting."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from typing import Any

from rasa_sdk import Tracker

from actions import customer_links
from actions.orders import access
from handoff.service import Clock, HandoffService
from kefu.clock import utcnow
from kefu.settings import current
from shop.views import CustomerView

logger = logging.getLogger(__name__)

SHANGHAI = "Asia/Shanghai"


class Clocks:
    """Where the handoff actions read the time; tests replace :attr:`now`."""

    now: Clock = staticmethod(utcnow)


@functools.lru_cache(maxsize=1)
def _service_for(database_url: str) -> HandoffService:
    return HandoffService.create(database_url, clock=lambda: Clocks.now())


def handoff_service() -> HandoffService:
    """The process's handoff service on ``DATABASE_URL`` (first call reads the settings)."""
    return _service_for(current().database_url)


def proof_of(tracker: Tracker) -> tuple[str | None, str | None]:
    """The shop customer id the conversation proves now, and how (``customer_token`` or
    ``order_check``); ``(None, None)`` when it proves none.

    From a valid signed customer token in the latest message's metadata (widget login, read by
    :func:`actions.orders.access.signed_in_customer`, the one reader), else from the order of a
    passed phone check that still counts (its customer, read from the shop). Never from a slot:
    the tracker is the caller's word, and no slot holds a customer id.
    """
    signed_in = access.signed_in_customer(tracker)
    if signed_in is not None:
        return signed_in, "customer_token"
    try:
        checked = access.verified_order_customer(tracker)
    except Exception:  # the shop is unreachable: hand over without the customer
        logger.warning("handoff: could not read the customer of the verified order", exc_info=True)
        return None, None
    return (checked, "order_check") if checked is not None else (None, None)


def known_customer(tracker: Tracker) -> str | None:
    """The shop customer id, when the conversation proved who it is (:func:`proof_of`)."""
    return proof_of(tracker)[0]


def who_is_it(tracker: Tracker) -> tuple[str | None, bool]:
    """The customer of the conversation for the handoff record, and whether the conversation
    proves it now: the one it proves now (:func:`proof_of`, recorded as a link of its channel
    identity; ``True``), else the one its channel identity was linked to before
    (:mod:`customers.links`; ``False``: not verified — staff see it marked so, the shopper is shown
    nothing of it, no tier priority, no placeholders filled: "linking never widens what an
    anonymous conversation may see")."""
    customer, by = proof_of(tracker)
    if customer is not None and by is not None:
        customer_links.link(tracker, customer, by=by)
        return customer, True
    return customer_links.linked_customer(tracker), False


def profile_of(customer_id: str | None) -> CustomerView | None:
    """The customer's profile in the shop (``None`` when unknown or the shop cannot say)."""
    if not customer_id:
        return None
    try:
        return access.shop().get_customer(customer_id=customer_id)
    except Exception:  # the shop is unreachable: the reason's priority alone
        logger.warning("handoff: could not read the customer's profile", exc_info=True)
        return None


def latest_user_text(tracker: Tracker) -> str | None:
    """What the customer last typed, as typed (the parse data holds the normalised text)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return event.get("text")
    return (tracker.latest_message or {}).get("text")


def transcript_of(tracker: Tracker, *, limit: int = 200) -> list[dict[str, Any]]:
    """The customer and bot messages of the current session, ``[{"role", "text", "ts"}]``."""
    lines: list[dict[str, Any]] = []
    for event in tracker.events:
        kind = event.get("event")
        if kind == "session_started":
            lines = []
        if kind not in ("user", "bot") or not event.get("text"):
            continue
        if kind == "user" and str(event.get("text", "")).startswith("EXTERNAL: "):
            continue
        role = "customer" if kind == "user" else ("agent" if (event.get("metadata") or {}).get("agent") else "bot")
        stamp = event.get("timestamp")
        ts = dt.datetime.fromtimestamp(stamp, dt.timezone.utc).isoformat() if isinstance(stamp, (int, float)) else None
        lines.append({"role": role, "text": event["text"], "ts": ts})
    return lines[-limit:]


def format_callback_time(moment: dt.datetime, now: dt.datetime, language: str | None) -> str:
    """When the customer will hear back, in their language: "明天 09:00（北京时间）" / "9:00 tomorrow (Beijing time)"."""
    local_now = now.astimezone(moment.tzinfo)
    days = (moment.date() - local_now.date()).days
    zone = getattr(moment.tzinfo, "key", None) or moment.strftime("%Z")
    clock = f"{moment:%H:%M}"
    if language == "en":
        day = "today" if days == 0 else "tomorrow" if days == 1 else f"on {moment:%b} {moment.day}"
        where = "Beijing time" if zone == SHANGHAI else zone
        return f"{clock} {day} ({where})"
    day = "今天" if days == 0 else "明天" if days == 1 else f"{moment.month}月{moment.day}日"
    where = "北京时间" if zone == SHANGHAI else zone
    return f"{day} {clock}（{where}）"
