"""bot.faults: which errors mean "the database or Redis is unavailable", and the apology's language."""

from __future__ import annotations

import pytest
import redis.exceptions
import sqlalchemy as sa
import sqlalchemy.exc
from rasa.core.lock_store import LockError

from bot.faults import APOLOGY, APOLOGY_BOTH, apology_for, is_unavailable


def real_operational_error() -> sqlalchemy.exc.OperationalError:
    engine = sa.create_engine("postgresql://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 2})
    try:
        with engine.connect():
            pass
    except sqlalchemy.exc.OperationalError as error:
        return error
    finally:
        engine.dispose()
    raise AssertionError("port 1 answered")


def test_database_and_redis_failures_count_as_unavailable():
    error = real_operational_error()
    assert is_unavailable(error)
    try:  # wrapped, as Rasa's processor might re-raise it
        try:
            raise error
        except sqlalchemy.exc.OperationalError as inner:
            raise RuntimeError("turn failed") from inner
    except RuntimeError as outer:
        assert is_unavailable(outer)
    assert is_unavailable(LockError("Error while acquiring lock"))
    assert is_unavailable(redis.exceptions.ConnectionError("Connection refused"))


@pytest.mark.parametrize("error", [ValueError("bad"), KeyError("slot"), sqlalchemy.exc.IntegrityError("x", {}, None)])
def test_bugs_are_not_hidden_behind_an_apology(error):
    assert not is_unavailable(error)


@pytest.mark.parametrize("text, apology", [
    ("我的订单到哪了", APOLOGY["zh-Hans"]),
    ("我的訂單到哪了", APOLOGY["zh-Hant"]),
    ("where is my order?", APOLOGY["en"]),
    ("261103004817", APOLOGY_BOTH),
    (None, APOLOGY_BOTH),
])
def test_the_apology_speaks_the_messages_language(text, apology):
    assert apology_for(text) == apology
