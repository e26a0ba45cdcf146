"""The database's preparation at start: migrations, demo accounts, the demo shop's data, FAQ import.

``make run`` does it before it starts the processes (:func:`bot.stack.launcher.prepare`); in
compose and Helm the image's ``migrate`` role runs ``python -m bot.stack.prepare`` once before the
new processes start.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from collections.abc import Callable

from kefu.settings import Settings, SettingsError, current
from migrations import migrate

#: Demo accounts created at first run: (username, role, password variable, display name).
DEMO_ACCOUNTS = (
    ("agent", "agent", "DEMO_AGENT_PASSWORD", "小林 (Agent Lin)"),
    ("editor", "editor", "DEMO_EDITOR_PASSWORD", "Editor"),
)


def demo_passwords(settings: Settings) -> dict[str, str]:
    """Passwords of the demo accounts: from the settings, else generated once into var/."""
    path = settings.var_dir / "demo_passwords.json"
    stored = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    result, changed = {}, False
    for username, _role, _variable, _name in DEMO_ACCOUNTS:
        value = settings.demo_password(username)
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


def _say(note: str) -> None:
    print(f"database: {note}", flush=True)


def setup_database(settings: Settings, report: Callable[[str], None] = _say) -> None:
    """Migrates the database, creates the demo accounts, seeds the demo shop, imports the FAQ files.

    ``report`` gets a note of what each part did (default: a ``database: ...`` line each; ``make
    run`` joins them into its one line of the step).
    """
    from kefu.auth import ensure_user

    migrate(settings.database_url)
    passwords = demo_passwords(settings)
    for username, role, _variable, display_name in DEMO_ACCOUNTS:
        if ensure_user(settings.database_url, username=username, role=role,
                       password=passwords[username], display_name=display_name,
                       reset_password=bool(settings.demo_password(username))):
            report(f"created demo account '{username}' ({role})")
    seed_shop(settings, report)
    sync_faq(settings, report)


def sync_faq(settings: Settings, report: Callable[[str], None] = _say) -> None:
    """FAQ content: faq/content imported into the database when new or changed (faq.publishing)."""
    from faq.publishing import sync_from_files

    report(f"FAQ {sync_from_files(settings.database_url, settings.faq_dir)}")


def seed_shop(settings: Settings, report: Callable[[str], None] = _say) -> None:
    """Loads the demo shop (shop/demo/*.csv) with its dates moved to today, when it is the configured
    shop adapter and KEFU_DEMO_SHOP is on; see shop.demo.seed."""
    from shop.demo.seed import seed_configured_shop

    result = seed_configured_shop(settings)
    if result.action == "off":
        report(f"demo shop off ({result.detail})")
    elif result.action == "seeded":
        report(f"demo shop seeded for {result.seed_day} ({result.orders} orders)")
    elif result.action == "skipped":
        report(f"demo shop not seeded: {result.detail}")


def main() -> int:
    """``python -m bot.stack.prepare``: the image's ``migrate`` role (the settings' database)."""
    try:
        settings = current()
    except SettingsError as error:
        print(f"python -m bot.stack.prepare cannot start: {error}", file=sys.stderr)
        return 2
    setup_database(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
