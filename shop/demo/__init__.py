"""The demo shop (Lumen Mall, 明镜商城): Kefu's default shop adapter, over the app database.

* :mod:`shop.demo.models` — its tables on :data:`kefu.db.Base` (``shop_*``, Alembic ``0002``).
* :mod:`shop.demo.repository` — :class:`DemoShop`, the :class:`~shop.adapter.ShopAdapter` over them
  (``SHOP_ADAPTER=shop.demo:DemoShop``, the default).
* :mod:`shop.demo.seed` — loads ``shop/demo/*.csv`` (copies of the shared fixtures, same ids) with
  dates shifted to the day of seeding, when the demo shop is the configured adapter and
  ``KEFU_DEMO_SHOP`` is on.
"""

from shop.demo.repository import DemoShop

__all__ = ["DemoShop"]
