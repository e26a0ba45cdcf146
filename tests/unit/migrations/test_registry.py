"""The table registry (migrations/registry.py) and the migrations agree with the models."""

from __future__ import annotations

import sqlalchemy as sa

from kefu.db import Base, get_engine
from migrations.registry import MODEL_MODULES, import_all_models


def test_the_migrations_create_exactly_the_tables_and_columns_the_registered_modules_define(database_url):
    """A module defining tables but missing from the registry, or a model changed without a
    migration, shows here (Alembic's autogenerate would miss the one and the database the other)."""
    import_all_models()
    defined = {table.name: {column.name for column in table.columns} for table in Base.metadata.sorted_tables}
    inspector = sa.inspect(get_engine(database_url))
    migrated = {name: {column["name"] for column in inspector.get_columns(name)}
                for name in inspector.get_table_names() if name != "alembic_version"}
    assert migrated == defined
    # every mapped class of the project (whatever imported it) lives in a registered module
    assert {mapper.class_.__module__ for mapper in Base.registry.mappers} <= set(MODEL_MODULES)
