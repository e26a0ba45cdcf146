"""Migrated app databases for the tests, each a copy of one migrated once per test process.

Running every migration for each test cost about 0.6–0.9 s a database (~400 a run); copying a database
migrated once costs milliseconds on SQLite (the backup API) and ~0.1 s on PostgreSQL (``CREATE DATABASE
… TEMPLATE``). The copy holds exactly what ``migrate`` made, Alembic's version row included, so a later
``migrate`` on it is a no-op as on any up-to-date database. The migrations themselves are tested from an
empty database (tests/unit/*/test_migration.py), never from these copies.
"""

from __future__ import annotations

import atexit
import shutil
import sqlite3
import tempfile
import uuid
from functools import cache
from pathlib import Path

import sqlalchemy as sa

from migrations import migrate


@cache
def _sqlite_template() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="kefu-migrated-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "app.db"
    migrate(f"sqlite:///{path}")
    _dispose(f"sqlite:///{path}")
    return path


def migrated_sqlite(path: Path) -> str:
    """A migrated SQLite database at ``path``; returns its URL."""
    path.parent.mkdir(parents=True, exist_ok=True)
    source, target = sqlite3.connect(_sqlite_template()), sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return f"sqlite:///{path}"


def _dispose(url: str) -> None:
    """Closes the project's pooled connections to ``url`` (a template must have none open)."""
    from kefu.db import get_engine

    get_engine(url).dispose()


def _admin(admin_url: str):
    return sa.create_engine(admin_url, future=True, isolation_level="AUTOCOMMIT")


@cache
def _postgres_template(admin_url: str) -> str:
    name = f"kefu_template_{uuid.uuid4().hex[:10]}"
    engine = _admin(admin_url)
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    migrate(url)
    _dispose(url)

    def drop() -> None:
        with engine.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

    atexit.register(drop)
    return name


def create_postgres_database(admin_url: str, *, migrated: bool = False) -> str:
    """Creates a database (empty, or ``migrated`` as a copy of the migrated template) and returns its URL."""
    name = f"kefu_test_{uuid.uuid4().hex[:10]}"
    template = f' TEMPLATE "{_postgres_template(admin_url)}"' if migrated else ""
    engine = _admin(admin_url)
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"{template}'))
    engine.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_postgres_database(admin_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    _dispose(url)
    engine = _admin(admin_url)
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()
