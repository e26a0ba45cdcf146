"""The app database's schema: Alembic's migrations (``versions/``) and the table registry.

:func:`migrate` brings a database to the newest schema; the launcher's preparation
(:mod:`bot.stack.prepare`), the ``migrate`` role of the image, ``python -m faq import|export``
and the tests call it. :mod:`migrations.registry` names every module defining tables.
"""

from __future__ import annotations

from pathlib import Path

#: This folder: Alembic's ``script_location``.
HERE = Path(__file__).resolve().parent


def migrate(database_url: str) -> None:
    """Brings the app database to the newest schema (Alembic ``upgrade head``)."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(HERE.parent / "alembic.ini"))
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")
