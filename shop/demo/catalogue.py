"""The demo shop's product catalogue: the :class:`~shop.adapter.ShopCatalogue` methods of
:class:`~shop.demo.DemoShop`, over the tables of :mod:`shop.demo.catalogue_models`."""

from __future__ import annotations

import hashlib
from contextlib import AbstractContextManager
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.text import normalize
from shop.demo.catalogue_models import MemberBenefit, ProductDetails, Promotion, SharedAliasRow, Variant
from shop.demo.models import Product
from shop.views import (
    MEMBER_LEVELS,
    MemberBenefitView,
    MemberLevel,
    ProductFact,
    ProductView,
    PromotionView,
    SharedAlias,
    SizeChart,
    SizeRow,
    VariantView,
)

#: Columns of a size chart row that are body measurements (``[low, high]``).
MEASUREMENTS = ("height_cm", "weight_kg", "waist_cm", "underbust_cm", "bust_cm", "foot_length_mm")


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(item) for item in value or ())


def _size_chart(chart: dict[str, Any] | None) -> SizeChart | None:
    if not chart:
        return None
    rows = []
    usual = []
    for row in chart.get("rows") or []:
        ranges = tuple((column, float(row[column][0]), float(row[column][1])) for column in MEASUREMENTS
                       if column in row)
        rows.append(SizeRow(str(row["size"]), ranges))
        for key in ("usual_eu", "usual_size"):
            if row.get(key) is not None:
                usual += [(str(value), str(row["size"])) for value in str(row[key]).split("/")]
    return SizeChart(fit_zh=chart.get("fit", ""), fit_en=chart.get("fit_en", ""), note_zh=chart.get("note_zh", ""),
                     note_en=chart.get("note_en", ""), rows=tuple(rows), usual=tuple(usual))


def product_view(product: Product, details: ProductDetails | None) -> ProductView:
    """A product row and its details as the adapter returns them."""
    doc: dict[str, Any] = dict(details.document) if details is not None else {}
    shelf = doc.get("shelf_life") or {}
    return ProductView(
        sku=product.sku, name_zh=product.name_zh, name_en=product.name_en, category=product.category,
        price_cny=product.price_cny, list_price_cny=details.list_price_cny if details is not None else None,
        brand=doc.get("brand", ""), brand_zh=doc.get("brand_zh", ""),
        description_zh=doc.get("description_zh", ""), description_en=doc.get("description_en", ""),
        aliases_zh=_strings(doc.get("aliases_zh")), aliases_en=_strings(doc.get("aliases_en")),
        facts=tuple(ProductFact(a["key"], a["label_zh"], a["label_en"], str(a["value_zh"]), str(a["value_en"]))
                    for a in doc.get("attributes") or []),
        size_chart=_size_chart(doc.get("size_chart")), warranty_months=doc.get("warranty_months"),
        shelf_life_zh=shelf.get("zh", ""), shelf_life_en=shelf.get("en", ""),
        no_reason_return=product.no_reason_return, goes_with=_strings(doc.get("goes_with")),
        suitable_for_zh=_strings(doc.get("suitable_for_zh")), suitable_for_en=_strings(doc.get("suitable_for_en")),
    )


def _variant(row: Variant) -> VariantView:
    return VariantView(row.variant_sku, row.sku, tuple(sorted(dict(row.options).items())), int(row.stock),
                       row.restock_date if row.stock == 0 else None, row.note_zh or "", row.note_en or "")


def _promotion(row: Promotion) -> PromotionView:
    doc = dict(row.document)
    applies = doc.get("applies_to") or {}
    return PromotionView(
        promotion_id=row.promotion_id, name_zh=doc["name_zh"], name_en=doc["name_en"], starts=row.starts,
        ends=row.ends, categories=_strings(applies.get("categories")), skus=_strings(applies.get("skus")),
        exclude_skus=_strings(applies.get("exclude_skus")), rule_zh=doc["rule_zh"], rule_en=doc["rule_en"],
        stacks_with_coupons=bool(doc.get("stacks_with_coupons")), stacking_zh=doc.get("stacking_zh", ""),
        stacking_en=doc.get("stacking_en", ""))


def _benefit(row: MemberBenefit) -> MemberBenefitView:
    doc = dict(row.document)
    level: MemberLevel = next(lvl for lvl in MEMBER_LEVELS if lvl == row.member_level)
    return MemberBenefitView(level, doc["name_zh"], doc["name_en"], _strings(doc.get("benefits_zh")),
                             _strings(doc.get("benefits_en")),
                             dedicated_service=doc.get("dedicated_service") is True,
                             free_return_shipping=doc.get("free_return_shipping") is True,
                             free_return_shipping_zh=str(doc.get("free_return_shipping_zh") or ""),
                             free_return_shipping_en=str(doc.get("free_return_shipping_en") or ""))


def _key(name: str) -> str:
    return normalize(name).replace(" ", "")


class DemoCatalogue:
    """The catalogue half of the demo shop (mixed into :class:`~shop.demo.DemoShop`)."""

    def _session(self) -> AbstractContextManager[Session]:  # provided by DemoShop
        raise NotImplementedError

    def list_products(self) -> list[ProductView]:
        with self._session() as session:
            details = {d.sku: d for d in session.execute(select(ProductDetails)).scalars()}
            products = session.execute(select(Product).order_by(Product.sku)).scalars().all()
            return [product_view(p, details.get(p.sku)) for p in products]

    def get_product(self, *, sku: str) -> ProductView | None:
        with self._session() as session:
            product = session.get(Product, sku.strip().upper())
            return None if product is None else product_view(product, session.get(ProductDetails, product.sku))

    def find_products(self, *, name: str) -> list[ProductView]:
        wanted = _key(name)
        if not wanted:
            return []
        return [p for p in self.list_products()
                if wanted in {_key(n) for n in (p.sku, p.name_zh, p.name_en, *p.aliases_zh, *p.aliases_en)}]

    def list_variants(self, *, sku: str) -> list[VariantView]:
        with self._session() as session:
            rows = session.execute(select(Variant).where(Variant.sku == sku.strip().upper())
                                   .order_by(Variant.position)).scalars().all()
            return [_variant(row) for row in rows]

    def shared_aliases(self) -> list[SharedAlias]:
        with self._session() as session:
            rows = session.execute(select(SharedAliasRow).order_by(SharedAliasRow.id)).scalars().all()
            return [SharedAlias(tuple(r.skus.split()), _strings(r.document.get("aliases_zh")),
                                _strings(r.document.get("aliases_en")), r.document.get("ask_zh", ""),
                                r.document.get("ask_en", "")) for r in rows]

    def promotions_on(self, *, day: date) -> list[PromotionView]:
        with self._session() as session:
            rows = session.execute(select(Promotion).where(Promotion.starts <= day, Promotion.ends >= day)
                                   .order_by(Promotion.promotion_id)).scalars().all()
            return [_promotion(row) for row in rows]

    def member_benefits(self, *, level: MemberLevel) -> MemberBenefitView | None:
        with self._session() as session:
            row = session.get(MemberBenefit, level)
            return None if row is None else _benefit(row)

    def list_member_benefits(self) -> list[MemberBenefitView]:
        with self._session() as session:
            rows = session.execute(select(MemberBenefit).order_by(MemberBenefit.threshold_cny)).scalars().all()
            return [_benefit(row) for row in rows]

    def catalogue_version(self) -> str:
        digest = hashlib.sha256()
        for product in self.list_products():
            names = (product.sku, product.name_zh, product.name_en, *product.aliases_zh, *product.aliases_en)
            digest.update("\0".join(names).encode() + b"\1")
        for shared in self.shared_aliases():
            digest.update(" ".join(shared.skus).encode() + b"\2")
        return digest.hexdigest()[:16]

    def set_stock(self, *, variant_sku: str, stock: int) -> VariantView | None:
        """Sets a variant's stock (the demo's ``POST /api/shop/stock``); ``None`` for an unknown variant.
        Stock above 0 clears the restock date."""
        with self._session() as session:
            row = session.get(Variant, variant_sku)
            if row is None:
                return None
            row.stock = stock
            if stock > 0:
                row.restock_date = None
            session.flush()
            return _variant(row)
