"""The database's preparation at start (bot.stack.prepare): demo shop switch, demo accounts."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from bot.stack.prepare import demo_passwords, seed_shop
from kefu.db import session_scope
from kefu.settings import load_settings
from shop.demo.models import Order
from tests.stack import ROOT


def count(url: str, model) -> int:
    with session_scope(url) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.mark.parametrize("value", ["0", "off", "false", None])
def test_switched_off_unless_the_environment_says_on(database_url, monkeypatch, tmp_path, value):
    monkeypatch.setenv("KEFU_VAR_DIR", str(tmp_path))
    if value is None:
        monkeypatch.delenv("KEFU_DEMO_SHOP", raising=False)
    else:
        monkeypatch.setenv("KEFU_DEMO_SHOP", value)
    seed_shop(dataclasses.replace(load_settings(), database_url=database_url))
    assert count(database_url, Order) == 0
    monkeypatch.setenv("KEFU_DEMO_SHOP", "yes")
    seed_shop(dataclasses.replace(load_settings(), database_url=database_url))
    assert count(database_url, Order) > 0


def test_demo_passwords_come_from_the_settings_else_are_generated_once(monkeypatch, tmp_path):
    monkeypatch.setenv("KEFU_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("DEMO_EDITOR_PASSWORD", raising=False)
    monkeypatch.setenv("DEMO_AGENT_PASSWORD", "agent-password-from-env")
    first = demo_passwords(load_settings())
    assert first["agent"] == "agent-password-from-env"
    assert demo_passwords(load_settings())["editor"] == first["editor"]  # generated once, then kept
    stored = json.loads((tmp_path / "demo_passwords.json").read_text())
    assert stored == {"editor": first["editor"]}  # a password the operator gave is not written down
    assert (tmp_path / "demo_passwords.json").stat().st_mode & 0o077 == 0


def test_the_migrate_role_prepares_the_database_and_names_a_bad_setting(tmp_path):
    """``python -m bot.stack.prepare`` (the image's ``migrate`` role): a bad setting stops it
    with the variable named; good settings leave a migrated database with the demo accounts."""
    env = {"PATH": "/usr/bin:/bin", "KEFU_VAR_DIR": str(tmp_path), "DATABASE_URL": "mysql://db/kefu"}
    bad = subprocess.run([sys.executable, "-m", "bot.stack.prepare"], cwd=ROOT, env=env, capture_output=True,
                         check=False, text=True, timeout=120)
    assert bad.returncode == 2 and "DATABASE_URL" in bad.stderr and "Traceback" not in bad.stderr
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'app.db'}"
    good = subprocess.run([sys.executable, "-m", "bot.stack.prepare"], cwd=ROOT, env=env, capture_output=True,
                          check=False, text=True, timeout=300)
    assert good.returncode == 0, good.stderr[-2000:]
    assert "created demo account 'agent'" in good.stdout and "demo shop off" in good.stdout
    from kefu.auth import User

    with session_scope(env["DATABASE_URL"]) as session:
        assert set(session.execute(select(User.username)).scalars()) == {"agent", "editor"}
