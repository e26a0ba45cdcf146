"""The console's customer panel with and without the shop package.

The ``shop`` package (customers and orders) is built on another branch; until it is merged, a
small stand-in module with the repository functions the panel looks for plays its part.
"""

from __future__ import annotations

import sys
import types

import pytest

from web.customers import customer_panel, mask_phone


@pytest.fixture
def no_shop(monkeypatch):
    monkeypatch.setitem(sys.modules, "shop", None)  # importing it fails, as when it is absent
    monkeypatch.setitem(sys.modules, "shop.repository", None)


@pytest.fixture
def shop(monkeypatch):
    customers = {"C1001": {"customer_id": "C1001", "name": "王芳", "phone": "13812345678",
                           "email": "wang.fang@example.com", "member_level": "gold", "language": "zh-CN"}}
    orders = [{"order_id": f"2611{i:02d}000101", "customer_id": "C1001", "status": "delivered", "total_cny": 99.0 + i}
              for i in range(8)]
    repository = types.ModuleType("shop.repository")
    repository.get_customer = lambda *, customer_id: customers.get(customer_id)
    repository.list_orders = lambda *, customer_id, limit: [o for o in orders if o["customer_id"] == customer_id][:limit]
    repository.get_order = lambda *, order_id: next((o for o in orders if o["order_id"] == order_id), None)
    package = types.ModuleType("shop")
    package.repository = repository
    monkeypatch.setitem(sys.modules, "shop", package)
    monkeypatch.setitem(sys.modules, "shop.repository", repository)


def test_without_the_shop_package_the_panel_says_so(no_shop):
    assert customer_panel("sqlite://", customer_id="C1001") == {"available": False, "customer_id": "C1001",
                                                                 "order_id": None}


def test_known_customer_with_recent_orders(shop):
    panel = customer_panel("sqlite://", customer_id="C1001")
    assert panel["available"] and panel["verified"]
    assert panel["customer"]["name"] == "王芳" and panel["customer"]["phone"] == "*******5678"
    assert len(panel["orders"]) == 5 and panel["orders"][0]["order_id"] == "261100000101"


def test_customer_inferred_from_an_order_number_is_marked_unverified(shop):
    panel = customer_panel("sqlite://", order_id="261103000101")
    assert panel["customer"]["customer_id"] == "C1001" and panel["verified"] is False


def test_anonymous_customer(shop):
    panel = customer_panel("sqlite://")
    assert panel["available"] and panel["customer"] is None and panel["orders"] == []


def test_phone_masking():
    assert mask_phone("+886912345678") == "*********5678" and mask_phone(None) is None
