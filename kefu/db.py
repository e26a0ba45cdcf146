"""Database access shared by the Kefu processes (SQLAlchemy 1.4 in the 2.0 style).

Nothing connects at import time: :func:`get_engine` creates the engine on first use, per URL.
"""

from __future__ import annotations

import functools
import logging
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
        engine = sa.create_engine(url, future=True, pool_pre_ping=True, pool_size=5, hide_parameters=True)
    logger.debug("database engine for %s", parsed.render_as_string(hide_password=True))
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
