"""A master key shorter than 32 bytes (or an unusable shop key) stops every Kefu process at start:
one line naming the variable and the fix, no traceback, nothing served."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.stack import ROOT, free_port

PROCESSES = {
    "launcher": ["-m", "bot", "run"],
    "web app": ["-m", "web"],
    "Rasa server": ["-m", "bot.server", "--model", "models/none.tar.gz"],
    "action server": ["-m", "bot.action_server", "--actions", "actions", "--port", "{port}"],
}


def start(command: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    port = str(free_port())
    full_env = {key: value for key, value in os.environ.items()
                if not key.startswith(("KEFU_", "TELEGRAM_", "WECHAT_", "DEMO_", "BOT_", "DATABASE_URL", "REDIS_URL"))}
    full_env.update({"KEFU_VAR_DIR": str(tmp_path), "WEB_PORT": port, "BOT_PORT": str(free_port()),
                     "ACTIONS_PORT": port, "RASA_TELEMETRY_ENABLED": "false", **env})
    try:
        return subprocess.run([sys.executable, *[part.format(port=port) for part in command]], check=False, cwd=ROOT,
                              env=full_env, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"still running after 60 s (it started with the bad key): {error.stdout!r:.300}")


@pytest.mark.parametrize("name", PROCESSES)
def test_a_short_master_key_stops_the_process_with_the_fix(name, tmp_path):
    result = start(PROCESSES[name], tmp_path, KEFU_SECRET_KEY="short-secret-key")
    output = result.stdout + result.stderr
    assert result.returncode == 2, output[-2000:]
    assert "KEFU_SECRET_KEY" in result.stderr and "at least 32" in result.stderr
    assert "secrets.token_urlsafe(32)" in result.stderr
    assert "Traceback" not in output


@pytest.mark.parametrize("name", ["web app", "Rasa server", "action server"])
def test_an_unreadable_shop_public_key_stops_the_process(name, tmp_path):
    result = start(PROCESSES[name], tmp_path, KEFU_SECRET_KEY="k" * 40,
                   KEFU_CUSTOMER_TOKEN_PUBLIC_KEY=str(tmp_path / "missing.pem"))
    assert result.returncode == 2, (result.stdout + result.stderr)[-2000:]
    assert "KEFU_CUSTOMER_TOKEN_PUBLIC_KEY" in result.stderr and "Traceback" not in result.stdout + result.stderr


def test_a_missing_master_key_stops_a_bare_process_too(tmp_path):
    result = start(PROCESSES["web app"], tmp_path)  # no KEFU_SECRET_KEY, no var/secret_key
    assert result.returncode == 2 and "KEFU_SECRET_KEY" in result.stderr and "Traceback" not in result.stderr
