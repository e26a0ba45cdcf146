"""Reads ``shop/demo/demo_catalogue.yml`` (a copy of the shared fixture, same SKUs) into the demo
shop's catalogue tables, with its dates (restock dates, promotion starts and ends) shifted like
the orders' (:mod:`shop.demo.seed`)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from shop.demo.catalogue_models import MemberBenefit, ProductDetails, Promotion, SharedAliasRow, Variant
from shop.demo.models import Product

CATALOGUE = "demo_catalogue.yml"
#: Fields of a catalogue product that are columns of ``shop_products`` or ``shop_variants``, not of the document.
_COLUMNS = {"sku", "name_zh", "name_en", "category", "price_cny", "list_price_cny", "no_reason_return", "variants"}


class CatalogueError(ValueError):
    """The catalogue cannot be loaded; the message names the product and the field."""


def _shifted(value: Any, shift: timedelta, where: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value)) + shift
    except ValueError:
        raise CatalogueError(f"{CATALOGUE} {where}: '{value}' is not a date such as 2026-11-28") from None


def load_catalogue_rows(today: date, fixture_day: date, directory: Path,
                        known: dict[str, Product]) -> list[object]:
    """The catalogue as model objects, dates moved by ``today − fixture_day``.

    Args:
        known: the products already read from ``demo_products.csv``; a catalogue product must agree
            with its row there (name, category, price), and catalogue-only products are added.

    Returns:
        New ``Product`` rows first, then details, variants, promotions, benefits and shared aliases.
    """
    path = directory / CATALOGUE
    if not path.exists():
        raise CatalogueError(f"{path} is missing; copy it from ../shared/fixtures/{CATALOGUE}.")
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    shift = today - fixture_day
    products: list[object] = []
    rest: list[object] = []
    for entry in document["products"]:
        sku = entry["sku"]
        row = known.get(sku)
        if row is None:
            products.append(Product(sku=sku, name_zh=entry["name_zh"], name_en=entry["name_en"],
                                    category=entry["category"], price_cny=Decimal(str(entry["price_cny"])),
                                    no_reason_return=str(entry["no_reason_return"])))
        elif row.price_cny != Decimal(str(entry["price_cny"])).quantize(Decimal("0.01")) \
                or row.name_zh != entry["name_zh"]:
            raise CatalogueError(f"{CATALOGUE} product {sku}: name or price differs from demo_products.csv")
        list_price = entry.get("list_price_cny")
        rest.append(ProductDetails(sku=sku, list_price_cny=Decimal(str(list_price)) if list_price else None,
                                   document={k: v for k, v in entry.items() if k not in _COLUMNS}))
        for position, variant in enumerate(entry.get("variants") or []):
            where = f"variant {variant.get('variant_sku')}"
            stock = variant.get("stock")
            if not isinstance(stock, int) or stock < 0:
                raise CatalogueError(f"{CATALOGUE} {where}: stock {stock!r} is not a whole number ≥ 0")
            rest.append(Variant(variant_sku=variant["variant_sku"], sku=sku, position=position,
                                options={k: str(v) for k, v in variant["options"].items()}, stock=stock,
                                restock_date=_shifted(variant.get("restock_date"), shift, where),
                                note_zh=variant.get("note_zh", ""), note_en=variant.get("note_en", "")))
    for promotion in document.get("promotions") or []:
        where = f"promotion {promotion['id']}"
        rest.append(Promotion(promotion_id=promotion["id"], starts=_shifted(promotion["starts"], shift, where),
                              ends=_shifted(promotion["ends"], shift, where),
                              document={k: v for k, v in promotion.items() if k not in ("id", "starts", "ends")}))
    for level, benefit in (document.get("member_benefits") or {}).items():
        rest.append(MemberBenefit(member_level=level, threshold_cny=Decimal(str(benefit["paid_last_12_months_cny"])),
                                  document=benefit))
    for number, shared in enumerate(document.get("shared_aliases") or [], start=1):
        rest.append(SharedAliasRow(id=number, skus=" ".join(shared["skus"]),
                                   document={k: v for k, v in shared.items() if k != "skus"}))
    return products + rest


CATALOGUE_MODELS = (SharedAliasRow, MemberBenefit, Promotion, Variant, ProductDetails)
