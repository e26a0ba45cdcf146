"""Migration 0006 moves the shop's per-order failure counts into the verification table."""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from kefu.db import get_engine
from kefu.settings import ROOT
from verification.failures import MAX_ORDER_FAILURES, FailureCounter


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["configure_logger"] = False
    return config


def test_counts_of_the_shop_table_are_kept(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0005")
    first = datetime.now(timezone.utc).replace(tzinfo=None)
    with get_engine(url).begin() as connection:
        connection.execute(sa.text("INSERT INTO shop_order_check_failures (order_id, failures, first_failed_at) "
                                   "VALUES ('261103004817', :n, :at)"), {"n": MAX_ORDER_FAILURES, "at": first})
    command.upgrade(config, "head")
    assert FailureCounter(url).order_closed("261103004817")
    assert not FailureCounter(url).order_closed("261118000921")
    command.downgrade(config, "0005")
    with get_engine(url).begin() as connection:
        kept = connection.execute(sa.text("SELECT failures FROM shop_order_check_failures")).scalar_one()
    assert kept == MAX_ORDER_FAILURES
