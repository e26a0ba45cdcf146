"""The demo shop's adapter: :class:`DemoShop`, the :class:`~shop.adapter.ShopAdapter` over the
``shop_*`` tables of the app database (``SHOP_ADAPTER=shop.demo:DemoShop``, the default).

It is also the reference implementation a shop's own adapter can be read beside:
``tests/unit/shop/demo/test_repository.py`` is the behaviour it keeps on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from kefu.db import read_scope, rowcount, session_scope
from kefu.settings import Settings
from shop import policy
from shop.demo.catalogue import DemoCatalogue
from shop.demo.models import AfterSalesRequest, Customer, Order
from shop.policy import MAX_REASON, is_order_id
from shop.views import (
    KINDS,
    AfterSalesKind,
    AfterSalesResult,
    AfterSalesView,
    CancelResult,
    CustomerView,
    OrderLine,
    OrderView,
    ShopContractError,
    ShopUnavailable,
)

logger = logging.getLogger(__name__)

#: What the last four digits of a phone number look like.
PHONE_LAST4 = re.compile(r"^\d{4}$")


def _phone_digits(phone: str) -> str:
    return "".join(c for c in phone if c.isdigit())


def _view(order: Order) -> OrderView:
    return OrderView(
        order_id=order.order_id,
        status=order.status,
        created_at=order.created_at,
        paid_at=order.paid_at,
        shipped_at=order.shipped_at,
        delivered_at=order.delivered_at,
        cancelled_at=order.cancelled_at,
        carrier=order.carrier,
        tracking_no=order.tracking_no,
        eta=order.eta,
        shipping_cny=order.shipping_cny if order.shipping_cny is not None else Decimal("0.00"),
        total_cny=order.total_cny,
        ship_city=order.ship_city or "",
        lines=tuple(
            OrderLine(item.sku, item.product.name_zh, item.product.name_en, item.quantity,
                      item.product.no_reason_return)
            for item in order.items
        ),
        customer_id=order.customer_id,
    )


def _customer(customer: Customer) -> CustomerView:
    return CustomerView(customer.customer_id, customer.name, customer.phone, customer.email,
                        customer.language, customer.member_level)


def _request(row: AfterSalesRequest) -> AfterSalesView:
    return AfterSalesView(str(row.id), row.order_id, row.kind, row.reason, tuple(row.skus.split()),
                          row.status, row.created_at)


class DemoShop(DemoCatalogue):
    """Read-write access to the demo shop in the app database.

    Args:
        database_url: SQLAlchemy URL of the app database (``Settings.database_url``). Nothing
            connects until a method is called.
    """

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    @classmethod
    def from_settings(cls, settings: Settings) -> DemoShop:
        """The demo shop in this deployment's app database (``DATABASE_URL``)."""
        return cls(settings.database_url)

    @contextmanager
    def _session(self, *, read: bool = False) -> Iterator[Session]:
        """A transaction on the app database; a database that does not answer is :class:`ShopUnavailable`.

        ``read``: a session for reads only (:func:`kefu.db.read_scope`: on a database server no
        ``BEGIN``/``COMMIT`` round trips around the ``SELECT``); an order and its items are read
        by two statements then, which is fine: the items of an order never change."""
        try:
            with (read_scope if read else session_scope)(self.database_url) as session:
                yield session
        except (OperationalError, InterfaceError) as error:
            raise ShopUnavailable(f"the demo shop's database did not answer ({type(error.orig).__name__})") \
                from error

    # ------------------------------------------------------------------ reads
    def get_customer(self, *, customer_id: str) -> CustomerView | None:
        """The customer with this number, or ``None`` (for staff screens; the bot never shows it)."""
        with self._session(read=True) as session:
            customer = session.get(Customer, customer_id)
            return _customer(customer) if customer is not None else None

    def list_customers(self) -> list[CustomerView]:
        """Every customer, by number (the demo storefront's login picker)."""
        with self._session(read=True) as session:
            rows = session.execute(select(Customer).order_by(Customer.customer_id)).scalars().all()
            return [_customer(customer) for customer in rows]

    def get_order(self, *, order_id: str) -> OrderView | None:
        """The order with this number, or ``None``. Callers check ownership first."""
        if not is_order_id(order_id):
            return None
        with self._session(read=True) as session:
            order = session.get(Order, order_id)
            return _view(order) if order else None

    def list_customer_orders(self, *, customer_id: str, limit: int = 5) -> list[OrderView]:
        """A customer's most recent orders, newest first."""
        with self._session(read=True) as session:
            orders = session.execute(
                select(Order).where(Order.customer_id == customer_id)
                .order_by(Order.created_at.desc(), Order.order_id.desc()).limit(limit)
            ).scalars().all()
            return [_view(order) for order in orders]

    def check_order_owner(self, *, order_id: str, phone_last4: str) -> bool:
        """True when the order exists and the phone number on it ends with these 4 digits.

        An unknown order and a wrong phone give the same ``False``, and both take the same path
        (one query, one constant-time comparison), so the answer reveals nothing. This method
        only compares: wrong answers are counted, and guessing stopped, by the caller
        (:class:`verification.failures.FailureCounter`), so a shop's own adapter need not count.
        """
        if not is_order_id(order_id):
            return False
        candidate = phone_last4 if isinstance(phone_last4, str) and PHONE_LAST4.match(phone_last4) else "----"
        with self._session(read=True) as session:
            phone = session.execute(
                select(Customer.phone).join(Order, Order.customer_id == Customer.customer_id)
                .where(Order.order_id == order_id)
            ).scalar_one_or_none()
        actual = _phone_digits(phone)[-4:] if phone else "####"
        return hmac.compare_digest(actual.encode(), candidate.encode()) and phone is not None

    def check_order_customer(self, *, order_id: str, customer_id: str) -> bool:
        """True when the order exists and belongs to this customer (the signed-in shopper)."""
        if not is_order_id(order_id) or not customer_id:
            return False
        with self._session(read=True) as session:
            owner = session.execute(
                select(Order.customer_id).where(Order.order_id == order_id)
            ).scalar_one_or_none()
        return owner is not None and hmac.compare_digest(owner.encode(), customer_id.encode())

    def get_after_sales_request(self, *, order_id: str) -> AfterSalesView | None:
        """The after-sales request of an order, if one was filed."""
        with self._session(read=True) as session:
            row = session.execute(
                select(AfterSalesRequest).where(AfterSalesRequest.order_id == order_id)
            ).scalar_one_or_none()
            return _request(row) if row is not None else None

    def customers_with_refunds(self, *, since: datetime) -> list[str]:
        """Customers with an order in a refund status created or delivered since ``since``, or
        with an after-sales request filed since then (:class:`shop.adapter.ShopRefunds`)."""
        refunding = select(Order.customer_id).where(
            Order.status.in_(policy.AFTER_SALES), sa.or_(Order.created_at >= since, Order.delivered_at >= since))
        filed = (select(Order.customer_id).join(AfterSalesRequest, AfterSalesRequest.order_id == Order.order_id)
                 .where(AfterSalesRequest.created_at >= since))
        with self._session(read=True) as session:
            return sorted(set(session.execute(refunding.union(filed)).scalars()))

    # ------------------------------------------------------------------ writes
    def cancel_order(self, *, order_id: str) -> CancelResult:
        """Cancels an order that has not shipped.

        The status is re-checked in the same statement that changes it, so an order that shipped
        since the customer was asked is left alone.
        """
        if not is_order_id(order_id):
            return CancelResult(False, None)
        moment = policy.now()
        with self._session() as session:
            before = session.execute(
                select(Order.status, Order.paid_at).where(Order.order_id == order_id)
            ).one_or_none()
            if before is None:
                return CancelResult(False, None)
            changed = rowcount(session.execute(
                update(Order)
                .where(Order.order_id == order_id, Order.status.in_(policy.CANCELLABLE))
                .values(status="cancelled", cancelled_at=moment)
                .execution_options(synchronize_session=False)
            ))
            if changed != 1:
                status = session.execute(select(Order.status).where(Order.order_id == order_id)).scalar_one()
                return CancelResult(False, status)
            logger.info("order %s…%s cancelled by the customer", order_id[:4], order_id[-2:])
            return CancelResult(True, "cancelled", was_paid=before.paid_at is not None)

    def request_after_sales(self, *, order_id: str, kind: AfterSalesKind, reason: str,
                            today: date) -> AfterSalesResult:
        """Files a return or exchange for a delivered order inside the 7-day window.

        Idempotent: when the order already has a request, nothing is written and that request
        is returned. The order moves to ``return_requested`` in the same transaction, and only
        from ``delivered``.

        Args:
            kind: ``return`` or ``exchange``.
            reason: the customer's words (cut to :data:`~shop.policy.MAX_REASON` characters).
            today: the shop's current date.

        Raises:
            ShopContractError: for a kind that is neither ``return`` nor ``exchange``.
        """
        if kind not in KINDS:
            raise ShopContractError(f"kind must be 'return' or 'exchange', not {kind!r}")
        moment = policy.now()
        reason = " ".join((reason or "").split())[:MAX_REASON]
        with self._session() as session:
            existing = session.execute(
                select(AfterSalesRequest).where(AfterSalesRequest.order_id == order_id)
            ).scalar_one_or_none()
            order = session.get(Order, order_id) if is_order_id(order_id) else None
            if order is None:
                return AfterSalesResult(False, None, None, (), policy.ReturnCheck("not_delivered"))
            if existing is not None:
                return AfterSalesResult(False, str(existing.id), existing.kind, tuple(existing.skus.split()),
                                        policy.ReturnCheck("in_progress"))
            check = _view(order).return_check(today)
            if not check.ok:
                return AfterSalesResult(False, None, None, (), check)
            changed = rowcount(session.execute(
                update(Order).where(Order.order_id == order_id, Order.status == "delivered")
                .values(status="return_requested").execution_options(synchronize_session=False)
            ))
            if changed != 1:
                return AfterSalesResult(False, None, None, (), policy.ReturnCheck("in_progress"))
            request = AfterSalesRequest(order_id=order_id, kind=kind, reason=reason, skus=" ".join(check.eligible),
                                        status="requested", source="bot", created_at=moment)
            session.add(request)
            try:
                session.flush()
            except IntegrityError:  # a parallel request won the race; report that one
                session.rollback()
                existing = session.execute(
                    select(AfterSalesRequest).where(AfterSalesRequest.order_id == order_id)
                ).scalar_one()
                return AfterSalesResult(False, str(existing.id), existing.kind, tuple(existing.skus.split()),
                                        policy.ReturnCheck("in_progress"))
            logger.info("after-sales request %s (%s) filed for order %s…%s", request.id, kind,
                        order_id[:4], order_id[-2:])
            return AfterSalesResult(True, str(request.id), kind, check.eligible, check)

    def count_after_sales_requests(self, *, order_id: str) -> int:
        """How many after-sales requests an order has (0 or 1; used by tests and operators)."""
        with self._session() as session:
            return int(session.execute(
                select(sa.func.count()).select_from(AfterSalesRequest).where(AfterSalesRequest.order_id == order_id)
            ).scalar_one())

