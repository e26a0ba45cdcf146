"""The demo shop: Kefu's adapter to a shop's customers, products, orders and after-sales requests.

Kefu itself is store-neutral. The order actions (``actions/orders/``) talk only to
:class:`shop.repository.ShopRepository`; pointing Kefu at a real shop means giving that class
the same methods over the shop's own database or API (README, "Orders and after-sales").

* :mod:`shop.models` — the demo tables on :data:`kefu.db.Base` (Alembic ``0002``).
* :mod:`shop.repository` — the read-write repository the actions use.
* :mod:`shop.policy` — order rules: what can be cancelled, the 7-day return check.
* :mod:`shop.seed` — loads ``shop/demo/*.csv`` (a copy of the shared fixtures) with shifted dates.
"""
