"""Tables of the demo shop's product knowledge (pre-sales), next to its orders (``shop_*``, Alembic ``0008``).

Product rows stay in ``shop_products`` (orders point at them); what pre-sales needs beyond name
and price is one ``shop_product_details`` row per product. Stock lives per variant in
``shop_variants`` (``POST /api/shop/stock`` changes it), so it is a column; the nested parts of
a product (facts, size chart, aliases) are kept as the JSON document the catalogue gives them,
read back into :mod:`shop.views` objects by :mod:`shop.demo.catalogue`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped

from kefu.db import Base, column
from shop.demo.models import Money


class ProductDetails(Base):
    """What a product's page tells beyond its name and price."""

    __tablename__ = "shop_product_details"

    #: the product (``shop_products.sku``)
    sku: Mapped[str] = column(sa.String(32), sa.ForeignKey("shop_products.sku", ondelete="CASCADE"), primary_key=True)
    #: the crossed-out price while on sale; empty otherwise
    list_price_cny: Mapped[Decimal | None] = column(Money)
    #: brand, description, aliases, attributes, size chart, warranty, shelf life, goes_with,
    #: suitable_for: the catalogue entry's fields as JSON (``demo_catalogue.yml`` schema)
    document: Mapped[Any] = column(sa.JSON, nullable=False)


class Variant(Base):
    """A buyable variant (colour, size, model) of a product and its stock."""

    __tablename__ = "shop_variants"

    #: e.g. ``LM-AP-001-BK-M``
    variant_sku: Mapped[str] = column(sa.String(40), primary_key=True)
    #: the product
    sku: Mapped[str] = column(sa.String(32), sa.ForeignKey("shop_products.sku", ondelete="CASCADE"), nullable=False, index=True)
    #: the order the shop lists variants in
    position: Mapped[int] = column(sa.Integer, nullable=False, default=0)
    #: ``{"colour_zh": ..., "colour_en": ..., "size": ...}`` as the catalogue gives them
    options: Mapped[Any] = column(sa.JSON, nullable=False)
    #: pieces in stock (never negative)
    stock: Mapped[int] = column(sa.Integer, nullable=False, default=0)
    #: when an out-of-stock variant is expected back; empty when unknown
    restock_date: Mapped[date | None] = column(sa.Date)
    note_zh: Mapped[str] = column(sa.String(200), nullable=False, default="")
    note_en: Mapped[str] = column(sa.String(200), nullable=False, default="")


class Promotion(Base):
    """A promotion and the days it is in force (inclusive)."""

    __tablename__ = "shop_promotions"

    promotion_id: Mapped[str] = column(sa.String(40), primary_key=True)
    starts: Mapped[date] = column(sa.Date, nullable=False)
    ends: Mapped[date] = column(sa.Date, nullable=False)
    #: names, what it applies to, rule and stacking as JSON
    document: Mapped[Any] = column(sa.JSON, nullable=False)


class MemberBenefit(Base):
    """What a membership tier gives."""

    __tablename__ = "shop_member_benefits"

    #: regular, silver, gold, black_gold
    member_level: Mapped[str] = column(sa.String(16), primary_key=True)
    #: the threshold that reaches it (yuan paid in the last 12 months): orders the tiers
    threshold_cny: Mapped[Decimal] = column(Money, nullable=False, default=0)
    document: Mapped[Any] = column(sa.JSON, nullable=False)


class SharedAliasRow(Base):
    """A name several products share, and the question that tells them apart."""

    __tablename__ = "shop_shared_aliases"

    id: Mapped[int] = column(sa.Integer, primary_key=True)
    #: space-separated SKUs
    skus: Mapped[str] = column(sa.String(400), nullable=False)
    document: Mapped[Any] = column(sa.JSON, nullable=False)
