"""What a shop adapter returns (:mod:`shop.adapter`): frozen value objects and typed errors.

The objects check what they are given against the contract (statuses, aware times, exact
amounts, tiers) and raise :class:`ShopContractError` naming the field, so that a shop's mapping
mistake fails where it is made instead of as a strange reply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, get_args

from shop import policy
from shop.policy import STATUSES, OrderStatus

#: What an after-sales request asks for: a refund, or another size or colour.
AfterSalesKind = Literal["return", "exchange"]
KINDS: tuple[AfterSalesKind, ...] = get_args(AfterSalesKind)
#: Membership tiers (contract section 8: gold and black_gold raise a handoff's priority).
MemberLevel = Literal["regular", "silver", "gold", "black_gold"]
MEMBER_LEVELS: tuple[MemberLevel, ...] = get_args(MemberLevel)


class ShopError(Exception):
    """Something went wrong in or with the shop adapter."""


class ShopUnavailable(ShopError):
    """The shop's system could not answer (down, timed out, refused). Kefu changes nothing: the
    action fails and the shopper is told the service is unavailable, with a human offered."""


class ShopContractError(ShopError, ValueError):
    """A value outside the adapter's contract: a status that is not one of the eleven, a naive
    datetime, an amount that is not a Decimal, a kind that is neither return nor exchange."""


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ShopContractError(message)


def _aware(name: str, value: datetime | None, *, required: bool = False) -> None:
    if value is None:
        _check(not required, f"{name} is required")
        return
    _check(isinstance(value, datetime) and value.tzinfo is not None and value.utcoffset() is not None,
           f"{name}={value!r}: give an aware datetime (with its time zone)")


def check_status(name: str, value: object) -> None:
    _check(value in STATUSES, f"{name}={value!r} is not one of the contract's statuses "
                              f"({', '.join(STATUSES)}); map the shop's status onto one of them")


@dataclass(frozen=True)
class OrderLine:
    """One product of an order."""

    #: the shop's stock-keeping unit
    sku: str
    #: product name in Chinese (simplified; converted for shoppers who write traditional)
    name_zh: str
    #: product name in English
    name_en: str
    #: number of pieces, at least 1
    quantity: int
    #: 7-day no-reason return rule of the product: ``yes``, ``unopened_only`` or ``no:<reason>``
    #: with reason custom_made, perishable, intimate_apparel or digital_content
    #: (:func:`shop.policy.return_rule`; anything else counts as not returnable)
    no_reason_return: str

    def __post_init__(self) -> None:
        _check(isinstance(self.quantity, int) and self.quantity >= 1,
               f"OrderLine.quantity={self.quantity!r}: give a whole number of at least 1")


@dataclass(frozen=True)
class OrderView:
    """An order as the bot may show it once the shopper proved it is theirs."""

    #: the number the shopper quotes (the demo's are 12 digits)
    order_id: str
    #: one of the contract's eleven statuses (:data:`shop.policy.STATUSES`)
    status: OrderStatus
    #: when the order was placed
    created_at: datetime
    #: when it was paid; ``None`` while unpaid
    paid_at: datetime | None
    #: when the carrier collected it; ``None`` until shipped
    shipped_at: datetime | None
    #: when the shopper signed for it; the return window counts from the next day
    delivered_at: datetime | None
    #: when it was cancelled
    cancelled_at: datetime | None
    #: carrier code (``sf``, ``zto``, ``yto`` have names in both languages; others are shown as given)
    carrier: str | None
    #: the carrier's tracking number
    tracking_no: str | None
    #: expected delivery date given at shipping
    eta: date | None
    #: shipping fee, yuan
    shipping_cny: Decimal
    #: amount paid (or to pay) including shipping, yuan
    total_cny: Decimal
    #: destination city (the full address is never shown)
    ship_city: str
    #: the products, in the order's own order
    lines: tuple[OrderLine, ...]
    #: the shop's number of the customer who placed it (the console; the handoff's customer)
    customer_id: str = ""

    def __post_init__(self) -> None:
        check_status("OrderView.status", self.status)
        _aware("OrderView.created_at", self.created_at, required=True)
        for name in ("paid_at", "shipped_at", "delivered_at", "cancelled_at"):
            _aware(f"OrderView.{name}", getattr(self, name))
        for name in ("shipping_cny", "total_cny"):
            _check(isinstance(getattr(self, name), Decimal), f"OrderView.{name}: give a Decimal amount in yuan")
        _check(isinstance(self.lines, tuple) and all(isinstance(line, OrderLine) for line in self.lines),
               "OrderView.lines: give a tuple of OrderLine")

    def return_check(self, today: date) -> policy.ReturnCheck:
        """The 7-day no-reason return rules applied to this order today."""
        return policy.check_return(self.status, self.delivered_at,
                                   [(line.sku, line.no_reason_return) for line in self.lines], today)


@dataclass(frozen=True)
class CancelResult:
    """Outcome of :meth:`~shop.adapter.ShopOrders.cancel_order`."""

    #: True when this call cancelled the order
    cancelled: bool
    #: the order's status after the call; ``None`` for an unknown order
    status: OrderStatus | None
    #: whether the order had been paid (money goes back)
    was_paid: bool = False

    def __post_init__(self) -> None:
        if self.status is not None:
            check_status("CancelResult.status", self.status)


@dataclass(frozen=True)
class AfterSalesView:
    """A filed return or exchange."""

    #: the shop's id of the request (shown to the shopper as their reference)
    id: str
    #: the order it is for
    order_id: str
    #: ``return`` or ``exchange``
    kind: AfterSalesKind
    #: the shopper's reason
    reason: str
    #: SKUs it covers
    skus: tuple[str, ...]
    #: the shop's own state of the request (the demo: ``requested`` until the parcel arrives)
    status: str
    #: when it was filed
    created_at: datetime

    def __post_init__(self) -> None:
        _check(self.kind in KINDS, f"AfterSalesView.kind={self.kind!r}: use 'return' or 'exchange'")
        _aware("AfterSalesView.created_at", self.created_at, required=True)


@dataclass(frozen=True)
class AfterSalesResult:
    """Outcome of :meth:`~shop.adapter.ShopOrders.request_after_sales`.

    ``created`` is False when the order already had a request (that one's id and kind are
    returned) or when the order may not be returned (``request_id`` is then ``None``; ``check``
    says why).
    """

    created: bool
    #: the request's id (new or existing); ``None`` when nothing was or had been filed
    request_id: str | None
    kind: AfterSalesKind | None
    #: SKUs covered by the request
    skus: tuple[str, ...]
    #: the return rules as applied (:func:`shop.policy.check_return`)
    check: policy.ReturnCheck


@dataclass(frozen=True)
class CustomerView:
    """A shop customer, for staff screens; the bot never shows it to shoppers."""

    #: the shop's customer number; the subject of a signed customer token
    customer_id: str
    #: the name the customer registered
    name: str
    #: phone number on the account (the console masks all but the last 4 digits)
    phone: str
    #: e-mail address
    email: str
    #: profile language: zh-CN, zh-TW, zh-HK or en
    language: str
    #: membership tier: regular, silver, gold or black_gold
    member_level: MemberLevel

    def __post_init__(self) -> None:
        _check(self.member_level in MEMBER_LEVELS,
               f"CustomerView.member_level={self.member_level!r}: map the shop's tier onto one of "
               f"{', '.join(MEMBER_LEVELS)}")
