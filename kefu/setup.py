"""Database preparation at start: migrations, demo accounts and the demo shop's data."""

from __future__ import annotations

import json
import logging
import os
import secrets

from kefu.settings import Settings

logger = logging.getLogger(__name__)

#: Demo accounts created at first run: (username, role, password variable, display name).
DEMO_ACCOUNTS = (
    ("agent", "agent", "DEMO_AGENT_PASSWORD", "小林 (Agent Lin)"),
    ("editor", "editor", "DEMO_EDITOR_PASSWORD", "Editor"),
)


def migrate(database_url: str) -> None:
    """Brings the app database to the newest schema (Alembic ``upgrade head``)."""
    from alembic import command
    from alembic.config import Config

    from kefu.settings import ROOT

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")


def demo_passwords(settings: Settings) -> dict[str, str]:
    """Passwords of the demo accounts: from the environment, else generated once into var/."""
    path = settings.var_dir / "demo_passwords.json"
    stored = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    result, changed = {}, False
    for username, _role, variable, _name in DEMO_ACCOUNTS:
        value = os.environ.get(variable, "").strip()
        if not value:
            if username not in stored:
                stored[username] = secrets.token_urlsafe(12)
                changed = True
            value = stored[username]
        result[username] = value
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(stored, handle)
    return result


def demo_credentials(settings: Settings) -> list[tuple[str, str, str]]:
    """(username, role, password) of each demo account, for the start banner."""
    passwords = demo_passwords(settings)
    return [(username, role, passwords[username]) for username, role, _v, _n in DEMO_ACCOUNTS]


def setup_database(settings: Settings) -> None:
    """Migrates the database, creates the demo accounts and seeds the demo shop."""
    from kefu.auth import ensure_user

    migrate(settings.database_url)
    passwords = demo_passwords(settings)
    for username, role, variable, display_name in DEMO_ACCOUNTS:
        if ensure_user(settings.database_url, username=username, role=role,
                       password=passwords[username], display_name=display_name,
                       reset_password=bool(os.environ.get(variable, "").strip())):
            print(f"database: created demo account '{username}' ({role})", flush=True)
    seed_shop(settings)
    sync_faq(settings)


def sync_faq(settings: Settings) -> None:
    """FAQ content: faq/content imported into the database when new or changed (faq.publishing)."""
    from faq.publishing import sync_from_files

    print(f"database: FAQ {sync_from_files(settings.database_url, settings.faq_dir)}", flush=True)


def seed_shop(settings: Settings) -> None:
    """Loads the demo shop (shop/demo/*.csv) with its dates moved to today, when it is the configured
    shop adapter and KEFU_DEMO_SHOP is on; see shop.demo.seed."""
    from shop.demo.seed import seed_configured_shop

    result = seed_configured_shop(settings)
    if result.action == "off":
        print(f"database: demo shop off ({result.detail})", flush=True)
    elif result.action == "seeded":
        print(f"database: demo shop seeded for {result.seed_day} ({result.orders} orders)", flush=True)
    elif result.action == "skipped":
        print(f"database: demo shop not seeded: {result.detail}", flush=True)
