"""A seeded demo shop on the migrated test databases (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest

from shop.demo import DemoShop
from shop.demo.seed import seed_demo_shop

#: Seeding "today" on this day keeps the fixtures' own dates, which the tests can then name.
FIXTURE_DAY = date(2026, 11, 22)


@pytest.fixture
def shop_url(database_url: str) -> str:
    """The migrated database of ``database_url`` holding the demo shop as of 2026-11-22."""
    result = seed_demo_shop(database_url, today=FIXTURE_DAY)
    assert result.action == "seeded"
    return database_url


@pytest.fixture
def repo(shop_url: str) -> DemoShop:
    return DemoShop(shop_url)
