"""Helpers for the order conversations: fresh copies of the demo orders a test may change."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from kefu.db import session_scope
from shop.demo.models import Order, OrderItem


def copy_order(stack, order_id: str, *, customer_id: str, status: str | None = None) -> str:
    """A fresh copy of a demo order for ``customer_id`` (a return changes the order it files), with
    ``status`` in place of the order's present one (``delivered``: returnable whichever test filed the
    original's return first)."""
    new_id = "2611" + str(uuid.uuid4().int)[:8]
    with session_scope(f"sqlite:///{stack.var_dir / 'app.db'}") as session:
        order = session.execute(select(Order).where(Order.order_id == order_id)).scalar_one()
        columns = {c.name: getattr(order, c.name) for c in Order.__table__.columns}
        if status is not None:
            columns["status"] = status
        session.add(Order(**{**columns, "order_id": new_id, "customer_id": customer_id,
                             "items": [OrderItem(sku=item.sku, quantity=item.quantity) for item in order.items]}))
    return new_id
