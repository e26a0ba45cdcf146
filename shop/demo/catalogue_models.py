"""Tables of the demo shop's product knowledge (pre-sales), next to its orders (``shop_*``, Alembic ``0008``).

Product rows stay in ``shop_products`` (orders point at them); what pre-sales needs beyond name
and price is one ``shop_product_details`` row per product. Stock lives per variant in
``shop_variants`` (``POST /api/shop/stock`` changes it), so it is a column; the nested parts of
a product (facts, size chart, aliases) are kept as the JSON document the catalogue gives them,
read back into :mod:`shop.views` objects by :mod:`shop.demo.catalogue`.
"""

from __future__ import annotations

import sqlalchemy as sa

from kefu.db import Base
from shop.demo.models import Money


class ProductDetails(Base):
    """What a product's page tells beyond its name and price."""

    __tablename__ = "shop_product_details"

    #: the product (``shop_products.sku``)
    sku = sa.Column(sa.String(32), sa.ForeignKey("shop_products.sku", ondelete="CASCADE"), primary_key=True)
    #: the crossed-out price while on sale; empty otherwise
    list_price_cny = sa.Column(Money)
    #: brand, description, aliases, attributes, size chart, warranty, shelf life, goes_with,
    #: suitable_for: the catalogue entry's fields as JSON (``demo_catalogue.yml`` schema)
    document = sa.Column(sa.JSON, nullable=False)


class Variant(Base):
    """A buyable variant (colour, size, model) of a product and its stock."""

    __tablename__ = "shop_variants"

    #: e.g. ``LM-AP-001-BK-M``
    variant_sku = sa.Column(sa.String(40), primary_key=True)
    #: the product
    sku = sa.Column(sa.String(32), sa.ForeignKey("shop_products.sku", ondelete="CASCADE"), nullable=False, index=True)
    #: the order the shop lists variants in
    position = sa.Column(sa.Integer, nullable=False, default=0)
    #: ``{"colour_zh": ..., "colour_en": ..., "size": ...}`` as the catalogue gives them
    options = sa.Column(sa.JSON, nullable=False)
    #: pieces in stock (never negative)
    stock = sa.Column(sa.Integer, nullable=False, default=0)
    #: when an out-of-stock variant is expected back; empty when unknown
    restock_date = sa.Column(sa.Date)
    note_zh = sa.Column(sa.String(200), nullable=False, default="")
    note_en = sa.Column(sa.String(200), nullable=False, default="")


class Promotion(Base):
    """A promotion and the days it is in force (inclusive)."""

    __tablename__ = "shop_promotions"

    promotion_id = sa.Column(sa.String(40), primary_key=True)
    starts = sa.Column(sa.Date, nullable=False)
    ends = sa.Column(sa.Date, nullable=False)
    #: names, what it applies to, rule and stacking as JSON
    document = sa.Column(sa.JSON, nullable=False)


class MemberBenefit(Base):
    """What a membership tier gives."""

    __tablename__ = "shop_member_benefits"

    #: regular, silver, gold, black_gold
    member_level = sa.Column(sa.String(16), primary_key=True)
    #: the threshold that reaches it (yuan paid in the last 12 months): orders the tiers
    threshold_cny = sa.Column(Money, nullable=False, default=0)
    document = sa.Column(sa.JSON, nullable=False)


class SharedAliasRow(Base):
    """A name several products share, and the question that tells them apart."""

    __tablename__ = "shop_shared_aliases"

    id = sa.Column(sa.Integer, primary_key=True)
    #: space-separated SKUs
    skus = sa.Column(sa.String(400), nullable=False)
    document = sa.Column(sa.JSON, nullable=False)
