"""Seeding the demo shop: a copy of the shared fixtures, dates shifted, idempotent."""

from __future__ import annotations

import csv
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from kefu.db import session_scope
from kefu.settings import ROOT
from shop.demo import DemoShop
from shop.demo.models import Customer, Order
from shop.demo.seed import DEMO_DIR, seed_configured_shop, seed_demo_shop
from shop.policy import local_date

#: ../shared/fixtures beside the project (or beside the worktree folder on development machines)
SHARED = next((p / "shared" / "fixtures" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared").is_dir()),
              ROOT.parent / "shared" / "fixtures")


def count(url: str, model) -> int:
    with session_scope(url) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_demo_files_are_the_shared_fixtures():
    for name in ("demo_customers.csv", "demo_products.csv", "demo_orders.csv"):
        shared = SHARED / name
        if shared.exists():  # the shared folder sits beside the worktree on development machines
            assert (DEMO_DIR / name).read_bytes() == shared.read_bytes(), name


def test_seed_holds_exactly_the_fixture_orders(database_url):
    seed_demo_shop(database_url, today=date(2026, 11, 22))
    with (DEMO_DIR / "demo_orders.csv").open(encoding="utf-8") as handle:
        ids = {row["order_id"] for row in csv.DictReader(handle)}
    with session_scope(database_url) as session:
        assert set(session.execute(select(Order.order_id)).scalars()) == ids
    assert count(database_url, Customer) == 12


def test_dates_keep_their_distance_to_the_day_of_seeding(database_url):
    later = date(2027, 3, 5)
    seed_demo_shop(database_url, today=later)
    order = DemoShop(database_url).get_order(order_id="261117000611")
    shift = later - date(2026, 11, 22)
    assert local_date(order.delivered_at) == date(2026, 11, 20) + shift  # still two days old
    assert order.eta == date(2026, 11, 20) + shift
    assert order.return_check(later).ok
    late = DemoShop(database_url).get_order(order_id="261112000345")
    assert late.return_check(later).outcome == "window_closed"


def test_same_day_keeps_the_data_a_later_day_reseeds(database_url):
    day = date(2026, 12, 1)
    assert seed_demo_shop(database_url, today=day).action == "seeded"
    repo = DemoShop(database_url)
    assert repo.cancel_order(order_id="261122000101").cancelled
    assert seed_demo_shop(database_url, today=day).action == "unchanged"
    assert repo.get_order(order_id="261122000101").status == "cancelled"
    assert seed_demo_shop(database_url, today=day + timedelta(days=1)).action == "seeded"
    assert repo.get_order(order_id="261122000101").status == "pending_payment"
    assert count(database_url, Order) == 30


def test_a_real_shops_rows_are_never_replaced(database_url):
    from datetime import datetime, timezone
    from decimal import Decimal

    with session_scope(database_url) as session:
        session.add(Customer(customer_id="REAL1", name="x", phone="13900000000", email="", language="zh-CN",
                             member_level="regular"))
        session.flush()
        session.add(Order(order_id="999900000001", customer_id="REAL1", status="paid",
                          created_at=datetime.now(timezone.utc), total_cny=Decimal("1.00"), ship_city=""))
    result = seed_demo_shop(database_url)
    assert result.action == "skipped"
    assert count(database_url, Order) == 1


@pytest.mark.parametrize("value", ["0", "off", "false", None])
def test_switched_off_unless_the_environment_says_on(database_url, monkeypatch, tmp_path, value):
    from kefu.settings import load_settings
    from kefu.setup import seed_shop

    monkeypatch.setenv("KEFU_VAR_DIR", str(tmp_path))
    if value is None:
        monkeypatch.delenv("KEFU_DEMO_SHOP", raising=False)
    else:
        monkeypatch.setenv("KEFU_DEMO_SHOP", value)
    settings = load_settings()
    seed_shop(type(settings)(**{**settings.__dict__, "database_url": database_url}))
    assert count(database_url, Order) == 0
    monkeypatch.setenv("KEFU_DEMO_SHOP", "yes")
    settings = load_settings()
    seed_shop(type(settings)(**{**settings.__dict__, "database_url": database_url}))
    assert count(database_url, Order) > 0


@pytest.mark.parametrize("adapter, demo_shop, seeded", [
    ("shop.demo:DemoShop", True, True),
    ("tests.unit.shop.two_order_shop:TwoOrderShop", True, False),  # a shop's own adapter: never the demo data
    ("shop.demo:DemoShop", False, False),
])
def test_seeded_only_when_the_demo_shop_is_the_configured_adapter_and_switched_on(database_url, monkeypatch,
                                                                                tmp_path, adapter, demo_shop, seeded):
    from dataclasses import replace

    from kefu.settings import load_settings

    monkeypatch.setenv("KEFU_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("SHOP_ADAPTER", adapter)
    settings = replace(load_settings(), database_url=database_url, demo_shop=demo_shop)
    result = seed_configured_shop(settings)
    assert (result.action == "seeded") is seeded and (count(database_url, Order) > 0) is seeded
    if not seeded:
        assert result.action == "off"
        assert result.detail == ("KEFU_DEMO_SHOP is off" if not demo_shop
                                 else f"SHOP_ADAPTER is {adapter}, not the demo shop")
