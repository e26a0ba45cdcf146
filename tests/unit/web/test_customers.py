"""The console's customer panel on the seeded demo shop (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest

from shop.demo import DemoShop
from shop.demo.seed import seed_demo_shop
from web.customers import customer_panel, mask_phone


@pytest.fixture
def shop(database_url: str) -> DemoShop:
    seed_demo_shop(database_url, today=date(2026, 11, 22))
    return DemoShop(database_url)


def test_known_customer_with_recent_orders(shop):
    panel = customer_panel(shop, customer_id="C1001", proven=True)
    assert panel["verified"]
    assert panel["customer"]["name"] == "王芳" and panel["customer"]["phone"] == "*******5678"
    assert panel["customer"]["member_level"] == "gold"
    # C1001 has two orders in the fixtures, newest first
    assert [o["order_id"] for o in panel["orders"]] == ["261120000612", "261112000345"]


def test_a_customer_only_linked_earlier_is_not_verified(shop):
    """Linking never widens what an anonymous conversation may see (issue 19): the customer a
    channel identity was linked to before, not proven in this conversation, is shown as linked,
    not verified, without contact details or orders."""
    panel = customer_panel(shop, customer_id="C1001", order_id="261120000612")
    assert panel["verified"] is False and panel["linked"] is True
    assert panel["customer"] == {"customer_id": "C1001", "name": "王芳", "member_level": "gold"}
    assert panel["orders"] == [] and panel["order_id"] == "261120000612"


def test_a_typed_order_number_shows_no_customer(shop):
    """The customer of an order number a shopper typed is not shown: anyone can type one (issue 19)."""
    panel = customer_panel(shop, order_id="261103004817")
    assert panel["customer"] is None and panel["orders"] == [] and panel["verified"] is False
    assert panel["order_id"] == "261103004817"


def test_unknown_order_number_shows_no_customer(shop):
    panel = customer_panel(shop, order_id="269999999999")
    assert panel["customer"] is None and panel["orders"] == []


def test_anonymous_customer(shop):
    panel = customer_panel(shop)
    assert panel["customer"] is None and panel["orders"] == []


def test_phone_masking():
    assert mask_phone("+886912345678") == "*********5678" and mask_phone(None) is None
