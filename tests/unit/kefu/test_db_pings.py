"""Issue 23: pooled PostgreSQL connections are not pinged when they were used a moment ago, yet a
connection broken by a short outage is never handed out (kefu.db.ping_when_idle)."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from kefu import db
from tests.reliability.faults import TcpProxy

pytestmark = pytest.mark.postgres


@pytest.fixture
def proxied(postgres_server):
    target = sa.engine.make_url(postgres_server)
    proxy = TcpProxy(target.port or 5432, target.host or "127.0.0.1").start()
    engine = db.server_engine(target.set(port=proxy.port))
    pings = []
    ping = engine.dialect.do_ping

    def counted(dbapi_connection):
        pings.append(dbapi_connection)
        return ping(dbapi_connection)

    engine.dialect.do_ping = counted  # this engine's dialect object only
    yield proxy, engine, pings
    engine.dispose()
    proxy.stop()


def one(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.text("select 42")).scalar_one()


def test_a_connection_used_a_moment_ago_is_not_pinged(proxied):
    _proxy, engine, pings = proxied
    assert one(engine) == 42
    assert one(engine) == 42
    assert pings == []
    time.sleep(db.IDLE_PING_SECONDS + 0.05)
    assert one(engine) == 42
    assert len(pings) == 1  # idle longer than the shortcut: checked


def test_an_outage_shorter_than_the_shortcut_still_gets_a_working_connection(proxied):
    """Given back, broken by a cut, used again within IDLE_PING_SECONDS: without the socket check
    the statement met the dead connection ("server closed the connection unexpectedly")."""
    proxy, engine, _pings = proxied
    assert one(engine) == 42
    started = time.monotonic()
    proxy.cut()
    proxy.restore()
    time.sleep(0.005)
    assert one(engine) == 42
    assert time.monotonic() - started < db.IDLE_PING_SECONDS
