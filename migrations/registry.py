"""Registry of the modules that define tables on :data:`kefu.db.Base`.

The packages own their tables; the migrations own the list of them. Alembic's environment
(``migrations/env.py``, for autogenerate) and the tests import them all through
:func:`import_all_models`; ``tests/unit/migrations/test_registry.py`` checks that the migrations create
exactly the tables these modules define.
"""

from __future__ import annotations

import importlib

MODEL_MODULES = ("kefu.auth", "kefu.events", "kefu.outbox", "shop.demo.models", "shop.demo.catalogue_models",
                 "handoff.models", "faq.tables", "analytics.models", "verification.models", "assist.models",
                 "customers.models", "products.restock")


def import_all_models() -> None:
    for module in MODEL_MODULES:
        importlib.import_module(module)
