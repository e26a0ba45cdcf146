"""Order rules the bot applies: statuses, what can be cancelled, and the 7-day return check.

The customer-facing wording of these policies is the FAQ's (``faq/content/after_sales.yml``:
``return_policy``, ``return_exclusions``, ``refund_time``); this module holds only what a program
must compute with, and says where the FAQ states it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Literal, get_args

#: The shop's time zone: order dates, "today" and the return window are counted in Beijing time.
SHOP_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")

#: Length of the no-reason return window. The FAQ states it (after_sales.yml, return_policy:
#: "自签收次日起7天内" / "within 7 days from the day after delivery"); keep the two in step
#: (tests/unit/shop/test_policy.py checks that the FAQ still says 7).
NO_REASON_RETURN_DAYS = 7

#: The contract's eleven order statuses (contract section 4), in the order an order moves through
#: them. A shop adapter maps its own statuses onto these; nothing else reaches the actions.
OrderStatus = Literal[
    "pending_payment", "paid", "processing", "shipped", "in_transit", "out_for_delivery",
    "delivered", "cancelled", "return_requested", "refunding", "refunded",
]
STATUSES: tuple[OrderStatus, ...] = get_args(OrderStatus)
#: Not shipped yet: the customer may cancel.
CANCELLABLE: tuple[OrderStatus, ...] = ("pending_payment", "paid", "processing")
#: With the carrier: tracking number and expected date are worth showing.
IN_TRANSIT: tuple[OrderStatus, ...] = ("shipped", "in_transit", "out_for_delivery")
#: An after-sales case is already open or done.
AFTER_SALES: tuple[OrderStatus, ...] = ("return_requested", "refunding", "refunded")

#: What an order number looks like to Kefu's dialogue: 12 digits (``26`` + month + day + sequence,
#: the fixtures README); ``actions/orders/answers.py`` reads them from what shoppers type.
ORDER_ID = re.compile(r"^\d{12}$")
#: Longest reason Kefu passes with an after-sales request (``request_after_sales``).
MAX_REASON = 200

#: Article 25 exclusion reasons used in the product field ``no_reason_return: no:<reason>``.
EXCLUSION_REASONS = ("custom_made", "perishable", "intimate_apparel", "digital_content")


def is_order_id(value: object) -> bool:
    """Whether ``value`` is an order number as Kefu's dialogue reads them (:data:`ORDER_ID`)."""
    return isinstance(value, str) and bool(ORDER_ID.match(value))


def now() -> datetime:
    return datetime.now(timezone.utc)


def shop_today(at: datetime | None = None) -> date:
    """The current date in the shop's time zone."""
    return (at or now()).astimezone(SHOP_TZ).date()


def local_date(moment: datetime) -> date:
    """The calendar date of a moment in the shop's time zone."""
    return moment.astimezone(SHOP_TZ).date()


def return_deadline(delivered_at: datetime) -> date:
    """Last day on which a no-reason return may be requested.

    The window counts from the day after delivery: delivered on the 14th, the seven days are
    the 15th to the 21st, so a request on the 22nd is too late.
    """
    return local_date(delivered_at) + timedelta(days=NO_REASON_RETURN_DAYS)


def return_rule(no_reason_return: str) -> tuple[str, str | None]:
    """Splits a product's ``no_reason_return`` field into (rule, reason).

    Returns:
        ``("yes", None)``, ``("unopened_only", None)`` or ``("no", reason)``. Unknown values count
        as ``("no", None)``: a product nobody classified is not promised a no-reason return.
    """
    value = (no_reason_return or "").strip()
    if value in ("yes", "unopened_only"):
        return value, None
    if value.startswith("no:"):
        reason = value[3:].strip()
        return "no", reason if reason in EXCLUSION_REASONS else None
    return "no", None


@dataclass(frozen=True)
class ReturnCheck:
    """Whether an order may be returned without a reason today, and what applies.

    ``outcome`` is one of ``eligible``, ``not_delivered``, ``in_progress`` (an after-sales case
    is open or done), ``window_closed`` or ``excluded`` (every item is an Article 25 exclusion).
    """

    outcome: str
    deadline: date | None = None
    #: SKUs that may be returned; sealed ones are returnable only while unopened
    eligible: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    sealed: tuple[str, ...] = ()
    #: exclusion reason of each excluded SKU (``None`` when the product gives none)
    reasons: dict[str, str | None] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.outcome == "eligible"


def check_return(status: str, delivered_at: datetime | None, lines: list[tuple[str, str]],
                 today: date) -> ReturnCheck:
    """Applies the 7-day no-reason return rules to an order.

    Args:
        status: the order's status.
        delivered_at: when it was signed for.
        lines: ``(sku, no_reason_return)`` of each order line.
        today: the shop's current date.
    """
    if status in AFTER_SALES:
        return ReturnCheck("in_progress")
    if status != "delivered" or delivered_at is None:
        return ReturnCheck("not_delivered")
    deadline = return_deadline(delivered_at)
    eligible: list[str] = []
    excluded: list[str] = []
    sealed: list[str] = []
    reasons: dict[str, str | None] = {}
    for sku, field_value in lines:
        rule, reason = return_rule(field_value)
        if rule == "no":
            excluded.append(sku)
            reasons[sku] = reason
        else:
            eligible.append(sku)
            if rule == "unopened_only":
                sealed.append(sku)
    if not eligible:
        return ReturnCheck("excluded", deadline, (), tuple(excluded), (), reasons)
    if today > deadline:
        return ReturnCheck("window_closed", deadline, tuple(eligible), tuple(excluded), tuple(sealed), reasons)
    return ReturnCheck("eligible", deadline, tuple(eligible), tuple(excluded), tuple(sealed), reasons)
