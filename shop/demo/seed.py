"""Seeds the demo shop from ``shop/demo/*.csv`` and ``demo_catalogue.yml`` (copies of the shared
fixtures, same ids; the catalogue through :mod:`shop.demo.catalogue_seed`).

The fixtures are dated around 2026-11-22. Every date is moved by (day of seeding − 2026-11-22) so
that each order keeps its age: the order delivered "two days ago" is two days old whenever the
demo starts, inside the 7-day return window.

On every start (:func:`bot.stack.prepare.setup_database`, through :func:`seed_configured_shop`: only
when the demo shop is the configured adapter and ``KEFU_DEMO_SHOP`` is on) :func:`seed_demo_shop` compares the stored
seed day and the CSV files' digest with today's: when either differs, the demo tables are
emptied and loaded again, so the demo keeps its ages and orders cancelled or returned in
yesterday's chats are back to their fixture state. On the same day nothing is touched. Shop
tables holding rows that the seeder did not write (no ``shop_demo_seed`` row) are never
touched: that is a real shop's data.
"""

from __future__ import annotations

import csv
import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import delete, func, select

from kefu.db import session_scope
from kefu.settings import Settings
from shop import policy
from shop.adapter import SETTING, adapter_class
from shop.demo.catalogue_seed import CATALOGUE, CATALOGUE_MODELS, load_catalogue_rows
from shop.demo.models import (
    AfterSalesRequest,
    Customer,
    DemoSeedState,
    Order,
    OrderItem,
    Product,
)
from shop.demo.repository import DemoShop

logger = logging.getLogger(__name__)

DEMO_DIR = Path(__file__).resolve().parent
#: The day the fixtures were written around; it becomes the day of seeding.
FIXTURE_DAY = date(2026, 11, 22)
FILES = ("demo_customers.csv", "demo_products.csv", "demo_orders.csv", CATALOGUE)


class SeedError(ValueError):
    """The demo CSV files cannot be loaded; the message names the file, the row and the field."""


@dataclass(frozen=True)
class SeedResult:
    """What was done: ``seeded``, ``unchanged`` or ``skipped`` (with why) by :func:`seed_demo_shop`;
    ``off`` (with why) by :func:`seed_configured_shop` when the demo shop is not in use."""

    action: str
    seed_day: date | None = None
    detail: str = ""
    orders: int = 0


def fixtures_digest(directory: Path = DEMO_DIR) -> str:
    digest = hashlib.sha256()
    for name in FILES:
        digest.update(name.encode() + b"\0" + (directory / name).read_bytes() + b"\0")
    return digest.hexdigest()


def _rows(directory: Path, name: str) -> list[dict[str, str]]:
    path = directory / name
    if not path.exists():
        raise SeedError(f"{path} is missing; copy it from ../shared/fixtures/{name}.")
    with path.open(encoding="utf-8", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def _moment(value: str, shift: timedelta, where: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise SeedError(f"{where}: '{value}' is not an ISO 8601 time such as 2026-11-20T15:32:00+08:00") from None
    if moment.tzinfo is None:
        raise SeedError(f"{where}: '{value}' has no UTC offset; write it like 2026-11-20T15:32:00+08:00")
    return moment + shift


def _day(value: str, shift: timedelta, where: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value) + shift
    except ValueError:
        raise SeedError(f"{where}: '{value}' is not a date such as 2026-11-23") from None


def load_demo_rows(today: date, directory: Path = DEMO_DIR
                   ) -> tuple[list[Customer], list[Product], list[Order], list[OrderItem]]:
    """Reads the CSV files into model objects with dates shifted to ``today``.

    Returns:
        (customers, products, orders, order items)

    Raises:
        SeedError: naming the file, row and field of the first problem.
    """
    shift = today - FIXTURE_DAY
    customers = [
        Customer(customer_id=r["customer_id"], name=r["name"], phone=r["phone"], email=r["email"],
                 language=r["language"], member_level=r["member_level"])
        for r in _rows(directory, "demo_customers.csv")
    ]
    products = [
        Product(sku=r["sku"], name_zh=r["name_zh"], name_en=r["name_en"], category=r["category"],
                price_cny=Decimal(r["price_cny"]), no_reason_return=r["no_reason_return"])
        for r in _rows(directory, "demo_products.csv")
    ]
    skus = {p.sku for p in products}
    known_customers = {c.customer_id for c in customers}
    orders, items = [], []
    for number, r in enumerate(_rows(directory, "demo_orders.csv"), start=2):
        where = f"demo_orders.csv line {number} (order {r.get('order_id')})"
        if r["status"] not in policy.STATUSES:
            raise SeedError(f"{where}: status '{r['status']}' is not one of {', '.join(policy.STATUSES)}")
        if r["customer_id"] not in known_customers:
            raise SeedError(f"{where}: customer '{r['customer_id']}' is not in demo_customers.csv")
        orders.append(Order(
            order_id=r["order_id"], customer_id=r["customer_id"], status=r["status"],
            created_at=_moment(r["created_at"], shift, where), paid_at=_moment(r["paid_at"], shift, where),
            shipped_at=_moment(r["shipped_at"], shift, where), delivered_at=_moment(r["delivered_at"], shift, where),
            carrier=r["carrier"] or None, tracking_no=r["tracking_no"] or None, eta=_day(r["eta"], shift, where),
            shipping_cny=Decimal(r["shipping_cny"] or "0"), total_cny=Decimal(r["total_cny"]),
            ship_city=r["ship_city"],
        ))
        for entry in r["items"].split():
            sku, _, quantity = entry.partition(":")
            if sku not in skus:
                raise SeedError(f"{where}: item '{sku}' is not in demo_products.csv")
            items.append(OrderItem(order_id=r["order_id"], sku=sku, quantity=int(quantity or 1)))
    return customers, products, orders, items


def seed_demo_shop(database_url: str, *, today: date | None = None, force: bool = False,
                   directory: Path = DEMO_DIR) -> SeedResult:
    """Loads the demo shop unless today's demo data is already there.

    Args:
        database_url: the migrated app database.
        today: the day of seeding (default: today in the shop's time zone).
        force: reload even when the stored seed day and files are current.

    Returns:
        What was done. Never touches shop tables that hold data the seeder did not write.
    """
    today = today or policy.shop_today()
    digest = fixtures_digest(directory)
    with session_scope(database_url) as session:
        state = session.get(DemoSeedState, 1)
        if state is None:
            existing = session.execute(select(func.count()).select_from(Order)).scalar_one()
            existing += session.execute(select(func.count()).select_from(Customer)).scalar_one()
            if existing:
                return SeedResult("skipped", detail="the shop tables hold data that is not the demo's")
        elif state.seed_day == today and state.fixtures_digest == digest and not force:
            return SeedResult("unchanged", seed_day=today)

        customers, products, orders, items = load_demo_rows(today, directory)
        catalogue = load_catalogue_rows(today, FIXTURE_DAY, directory, {p.sku: p for p in products})
        for model in (*CATALOGUE_MODELS, AfterSalesRequest, OrderItem, Order, Product, Customer):
            session.execute(delete(model))
        session.add_all(customers)
        session.add_all(products)
        session.flush()
        new_products = [row for row in catalogue if isinstance(row, Product)]
        session.add_all(new_products)
        session.flush()
        session.add_all([row for row in catalogue if not isinstance(row, Product)])
        session.add_all(orders)
        session.flush()
        session.add_all(items)
        if state is None:
            session.add(DemoSeedState(id=1, seed_day=today, fixtures_digest=digest, seeded_at=policy.now()))
        else:
            state.seed_day, state.fixtures_digest, state.seeded_at = today, digest, policy.now()
    logger.info("demo shop seeded for %s: %d orders", today, len(orders))
    return SeedResult("seeded", seed_day=today, orders=len(orders))


def seed_configured_shop(settings: Settings) -> SeedResult:
    """Seeds the demo shop when this deployment uses it: ``KEFU_DEMO_SHOP`` on and ``SHOP_ADAPTER``
    naming the demo adapter (:class:`~shop.demo.DemoShop` or a subclass of it).

    Returns:
        What :func:`seed_demo_shop` did, or ``off`` (with why) when the demo shop is not in use.

    Raises:
        SettingsError: when ``SHOP_ADAPTER`` names no usable adapter (:func:`shop.adapter.adapter_class`).
    """
    configured = adapter_class(settings)
    if not settings.demo_shop:
        return SeedResult("off", detail="KEFU_DEMO_SHOP is off")
    if not issubclass(configured, DemoShop):
        return SeedResult("off", detail=f"{SETTING} is {settings.shop_adapter}, not the demo shop")
    return seed_demo_shop(settings.database_url)
