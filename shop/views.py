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


# ------------------------------------------------------------------ the product catalogue (pre-sales)


@dataclass(frozen=True)
class ProductFact:
    """One fact of a product's details. ``key`` means the same fact on every product
    (``battery_life``, ``waterproof``, ``material`` ...), so that two products compare."""

    key: str
    label_zh: str
    label_en: str
    value_zh: str
    value_en: str


@dataclass(frozen=True)
class VariantView:
    """One buyable variant of a product (a colour, a size, a model) and its stock."""

    variant_sku: str
    sku: str
    #: the options that tell it apart: ``colour_zh``/``colour_en``, ``size``, ``model``, ``spec_zh``/``spec_en`` ...
    options: tuple[tuple[str, str], ...]
    #: pieces in stock now (never negative)
    stock: int
    #: when an out-of-stock variant is expected back (shop's date), ``None`` when unknown or in stock
    restock_date: date | None = None
    note_zh: str = ""
    note_en: str = ""

    def __post_init__(self) -> None:
        _check(isinstance(self.stock, int) and self.stock >= 0,
               f"VariantView.stock={self.stock!r}: give the pieces in stock as an integer ≥ 0")

    def option(self, name: str) -> str:
        """The option's value (``""`` when the variant has none)."""
        return dict(self.options).get(name, "")


@dataclass(frozen=True)
class SizeRow:
    """A size and the body measurements it fits: ``(column, low, high)``, inclusive."""

    size: str
    ranges: tuple[tuple[str, float, float], ...]


@dataclass(frozen=True)
class SizeChart:
    """A product's size chart and fit note (apparel, intimates, footwear)."""

    fit_zh: str
    fit_en: str
    note_zh: str
    note_en: str
    rows: tuple[SizeRow, ...]
    #: a usual shoe size (EU) → the size to take: ``(("42", "43"), ...)``
    usual: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ProductView:
    """A product as pre-sales answers about it: names, price, facts and what it suits."""

    sku: str
    name_zh: str
    name_en: str
    category: str
    #: today's price, yuan
    price_cny: Decimal
    #: the crossed-out price while on sale, else ``None``
    list_price_cny: Decimal | None = None
    brand: str = ""
    brand_zh: str = ""
    description_zh: str = ""
    description_en: str = ""
    #: names shoppers use for it, matched whole
    aliases_zh: tuple[str, ...] = ()
    aliases_en: tuple[str, ...] = ()
    facts: tuple[ProductFact, ...] = ()
    size_chart: SizeChart | None = None
    warranty_months: int | None = None
    shelf_life_zh: str = ""
    shelf_life_en: str = ""
    no_reason_return: str = "yes"
    #: SKUs bought together with it or recommended with it
    goes_with: tuple[str, ...] = ()
    suitable_for_zh: tuple[str, ...] = ()
    suitable_for_en: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("price_cny", "list_price_cny"):
            value = getattr(self, name)
            _check(value is None and name == "list_price_cny" or isinstance(value, Decimal),
                   f"ProductView.{name}={value!r}: give yuan as a Decimal")

    def fact(self, key: str) -> ProductFact | None:
        """The fact with this key, or ``None`` when the catalogue does not hold it."""
        return next((fact for fact in self.facts if fact.key == key), None)


@dataclass(frozen=True)
class SharedAlias:
    """Names several products share (耳机, 手表, 外套), with the question that tells them apart."""

    skus: tuple[str, ...]
    aliases_zh: tuple[str, ...]
    aliases_en: tuple[str, ...]
    ask_zh: str
    ask_en: str


@dataclass(frozen=True)
class PromotionView:
    """A promotion with its dates (inclusive, shop's time zone) and its rule as the shopper reads it."""

    promotion_id: str
    name_zh: str
    name_en: str
    starts: date
    ends: date
    categories: tuple[str, ...]
    skus: tuple[str, ...]
    exclude_skus: tuple[str, ...]
    rule_zh: str
    rule_en: str
    stacks_with_coupons: bool
    stacking_zh: str
    stacking_en: str

    def in_force(self, day: date) -> bool:
        return self.starts <= day <= self.ends

    def applies_to(self, product: ProductView) -> bool:
        if product.sku in self.exclude_skus:
            return False
        return product.sku in self.skus or product.category in self.categories


@dataclass(frozen=True)
class MemberBenefitView:
    """What a membership tier gives."""

    level: MemberLevel
    name_zh: str
    name_en: str
    benefits_zh: tuple[str, ...]
    benefits_en: tuple[str, ...]
    #: a dedicated service line (专属客服): the handoff's queue message says so
    dedicated_service: bool = False
    #: the shop pays the postage of a no-reason return; the return flow says so, in these words
    free_return_shipping: bool = False
    free_return_shipping_zh: str = ""
    free_return_shipping_en: str = ""

    def __post_init__(self) -> None:
        _check(self.level in MEMBER_LEVELS, f"MemberBenefitView.level={self.level!r}: one of {', '.join(MEMBER_LEVELS)}")
        _check(not self.free_return_shipping or bool(self.free_return_shipping_zh and self.free_return_shipping_en),
               f"MemberBenefitView({self.level}).free_return_shipping needs free_return_shipping_zh and _en: "
               "the words the return flow says")
