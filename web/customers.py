"""The console's customer panel: who the customer is and their recent orders, when the shop knows.

The demo shop's data lives in the ``shop`` package (customers and orders repository), built on
another branch. It is imported lazily here, so the console works without it (the panel then says
that no shop data is available). The adapter accepts a ``shop.repository`` module offering
keyword-only functions or a ``ShopRepository(database_url)`` class with them:

* ``get_customer(*, customer_id)`` → mapping or object with ``customer_id``/``id``, ``name``,
  ``phone``, ``email``, ``member_level``, ``language``
* ``list_orders(*, customer_id, limit)`` → orders with ``order_id``, ``status``, ``created_at``,
  ``total_cny``
* ``get_order(*, order_id)`` → an order (to find the customer when only an order number is known)
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

logger = logging.getLogger(__name__)

RECENT_ORDERS = 5
CUSTOMER_FIELDS = ("customer_id", "name", "phone", "email", "member_level", "language")
ORDER_FIELDS = ("order_id", "status", "created_at", "total_cny", "carrier", "tracking_no")


def _repository(database_url: str):
    try:
        module = importlib.import_module("shop.repository")
    except ImportError:
        return None
    factory = getattr(module, "ShopRepository", None)
    if factory is not None:
        try:
            return factory(database_url)
        except TypeError:
            return factory(database_url=database_url)
    return module


def _call(repository, name: str, **kwargs: Any):
    function = getattr(repository, name, None)
    if function is None:
        return None
    try:
        return function(**kwargs)
    except TypeError:  # a signature without database_url, or with it
        if "database_url" in kwargs:
            kwargs = {k: v for k, v in kwargs.items() if k != "database_url"}
            return function(**kwargs)
        raise


def _fields(item: Any, names: tuple[str, ...]) -> dict[str, Any]:
    def value(name: str):
        if isinstance(item, dict):
            return item.get(name)
        return getattr(item, name, None)

    result = {name: value(name) for name in names}
    if result.get("customer_id") is None and "customer_id" in names:
        result["customer_id"] = value("id")
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v if v is None or isinstance(v, (int, float, str))
                else str(v)) for k, v in result.items()}


def mask_phone(phone: str | None) -> str | None:
    """Shows agents the last 4 digits only (what the identity check uses)."""
    if not phone:
        return phone
    return "*" * max(len(phone) - 4, 0) + phone[-4:]


def customer_panel(database_url: str, *, customer_id: str | None = None, order_id: str | None = None
                   ) -> dict[str, Any]:
    """What the console shows about the customer of a handoff.

    Returns:
        ``{"available": False}`` without shop data; otherwise ``{"available": True, "verified":
        bool, "customer": {...} | None, "orders": [...]}``. ``verified`` is False when the customer
        was only inferred from an order number the shopper typed.
    """
    repository = _repository(database_url)
    if repository is None:
        return {"available": False, "customer_id": customer_id, "order_id": order_id}
    verified = bool(customer_id)
    if not customer_id and order_id:
        order = _call(repository, "get_order", order_id=order_id)
        if order is not None:
            customer_id = _fields(order, ("customer_id",)).get("customer_id")
    if not customer_id:
        return {"available": True, "verified": False, "customer": None, "orders": [], "order_id": order_id}
    customer = _call(repository, "get_customer", customer_id=customer_id)
    orders = _call(repository, "list_orders", customer_id=customer_id, limit=RECENT_ORDERS) or []
    details = _fields(customer, CUSTOMER_FIELDS) if customer is not None else {"customer_id": customer_id}
    details["phone"] = mask_phone(details.get("phone"))
    return {
        "available": True,
        "verified": verified,
        "customer": details,
        "orders": [_fields(order, ORDER_FIELDS) for order in list(orders)[:RECENT_ORDERS]],
        "order_id": order_id,
    }
