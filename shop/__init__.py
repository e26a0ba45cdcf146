"""Kefu's side of a shop: the adapter interface, the order rules, and the demo shop.

Kefu itself is store-neutral. The order actions, the handoff action's customer lookup and the
console's customer panel talk to the shop only through a :class:`shop.adapter.ShopAdapter`, the
class named by ``SHOP_ADAPTER`` (default ``shop.demo:DemoShop``); pointing Kefu at a real shop
means writing that class over the shop's own database or API (docs/developers/extending.md,
"A shop adapter").

* :mod:`shop.adapter` — the ``ShopAdapter`` Protocol and :func:`~shop.adapter.load_adapter`.
* :mod:`shop.views` — the value objects it returns and its typed errors.
* :mod:`shop.policy` — order rules: statuses, what can be cancelled, the 7-day return check.
* :mod:`shop.demo` — the demo shop: tables, the ``DemoShop`` adapter, the seed from ``demo/*.csv``.
"""
