"""Tables of the demo shop (customers, products, orders, order items, after-sales requests).

They live in Kefu's app database next to Kefu's own tables, prefixed ``shop_``; migration
``0002`` creates them. Times are stored in UTC (:class:`UTCDateTime`) and shown to customers in
the shop's time zone (:data:`shop.policy.SHOP_TZ`).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped
from sqlalchemy.types import TypeDecorator

from kefu.db import Base, column, relation
from shop.policy import OrderStatus
from shop.views import AfterSalesKind, MemberLevel


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC; SQLite (which keeps no zone) reads back as UTC too."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: shop times must carry a time zone")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Money(TypeDecorator[Decimal]):
    """An amount in yuan (:class:`~decimal.Decimal`), stored exactly as whole fen (1/100 yuan)."""

    impl = sa.Integer
    cache_ok = True

    def process_bind_param(self, value: Decimal | int | str | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return int((Decimal(value) * 100).to_integral_value(ROUND_HALF_UP))

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else (Decimal(value) / 100).quantize(Decimal("0.01"))


class Customer(Base):
    """A shopper with an account at the shop."""

    __tablename__ = "shop_customers"

    #: the shop's customer number, e.g. ``C1001``; the subject of a signed customer token
    customer_id: Mapped[str] = column(sa.String(32), primary_key=True)
    #: name as the shopper registered it (never shown by the bot)
    name: Mapped[str] = column(sa.String(100), nullable=False)
    #: phone number on the account (mainland 11 digits or +886/+852); the identity check uses its last 4 digits
    phone: Mapped[str] = column(sa.String(32), nullable=False)
    #: e-mail address (not used by the bot)
    email: Mapped[str] = column(sa.String(200), nullable=False, default="")
    #: profile language: zh-CN, zh-TW, zh-HK or en (the bot answers in the language of each message)
    language: Mapped[str] = column(sa.String(8), nullable=False, default="zh-CN")
    #: membership tier: regular, silver, gold, black_gold
    member_level: Mapped[MemberLevel] = column(sa.String(16), nullable=False, default="regular")


class Product(Base):
    """An item the shop sells."""

    __tablename__ = "shop_products"

    #: stock-keeping unit, e.g. ``LM-AP-001``
    sku: Mapped[str] = column(sa.String(32), primary_key=True)
    #: product name in Chinese (shown to Chinese-speaking customers; converted for traditional script)
    name_zh: Mapped[str] = column(sa.String(200), nullable=False)
    #: product name in English
    name_en: Mapped[str] = column(sa.String(200), nullable=False)
    #: shop category, e.g. apparel, fresh_food, digital
    category: Mapped[str] = column(sa.String(32), nullable=False)
    #: list price in yuan
    price_cny: Mapped[Decimal] = column(Money, nullable=False)
    #: 7-day no-reason return: ``yes``; ``unopened_only`` (returnable while sealed); or ``no:<reason>``
    #: with an Article 25 exclusion reason (custom_made, perishable, intimate_apparel, digital_content)
    no_reason_return: Mapped[str] = column(sa.String(40), nullable=False, default="yes")


class Order(Base):
    """A customer's order and where it stands."""

    __tablename__ = "shop_orders"

    #: 12 digits: ``26`` + month + day + sequence; what the customer quotes to the bot
    order_id: Mapped[str] = column(sa.String(20), primary_key=True)
    #: who placed the order
    customer_id: Mapped[str] = column(sa.String(32), sa.ForeignKey("shop_customers.customer_id"), nullable=False,
                                      index=True)
    #: one of the contract's eleven statuses (pending_payment ... refunded), see shop.policy.STATUSES
    status: Mapped[OrderStatus] = column(sa.String(24), nullable=False)
    #: when the order was placed
    created_at: Mapped[datetime] = column(UTCDateTime, nullable=False)
    #: when it was paid; empty while unpaid
    paid_at: Mapped[datetime | None] = column(UTCDateTime)
    #: when the carrier collected it; empty until shipped
    shipped_at: Mapped[datetime | None] = column(UTCDateTime)
    #: when the customer signed for it; empty until delivered. The return window counts from the next day
    delivered_at: Mapped[datetime | None] = column(UTCDateTime)
    #: when it was cancelled (by the customer through the bot, or by the shop)
    cancelled_at: Mapped[datetime | None] = column(UTCDateTime)
    #: carrier code: sf (SF Express), zto (ZTO Express), yto (YTO Express); empty until shipped
    carrier: Mapped[str | None] = column(sa.String(16))
    #: the carrier's tracking number; shown only after the identity check
    tracking_no: Mapped[str | None] = column(sa.String(40))
    #: expected delivery date given at shipping
    eta: Mapped[date | None] = column(sa.Date)
    #: shipping fee paid, yuan
    shipping_cny: Mapped[Decimal] = column(Money, nullable=False, default=0)
    #: amount paid (or to pay) including shipping, yuan
    total_cny: Mapped[Decimal] = column(Money, nullable=False)
    #: destination city (a hint for the customer; the full address is never shown)
    ship_city: Mapped[str] = column(sa.String(64), nullable=False, default="")

    items: Mapped[list[OrderItem]] = relation("OrderItem", back_populates="order", order_by="OrderItem.id",
                                              lazy="selectin")


class OrderItem(Base):
    """One line of an order: a product and how many."""

    __tablename__ = "shop_order_items"

    id: Mapped[int] = column(sa.Integer, primary_key=True)
    #: the order this line belongs to
    order_id: Mapped[str] = column(sa.String(20), sa.ForeignKey("shop_orders.order_id", ondelete="CASCADE"),
                         nullable=False, index=True)
    #: the product
    sku: Mapped[str] = column(sa.String(32), sa.ForeignKey("shop_products.sku"), nullable=False)
    #: number of pieces
    quantity: Mapped[int] = column(sa.Integer, nullable=False, default=1)

    order: Mapped[Order] = relation("Order", back_populates="items")
    product: Mapped[Product] = relation("Product", lazy="joined")


class AfterSalesRequest(Base):
    """A return or exchange a customer asked for; at most one per order (the unique key makes
    a repeated request idempotent even when two arrive at once)."""

    __tablename__ = "shop_after_sales_requests"

    id: Mapped[int] = column(sa.Integer, primary_key=True)
    #: the order to be returned or exchanged
    order_id: Mapped[str] = column(sa.String(20), sa.ForeignKey("shop_orders.order_id", ondelete="CASCADE"),
                         nullable=False, unique=True)
    #: ``return`` (refund) or ``exchange`` (another size or colour)
    kind: Mapped[AfterSalesKind] = column(sa.String(16), nullable=False)
    #: the customer's reason, in their words (at most 200 characters)
    reason: Mapped[str] = column(sa.String(200), nullable=False, default="")
    #: space-separated SKUs covered by the request (excluded goods are left out)
    skus: Mapped[str] = column(sa.String(400), nullable=False, default="")
    #: ``requested`` until the warehouse receives the parcel; later states belong to the shop
    status: Mapped[str] = column(sa.String(16), nullable=False, default="requested")
    #: where it was filed: ``bot`` for requests made in a chat
    source: Mapped[str] = column(sa.String(16), nullable=False, default="bot")
    #: when it was filed
    created_at: Mapped[datetime] = column(UTCDateTime, nullable=False)


class DemoSeedState(Base):
    """Bookkeeping of the demo data: which day the fixtures were shifted to, and from which files.

    Its presence also marks the shop tables as demo data that may be replaced; without it, rows in
    the shop tables belong to someone else and are never touched by the seeder.
    """

    __tablename__ = "shop_demo_seed"

    id: Mapped[int] = column(sa.Integer, primary_key=True)
    #: the day the fixtures' 2026-11-22 was moved to
    seed_day: Mapped[date] = column(sa.Date, nullable=False)
    #: sha256 of the demo CSV files, so that edited fixtures are re-seeded
    fixtures_digest: Mapped[str] = column(sa.String(64), nullable=False)
    #: when the seeding happened
    seeded_at: Mapped[datetime] = column(UTCDateTime, nullable=False)
