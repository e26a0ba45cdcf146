"""The shop repository on SQLite and PostgreSQL (migrations applied, demo data seeded)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from kefu.db import session_scope
from shop.adapter import ShopContractError, ShopUnavailable
from shop.demo import DemoShop
from shop.demo.models import Order

TODAY = date(2026, 11, 22)


def status_of(url: str, order_id: str) -> str:
    with session_scope(url) as session:
        return session.execute(select(Order.status).where(Order.order_id == order_id)).scalar_one()


def test_an_order_reads_back_with_its_lines_times_and_money(repo):
    order = repo.get_order(order_id="261120000612")
    assert order.status == "processing"
    assert order.created_at == datetime(2026, 11, 20, 11, 0, tzinfo=timezone.utc)  # 19:00 Beijing time
    assert order.total_cny == Decimal("578.00") and order.shipping_cny == Decimal("0.00")
    assert [(line.sku, line.name_zh, line.quantity) for line in order.lines] == [
        ("LM-SH-005", "轻量跑步鞋", 1), ("LM-AP-002", "纯棉圆领T恤", 1)]
    shipped = repo.get_order(order_id="261103004817")
    assert (shipped.carrier, shipped.tracking_no, shipped.eta) == ("sf", "SF9296037519664", date(2026, 11, 9))


@pytest.mark.parametrize("order_id", ["261199999999", "26110300481X", "2611030048170", "", "1' OR '1'='1", None])
def test_unknown_or_malformed_order_numbers_find_nothing(repo, order_id):
    assert repo.get_order(order_id=order_id) is None


def test_owner_check_needs_the_right_last_four_digits(repo):
    assert repo.check_order_owner(order_id="261103004817", phone_last4="8123")
    assert repo.check_order_owner(order_id="261119000277", phone_last4="5601")  # +886 number
    assert not repo.check_order_owner(order_id="261103004817", phone_last4="5678")  # another customer's digits
    assert not repo.check_order_owner(order_id="261199999999", phone_last4="8123")  # no such order
    for bad in ("", "812", "81234", "abcd", "8123' --", None):
        assert not repo.check_order_owner(order_id="261103004817", phone_last4=bad)


def test_customer_check_and_recent_orders_newest_first(repo):
    assert repo.check_order_customer(order_id="261120000612", customer_id="C1001")
    assert not repo.check_order_customer(order_id="261103004817", customer_id="C1001")
    assert not repo.check_order_customer(order_id="261199999999", customer_id="C1001")
    assert [o.order_id for o in repo.list_customer_orders(customer_id="C1004")] == [
        "261120000733", "261103004817", "261101000654"]
    assert repo.list_customer_orders(customer_id="C9999") == []


@pytest.mark.parametrize("order_id, status, paid", [
    ("261122000101", "pending_payment", False), ("261121000215", "paid", True), ("261120000733", "processing", True)])
def test_unshipped_orders_can_be_cancelled_once(repo, shop_url, order_id, status, paid):
    assert status_of(shop_url, order_id) == status
    result = repo.cancel_order(order_id=order_id)
    assert result.cancelled and result.was_paid == paid
    assert status_of(shop_url, order_id) == "cancelled"
    again = repo.cancel_order(order_id=order_id)
    assert not again.cancelled and again.status == "cancelled"


@pytest.mark.parametrize("order_id", ["261120000815", "261103004817", "261118000033", "261117000611",
                                      "261116000903", "261113000566", "261101000654"])
def test_shipped_delivered_or_closed_orders_are_not_cancelled(repo, shop_url, order_id):
    before = status_of(shop_url, order_id)
    result = repo.cancel_order(order_id=order_id)
    assert not result.cancelled and result.status == before
    assert status_of(shop_url, order_id) == before


def test_return_inside_the_window_is_filed_once(repo, shop_url):
    first = repo.request_after_sales(order_id="261117000611", kind="return", reason="  尺码\n偏大 ", today=TODAY)
    assert first.created and first.skus == ("LM-AP-001",)
    assert status_of(shop_url, "261117000611") == "return_requested"
    stored = repo.get_after_sales_request(order_id="261117000611")
    assert (stored.kind, stored.reason, stored.status) == ("return", "尺码 偏大", "requested")
    second = repo.request_after_sales(order_id="261117000611", kind="exchange", reason="again", today=TODAY)
    assert not second.created and second.request_id == first.request_id and second.kind == "return"
    assert repo.count_after_sales_requests(order_id="261117000611") == 1


@pytest.mark.parametrize("order_id, outcome", [
    ("261112000345", "window_closed"),   # delivered 2026-11-14: the window ended on the 21st
    ("261028000120", "window_closed"),
    ("261115000208", "excluded"),        # custom-engraved flask
    ("261110000432", "excluded"),        # hairy crabs
    ("261120000815", "not_delivered"),
    ("261121000388", "not_delivered"),
    ("261113000566", "in_progress"),
    ("261110000187", "in_progress"),
])
def test_returns_outside_the_rules_change_nothing(repo, shop_url, order_id, outcome):
    before = status_of(shop_url, order_id)
    result = repo.request_after_sales(order_id=order_id, kind="return", reason="不想要了", today=TODAY)
    assert not result.created and result.check.outcome == outcome
    assert status_of(shop_url, order_id) == before
    assert repo.count_after_sales_requests(order_id=order_id) == 0


def test_the_last_day_of_the_window_is_inside(repo):
    # 261112000345 was delivered on 2026-11-14: the 7 days run from the 15th to the 21st.
    result = repo.request_after_sales(order_id="261112000345", kind="return", reason="x", today=date(2026, 11, 21))
    assert result.created


def test_nothing_connects_before_a_method_is_called():
    repo = DemoShop("postgresql://nobody@127.0.0.1:1/nothing")
    assert repo.database_url.endswith("/nothing")


def test_a_database_that_does_not_answer_is_shop_unavailable():
    """The typed error of the adapter contract: the action fails, the shopper is offered a human."""
    repo = DemoShop("postgresql://nobody@127.0.0.1:1/nothing")
    with pytest.raises(ShopUnavailable, match="did not answer"):
        repo.get_order(order_id="261103004817")
    with pytest.raises(ShopUnavailable):
        repo.check_order_owner(order_id="261103004817", phone_last4="8123")


def test_a_request_of_another_kind_is_a_contract_error(repo):
    with pytest.raises(ShopContractError, match="'return' or 'exchange'"):
        repo.request_after_sales(order_id="261117000611", kind="refund", reason="x", today=TODAY)  # type: ignore[arg-type]


def test_the_owner_check_only_compares(repo):
    """Counting wrong answers is the caller's business (verification.failures), not the adapter's."""
    for guess in range(30):
        assert not repo.check_order_owner(order_id="261103004817", phone_last4=f"{guess:04d}")
    assert repo.check_order_owner(order_id="261103004817", phone_last4="8123")
