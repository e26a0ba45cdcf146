"""Registry of the modules that define tables on :data:`kefu.db.Base`.

Alembic's autogenerate and the test fixtures import them all through :func:`import_all_models`.
"""

from __future__ import annotations

import importlib

MODEL_MODULES = ("kefu.auth", "kefu.events", "kefu.outbox", "shop.demo.models", "handoff.models", "faq.tables",
                 "analytics.models", "verification.models")


def import_all_models() -> None:
    for module in MODEL_MODULES:
        importlib.import_module(module)
