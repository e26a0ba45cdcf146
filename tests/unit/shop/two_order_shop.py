"""A second shop adapter, the kind a shop writes: two orders of one customer, held in memory.

It knows nothing of Kefu's tables; ``SHOP_ADAPTER=tests.unit.shop.two_order_shop:TwoOrderShop``
puts it behind the order actions, the handoff's customer lookup and the console
(tests/unit/shop/test_adapter_seam.py). docs/developers/extending.md shows an excerpt of it.
"""

from __future__ import annotations

import hmac
import threading
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from shop.adapter import (
    AfterSalesKind,
    AfterSalesResult,
    AfterSalesView,
    CancelResult,
    CustomerView,
    OrderLine,
    OrderView,
)
from shop.policy import CANCELLABLE, SHOP_TZ, ReturnCheck, now

#: The shop's one customer, and the phone number its orders are checked against.
CUSTOMER = CustomerView("K-77", "林雨", "13900004321", "lin.yu@example.com", "zh-CN", "gold")
SHIPPED = datetime(2026, 11, 30, 16, 0, tzinfo=SHOP_TZ)


def _yuan(amount: str) -> Decimal:
    return Decimal(amount).quantize(Decimal("0.01"))


class TwoOrderShop:
    """The shop's orders in a dict; a real shop would call its own database or API here."""

    def __init__(self) -> None:
        shirt = OrderLine("TS-LINEN-01", "亚麻衬衫", "Linen shirt", 2, "yes")
        towel = OrderLine("TW-BAMBOO-02", "竹纤维毛巾", "Bamboo towel", 1, "yes")
        self._lock = threading.Lock()
        self._requests: dict[str, AfterSalesView] = {}
        self._orders = {
            "990101000001": OrderView(
                order_id="990101000001", status="in_transit", created_at=SHIPPED - timedelta(days=1),
                paid_at=SHIPPED - timedelta(days=1), shipped_at=SHIPPED, delivered_at=None, cancelled_at=None,
                carrier="zto", tracking_no="ZT7700012345", eta=date(2099, 1, 1), shipping_cny=_yuan("0"),
                total_cny=_yuan("238"), ship_city="成都", lines=(shirt,), customer_id=CUSTOMER.customer_id),
            "990101000002": OrderView(
                order_id="990101000002", status="processing", created_at=SHIPPED, paid_at=SHIPPED,
                shipped_at=None, delivered_at=None, cancelled_at=None, carrier=None, tracking_no=None, eta=None,
                shipping_cny=_yuan("6"), total_cny=_yuan("45"), ship_city="成都", lines=(towel,),
                customer_id=CUSTOMER.customer_id),
        }

    def get_order(self, *, order_id: str) -> OrderView | None:
        return self._orders.get(order_id)

    def list_customer_orders(self, *, customer_id: str, limit: int = 5) -> list[OrderView]:
        mine = [order for order in self._orders.values() if order.customer_id == customer_id]
        return sorted(mine, key=lambda order: order.created_at, reverse=True)[:limit]

    def check_order_owner(self, *, order_id: str, phone_last4: str) -> bool:
        order = self._orders.get(order_id)
        phone = CUSTOMER.phone if order is not None else "no order"
        return hmac.compare_digest(phone[-4:].encode(), str(phone_last4).encode()) and order is not None

    def check_order_customer(self, *, order_id: str, customer_id: str) -> bool:
        order = self._orders.get(order_id)
        return order is not None and order.customer_id == customer_id

    def cancel_order(self, *, order_id: str) -> CancelResult:
        with self._lock:
            order = self._orders.get(order_id)
            if order is None:
                return CancelResult(False, None)
            if order.status not in CANCELLABLE:
                return CancelResult(False, order.status)
            self._orders[order_id] = replace(order, status="cancelled", cancelled_at=now())
            return CancelResult(True, "cancelled", was_paid=order.paid_at is not None)

    def request_after_sales(self, *, order_id: str, kind: AfterSalesKind, reason: str,
                            today: date) -> AfterSalesResult:
        with self._lock:
            order = self._orders.get(order_id)
            if order is None:
                return AfterSalesResult(False, None, None, (), ReturnCheck("not_delivered"))
            if order_id in self._requests:
                filed = self._requests[order_id]
                return AfterSalesResult(False, filed.id, filed.kind, filed.skus, ReturnCheck("in_progress"))
            check = order.return_check(today)
            if not check.ok:
                return AfterSalesResult(False, None, None, (), check)
            filed = AfterSalesView(f"RMA-{order_id}", order_id, kind, reason[:200], check.eligible, "requested", now())
            self._requests[order_id] = filed
            self._orders[order_id] = replace(order, status="return_requested")
            return AfterSalesResult(True, filed.id, kind, filed.skus, check)

    def get_after_sales_request(self, *, order_id: str) -> AfterSalesView | None:
        return self._requests.get(order_id)

    def get_customer(self, *, customer_id: str) -> CustomerView | None:
        return CUSTOMER if customer_id == CUSTOMER.customer_id else None

    def list_customers(self) -> list[CustomerView]:
        return [CUSTOMER]
