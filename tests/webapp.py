"""The web app alone (``python -m web``) on a seeded SQLite database, for API and browser tests.

A test module serves one with ``web = web_app_fixture("name", prepare=...)``; ``tokens`` (tests/unit's
conftest) logs the three staff roles in to it.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from kefu.auth import ensure_user
from tests.databases import migrated_sqlite
from tests.stack import ROOT, free_port, http


@dataclass
class WebApp:
    url: str
    database_url: str
    passwords: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def web_url(self) -> str:
        """The same as ``url``: what :class:`tests.stack.Stack` calls it, so page helpers take either."""
        return self.url

    def password(self, username: str) -> str:
        return self.passwords[username]

    def login(self, username: str) -> str:
        status, body = http("POST", f"{self.url}/api/auth/login",
                            {"username": username, "password": self.passwords[username]})
        assert status == 200, body
        return body["token"]

    def api(self, method: str, path: str, body: Any = None, *, token: str | None = None, **kwargs):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return http(method, f"{self.url}{path}", body, headers=headers, **kwargs)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def start_web(var_dir: Path, *, prepare=None, env: dict[str, str] | None = None, timeout: float = 60) -> WebApp:
    """Migrates a fresh SQLite database, lets ``prepare(url)`` seed it, and serves the web app on it."""
    database_url = migrated_sqlite(var_dir / "app.db")
    passwords = {name: secrets.token_urlsafe(12) for name in ("agent", "editor", "admin")}
    for name, password in passwords.items():
        ensure_user(database_url, username=name, role=name, password=password)
    if prepare is not None:
        prepare(database_url)
    port = free_port()
    full_env = {key: value for key, value in os.environ.items()
                if not key.startswith(("TELEGRAM_", "WECHAT_", "DEMO_", "BOT_", "DATABASE_URL", "REDIS_URL"))}
    full_env.update({
        "KEFU_VAR_DIR": str(var_dir), "DATABASE_URL": database_url, "WEB_PORT": str(port),
        "KEFU_SECRET_KEY": secrets.token_urlsafe(32), "KEFU_DEMO_SHOP": "0", "PYTHONUNBUFFERED": "1",
        "ANALYTICS_INTERVAL": "0.5", "ANALYTICS_TIMEZONE": "Asia/Shanghai", **(env or {}),
    })
    log_path = var_dir / "web.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "web"], cwd=ROOT, env=full_env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    app = WebApp(url=f"http://127.0.0.1:{port}", database_url=database_url, passwords=passwords,
                 process=process, log_path=log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the web app exited:\n{app.log()[-3000:]}")
        try:
            if http("GET", f"{app.url}/healthz", timeout=2)[0] == 200:
                return app
        except OSError:
            pass
        time.sleep(0.3)
    app.stop()
    raise RuntimeError(f"the web app did not start in {timeout} s:\n{app.log()[-3000:]}")


def web_app_fixture(name: str, *, prepare=None, env: dict[str, str] | None = None):
    """A module-scoped pytest fixture serving the web app on a database ``prepare(url)`` seeded."""

    @pytest.fixture(scope="module")
    def web(tmp_path_factory):
        app = start_web(tmp_path_factory.mktemp(name), prepare=prepare, env=env)
        yield app
        app.stop()

    return web
