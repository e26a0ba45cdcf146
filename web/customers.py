"""The console's customer panel: who the customer is and their recent orders.

Reads the shop through the shop adapter (``SHOP_ADAPTER``, :mod:`shop.adapter`) the web app
loaded at start, the same one the order actions use. Agents see the last 4 digits of the phone
number only (what the identity check uses).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from assist.summary import OpenFollowUp
from customers.care import order_json
from customers.followups import FollowUps
from shop.adapter import ShopAdapter

RECENT_ORDERS = 5


def mask_phone(phone: str | None) -> str | None:
    """Shows agents the last 4 digits only."""
    if not phone:
        return phone
    return "*" * max(len(phone) - 4, 0) + phone[-4:]


def customer_panel(shop: ShopAdapter, *, customer_id: str | None = None, order_id: str | None = None,
                   proven: bool = False) -> dict[str, Any]:
    """What the console shows about the customer of a handoff.

    Args:
        shop: the shop adapter.
        customer_id: the handoff's customer: vouched for by a signed token (a logged-in widget
            shopper), a passed order check, or the link of the conversation's channel identity to
            one of those (:mod:`customers.links`).
        order_id: an order number the conversation was about (shown as such; an order number a
            shopper merely typed proves nothing, so no customer is inferred from it).
        proven: the conversation proved ``customer_id`` itself (the handoff's ``customer_proven``).

    Returns:
        ``{"verified": bool, "linked": bool, "customer": {...} | None, "orders": [...], "order_id": ...}``;
        ``verified`` only for a customer proven in this conversation (name, masked phone, e-mail,
        tier, recent orders). A customer only linked earlier to the channel identity is ``linked``:
        its id, name and tier for the agent's care record, no contact details and no orders
        ("linking never widens what an anonymous conversation may see").
    """
    if not customer_id:
        return {"verified": False, "linked": False, "customer": None, "orders": [], "order_id": order_id}
    customer = shop.get_customer(customer_id=customer_id)
    if not proven:
        linked = ({"customer_id": customer.customer_id, "name": customer.name, "member_level": customer.member_level}
                  if customer is not None else {"customer_id": customer_id})
        return {"verified": False, "linked": True, "customer": linked, "orders": [], "order_id": order_id}
    details = (
        {"customer_id": customer.customer_id, "name": customer.name, "phone": mask_phone(customer.phone),
         "email": customer.email, "member_level": customer.member_level, "language": customer.language}
        if customer is not None else {"customer_id": customer_id}
    )
    orders = shop.list_customer_orders(customer_id=customer_id, limit=RECENT_ORDERS)
    return {"verified": True, "linked": False, "customer": details, "orders": [order_json(o) for o in orders],
            "order_id": order_id}


def panel_of(shop: ShopAdapter) -> Callable[..., dict[str, Any]]:
    """:func:`customer_panel` on ``shop``, as the handoff API calls it (``customer_id=``, ``order_id=``)."""
    return functools.partial(customer_panel, shop)


def open_follow_ups(database_url: str) -> Callable[[str], list[OpenFollowUp]]:
    """A customer's open follow-ups (回访), oldest first, for the assist summary: the web app hands
    them to assist, which does not import the customers package (docs/design.md, "Layers")."""
    tasks = FollowUps(database_url)

    def of(customer_id: str) -> list[OpenFollowUp]:
        found = [task for task in tasks.of_customer(customer_id) if task.status == "open"]
        return [OpenFollowUp(task.note, task.due, task.assignee) for task in reversed(found)]

    return of
