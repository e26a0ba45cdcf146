"""The ShopAdapter Protocol and SHOP_ADAPTER: the demo conforms exactly, a bad setting stops start.

A developer who writes an adapter learns at start, from one line naming SHOP_ADAPTER, what is
wrong with it (not importable, not a class, a method missing or not callable as Kefu calls it);
an operator who mistypes the setting sees the same line from ``python -m web`` and ``make run``.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from kefu.settings import ROOT, SettingsError, load_settings
from shop.adapter import (
    DEMO_ADAPTER,
    OrderView,
    ShopAdapter,
    ShopContractError,
    adapter_class,
    load_adapter,
    protocol_methods,
)
from shop.demo import DemoShop
from tests.unit.shop.two_order_shop import TwoOrderShop


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("KEFU_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    monkeypatch.delenv("SHOP_ADAPTER", raising=False)
    return monkeypatch


class HalfShop:
    """Written before the after-sales part: two methods missing."""

    get_order = TwoOrderShop.get_order
    list_customer_orders = TwoOrderShop.list_customer_orders
    check_order_owner = TwoOrderShop.check_order_owner
    check_order_customer = TwoOrderShop.check_order_customer
    cancel_order = TwoOrderShop.cancel_order
    get_customer = TwoOrderShop.get_customer
    list_customers = TwoOrderShop.list_customers


class PositionalShop(TwoOrderShop):
    """Takes the order number positionally only: Kefu passes it by keyword."""

    def get_order(self, order_id, /):  # type: ignore[override]
        return None


class NeedsAConnection(TwoOrderShop):
    """Needs an argument Kefu cannot give it (and has no from_settings)."""

    def __init__(self, api_url: str) -> None:
        super().__init__()


def setting(env, value: str):
    env.setenv("SHOP_ADAPTER", value)
    return load_settings()


def test_the_demo_shop_implements_every_method_with_the_protocols_signature():
    methods = protocol_methods(ShopAdapter)
    assert set(methods) == {"get_order", "list_customer_orders", "check_order_owner", "check_order_customer",
                            "cancel_order", "request_after_sales", "get_after_sales_request", "get_customer",
                            "list_customers"}
    for name, wanted in methods.items():
        actual = inspect.signature(getattr(DemoShop, name))
        assert actual == wanted, f"DemoShop.{name}{actual} is not the Protocol's {name}{wanted}"
        assert all(p.kind is p.KEYWORD_ONLY for p in list(actual.parameters.values())[1:]), name


def test_by_default_the_demo_shop_serves_the_app_database(env):
    settings = load_settings()
    assert settings.shop_adapter == DEMO_ADAPTER
    adapter = load_adapter(settings)
    assert isinstance(adapter, DemoShop) and adapter.database_url == settings.database_url
    assert load_adapter(load_settings()) is adapter  # one adapter per process and settings


def test_a_shops_own_class_is_built_without_arguments(env):
    adapter = load_adapter(setting(env, "tests.unit.shop.two_order_shop:TwoOrderShop"))
    assert isinstance(adapter, TwoOrderShop) and isinstance(adapter, ShopAdapter)


@pytest.mark.parametrize("value, words", [
    ("shop.demo.DemoShop", ["is not module:Class", "shop.demo:DemoShop"]),
    ("shop.demo:", ["is not module:Class"]),
    ("my shop:Adapter", ["is not module:Class"]),
])
def test_a_setting_that_is_not_module_colon_class_is_refused_by_the_settings(env, value, words):
    env.setenv("SHOP_ADAPTER", value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert str(error.value).startswith(f"SHOP_ADAPTER={value!r}") and all(w in str(error.value) for w in words)


@pytest.mark.parametrize("value, words", [
    ("acme_shop.kefu:AcmeShop", ["module 'acme_shop.kefu' cannot be imported", "ModuleNotFoundError",
                                 "check the module path"]),
    ("shop.demo:Demoshop", ["module 'shop.demo' has no 'Demoshop'"]),
    ("tests.unit.shop.two_order_shop:CUSTOMER", ["'CUSTOMER' is a CustomerView, not a class"]),
    ("tests.unit.shop.test_adapter:HalfShop",
     [("HalfShop does not implement the ShopAdapter Protocol (shop/adapter.py): missing request_after_sales, "
       "get_after_sales_request.")]),
    ("tests.unit.shop.test_adapter:PositionalShop", ["get_order cannot take 'order_id' by keyword"]),
    ("tests.unit.shop.test_adapter:NeedsAConnection", ["needs constructor arguments", "from_settings(settings)"]),
    ("kefu.settings:Settings", ["missing get_order, list_customer_orders", "list_customers"]),
])
def test_an_unusable_adapter_is_a_settings_error_naming_the_variable(env, value, words):
    settings = setting(env, value)
    with pytest.raises(SettingsError) as error:
        adapter_class(settings)
    message = str(error.value)
    assert message.startswith(f"SHOP_ADAPTER={value!r}: "), message
    assert all(word in message for word in words), message


PROCESSES = {"web app": ["-m", "web"], "launcher": ["-m", "bot", "run"],
             "action server": ["-m", "bot.action_server", "--actions", "actions"]}


@pytest.mark.parametrize("name", PROCESSES)
def test_a_bad_adapter_stops_the_process_at_start(name, tmp_path):
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("KEFU_", "DEMO_", "BOT_", "DATABASE_URL", "SHOP_"))}
    env.update({"KEFU_VAR_DIR": str(tmp_path), "KEFU_SECRET_KEY": "k" * 40, "RASA_TELEMETRY_ENABLED": "false",
                "SHOP_ADAPTER": "tests.unit.shop.test_adapter:HalfShop"})
    result = subprocess.run([sys.executable, *PROCESSES[name]], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 2, (result.stdout + result.stderr)[-2000:]
    assert "cannot start: SHOP_ADAPTER='tests.unit.shop.test_adapter:HalfShop'" in result.stderr
    assert "missing request_after_sales, get_after_sales_request" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert not (tmp_path / "app.db").exists()  # stopped before any work


AT = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)


def order(**changes) -> OrderView:
    fields = {"order_id": "990101000009", "status": "paid", "created_at": AT, "paid_at": AT, "shipped_at": None,
              "delivered_at": None, "cancelled_at": None, "carrier": None, "tracking_no": None, "eta": None,
              "shipping_cny": Decimal("0.00"), "total_cny": Decimal("10.00"), "ship_city": "", "lines": ()}
    return OrderView(**{**fields, **changes})


@pytest.mark.parametrize("changes, field", [
    ({"status": "awaiting_shipment"}, "OrderView.status='awaiting_shipment' is not one of the contract's statuses"),
    ({"created_at": datetime(2026, 11, 20, 8, 0)}, "OrderView.created_at"),
    ({"total_cny": 10.0}, "OrderView.total_cny: give a Decimal"),
    ({"lines": [1]}, "OrderView.lines"),
])
def test_an_order_outside_the_contract_is_refused_where_the_shop_builds_it(changes, field):
    with pytest.raises(ShopContractError, match=field.replace("(", r"\(").replace(")", r"\)")):
        order(**changes)
    assert order().return_check(date(2026, 11, 22)).outcome == "not_delivered"
