"""The demo shop's routes (``/demo/customer-token`` mints a token for any customer) exist only
when KEFU_DEMO_SHOP says on, which ``make run`` does: a bare ``python -m web`` (compose, Helm)
without it, or with false/off/no/0, answers 404; a value that is not on or off stops the process
with the settings error."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.databases import migrated_sqlite
from tests.stack import ROOT, free_port, http


def run_web(tmp_path, value: str | None) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KEFU_", "DATABASE_URL", "REDIS_URL"))}
    env.update({"KEFU_VAR_DIR": str(tmp_path), "WEB_PORT": str(port), "DATABASE_URL": f"sqlite:///{tmp_path}/app.db",
                "KEFU_SECRET_KEY": "demo-switch-test-key-0123456789abcdef", "PYTHONUNBUFFERED": "1"})
    if value is not None:
        env["KEFU_DEMO_SHOP"] = value
    process = subprocess.Popen([sys.executable, "-m", "web"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    return process, port


def wait_ready(process: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"python -m web exited with {process.returncode}: {process.stdout.read()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail("python -m web did not start in 60 s")


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo-switch")
    migrated_sqlite(path / "app.db")
    return path


@pytest.mark.parametrize("value", [None, "", "false", "off", "no", "0", "OFF", "False"])
def test_without_the_switch_there_are_no_demo_routes(migrated, value):
    process, port = run_web(migrated, value)
    try:
        wait_ready(process, port)
        base = f"http://127.0.0.1:{port}"
        assert http("GET", f"{base}/demo/customers")[0] == 404
        status, body = http("POST", f"{base}/demo/customer-token", {"customer_id": "C1001"})
        assert status == 404 and "token" not in body, body
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_with_the_switch_on_the_demo_routes_answer(migrated):
    process, port = run_web(migrated, "on")
    try:
        wait_ready(process, port)
        assert http("GET", f"http://127.0.0.1:{port}/demo/customers")[0] == 200
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.parametrize("value", ["maybe", "disabled", "2"])
def test_an_unknown_value_stops_with_the_settings_error(migrated, value):
    process, _port = run_web(migrated, value)
    try:
        output, _ = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode not in (0, None)
    assert f"KEFU_DEMO_SHOP={value!r} is not on or off" in output, output[-2000:]
    assert "Traceback" not in output  # a sentence for the operator, not a stack trace
