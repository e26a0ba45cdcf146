"""Database access shared by the Kefu processes (SQLAlchemy 1.4 in the 2.0 style).

Nothing connects at import time: :func:`get_engine` creates the engine on first use, per URL.
"""

from __future__ import annotations

import functools
import logging
import select
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult, Engine, Result, make_url
from sqlalchemy.orm import Mapped, Session, registry, relationship, sessionmaker
from sqlalchemy.orm.decl_api import DeclarativeMeta

logger = logging.getLogger(__name__)

_registry = registry()


class Base(metaclass=DeclarativeMeta):
    """The one declarative base of the app database; Alembic migrates ``Base.metadata``.

    What ``declarative_base()`` returns, spelled out so that the type checker knows the mapped
    classes (SQLAlchemy 1.4's documented form without its mypy plugin).
    """

    __abstract__ = True
    #: set on each mapped class by SQLAlchemy
    __table__: ClassVar[sa.Table]
    registry = _registry
    metadata = _registry.metadata

    def __init__(self, **kwargs: Any) -> None:
        _registry.constructor(self, **kwargs)


def column(*args: Any, **kwargs: Any) -> Mapped[Any]:
    """``sa.Column(*args, **kwargs)``, typed by the annotation it is assigned to.

    ``status: Mapped[str] = column(sa.String(16), nullable=False)`` reads as ``str`` on a row and
    as the column in a query; the annotation states the Python type (``| None`` where nullable).
    """
    return cast("Mapped[Any]", sa.Column(*args, **kwargs))


def relation(*args: Any, **kwargs: Any) -> Mapped[Any]:
    """``sqlalchemy.orm.relationship(*args, **kwargs)``, typed like :func:`column`."""
    return cast("Mapped[Any]", relationship(*args, **kwargs))


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers don't block the writer
    # In WAL mode NORMAL never corrupts the database; a power cut can lose the last commits
    # (not an application crash). FULL costs an fsync per commit, several per chat turn.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def sqlite_engine(url: str | sa.engine.URL, *, future: bool = True) -> Engine:
    """An engine for a SQLite file: a small pool of connections set up by :func:`_sqlite_pragmas`.

    SQLAlchemy 1.4's default for SQLite files opens and closes a connection per session, which
    re-runs the pragmas every time.
    """
    database = make_url(url).database
    pool: dict[str, Any] = {"poolclass": sa.pool.QueuePool, "pool_size": 5, "max_overflow": 10}
    if not database or database == ":memory:":  # one shared connection, or each would see its own database
        pool = {"poolclass": sa.pool.StaticPool}
    engine = sa.create_engine(url, future=future, connect_args={"check_same_thread": False, "timeout": 5},
                              hide_parameters=True, **pool)
    sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


@functools.cache
def get_engine(url: str) -> Engine:
    """Returns the process-wide engine for a database URL, creating it on first use."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sqlite_engine(url)
    else:
        engine = server_engine(url)
    logger.debug("database engine for %s", parsed.render_as_string(hide_password=True))
    return engine


#: A pooled connection last given back longer ago than this (seconds) is checked before use; one
#: given back more recently is checked too unless its socket is quiet (:func:`_quiet`). 0: every
#: checkout pings, as ``pool_pre_ping`` does. The shortcut saves ~5 of ~20 round trips a turn
#: (docs/operators/benchmarks.md, issue 23).
IDLE_PING_SECONDS = 0.1


def _quiet(dbapi_connection: Any) -> bool:
    """Whether nothing has arrived on the connection's socket since it was last used.

    A server or proxy that drops a connection leaves the client a FIN, a reset or a termination
    message: the socket turns readable at once, before any statement meets the dead connection
    (an outage shorter than :data:`IDLE_PING_SECONDS` broke a connection given back just before
    it; ``tests/unit/kefu/test_db_pings.py``). A zero-timeout ``poll`` is a system call, not a
    round trip. Anything unexpected (no ``poll``, no ``fileno``, a closed handle, any event at
    all, say a server notice) counts as not quiet: the ping is done."""
    poll_factory = getattr(select, "poll", None)
    fileno = getattr(dbapi_connection, "fileno", None)
    if poll_factory is None or fileno is None or getattr(dbapi_connection, "closed", False):
        return False
    try:
        poller = poll_factory()
        poller.register(fileno(), select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP)
        return not poller.poll(0)
    except (OSError, ValueError, TypeError):
        return False


def ping_when_idle(engine: Engine, idle: float = IDLE_PING_SECONDS) -> None:
    """``pool_pre_ping``, except for a connection given back less than ``idle`` seconds ago.

    A database server that restarted or was unreachable leaves dead connections in the pool; a
    connection is checked (the dialect's ping) before use, and a dead one is replaced, so the
    next turn after an outage works. Checking every checkout cost a round trip per statement
    group (6.3 of the production shape's 30 round trips a turn, docs/operators/benchmarks.md);
    a connection that was working a moment ago and whose socket has received nothing since is
    used as it is (with ``pool_use_lifo`` the pool hands out the one given back last). Only a
    connection that died within ``idle`` without a packet reaching this host (a cable cut, not a
    server restart or a proxy closing it) is met by a statement, which then fails like any other
    during an outage (the turn's apology) and makes SQLAlchemy replace that pool's connections."""

    def given_back(_dbapi_connection: Any, record: Any) -> None:
        record.info["kefu_used"] = time.monotonic()

    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        used = record.info.get("kefu_used")
        if used is not None and time.monotonic() - used < idle and _quiet(dbapi_connection):
            return
        try:
            alive = cast(Any, engine.dialect).do_ping(dbapi_connection)
        except Exception as error:  # whatever the driver raises: the connection is dead
            raise sa.exc.DisconnectionError(str(error)) from error
        if not alive:
            raise sa.exc.DisconnectionError("ping failed")

    sa.event.listen(engine, "connect", given_back)  # a new connection needs no ping
    sa.event.listen(engine, "checkin", given_back)
    sa.event.listen(engine, "checkout", checked_out)


@functools.cache
def reader(url: str) -> Engine:
    """An engine for single statements on the hot path: on a database server a pool of its own in
    autocommit (no ``BEGIN`` and ``ROLLBACK`` round trips around one ``SELECT``; a pool of its own
    because switching a pooled connection to autocommit and back costs a ``SET`` round trip
    each time); on SQLite :func:`get_engine`'s (no round trips to save)."""
    if make_url(url).get_backend_name() == "sqlite":
        return get_engine(url)
    return server_engine(url, isolation_level="AUTOCOMMIT")


@contextmanager
def one_statement(url: str) -> Iterator[sa.engine.Connection]:
    """A connection for one statement that is atomic by itself (an ``INSERT`` of many rows, a
    conditional ``UPDATE``), committed when the block ends: on a database server :func:`reader`'s
    autocommit connection (no ``BEGIN`` and ``COMMIT`` round trips: the statement's own implicit
    transaction is the one), on SQLite a transaction of :func:`get_engine`'s (there is no round
    trip to save). Only for a single statement: two in this block are two transactions on a server."""
    if make_url(url).get_backend_name() == "sqlite":
        with get_engine(url).begin() as connection:
            yield connection
    else:
        with reader(url).connect() as connection:
            yield connection


@functools.cache
def _read_session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=reader(url), future=True, expire_on_commit=False, autoflush=False)


@contextmanager
def read_scope(url: str) -> Iterator[Session]:
    """An ORM session for reads only, on :func:`reader`'s engine: on a database server no
    ``BEGIN``/``COMMIT`` round trips around its ``SELECT`` s (each statement is its own snapshot:
    for reads of rows that another statement of the same block need not see as of one instant).
    Writes belong in :func:`session_scope` (here a flush would commit at once on a server, and
    be rolled back on SQLite)."""
    session: Session = _read_session_factory(url)()
    try:
        yield session
    finally:
        session.close()


def server_engine(url: str | sa.engine.URL, **kwargs: Any) -> Engine:
    """An engine for a database server: pooled (the connection given back last reused first),
    connections pinged before use unless given back a moment ago (:func:`ping_when_idle`)."""
    options: dict[str, Any] = {"future": True, "pool_size": 5, "pool_use_lifo": True, "hide_parameters": True}
    engine = cast(Engine, sa.create_engine(url, **{**options, **kwargs}))
    ping_when_idle(engine)
    return engine


@functools.cache
def _session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(url), future=True, expire_on_commit=False)


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A session that commits when the block ends and rolls back when it raises."""
    session: Session = _session_factory(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def rowcount(result: Result) -> int:
    """The rows an UPDATE or DELETE matched (``Result.rowcount``, which only a cursor's result has)."""
    return cast(CursorResult, result).rowcount
