"""What the running stack leaves on disk: a signed-in shopper's customer token is used for the
turn and stored nowhere (tracker store, app database, WAL files, logs); ``var/`` and everything in
it are readable by the owner only."""

from __future__ import annotations

import stat
import time
import uuid

import pytest

from tests.stack import http

pytestmark = pytest.mark.stack


def stored_files(stack) -> list:
    """Everything the stack writes: its databases with their WAL and shared-memory files, the log."""
    return sorted(stack.var_dir.glob("*.db*")) + [stack.log_path]


def test_a_signed_in_shoppers_token_is_used_but_never_stored(stack):
    status, body = http("POST", f"{stack.web_url}/demo/customer-token", {"customer_id": "C1001"})
    assert status == 200, (status, body)
    token = body["token"]
    sender = f"atrest-{uuid.uuid4().hex[:8]}"
    replies = stack.send(sender, "我的订单", metadata={"customer_token": token})
    # the actions of the turn saw the token: C1001's orders, without the phone question
    assert "261120000612" in replies[0]["text"] and "261112000345" in replies[0]["text"]
    picked = stack.say(sender, replies[0]["buttons"][0]["payload"], metadata={"customer_token": token})
    assert "备货中" in picked and "手机号" not in picked
    time.sleep(1.5)  # the event broker writes in batches

    events = stack.tracker(sender)["events"]
    said = [e for e in events if e.get("event") == "user"]
    assert next(e["text"] for e in said) == "我的订单"  # the conversation itself is kept ...
    assert all("customer_token" not in (e.get("metadata") or {}) for e in said)  # ... its credential not
    signature = token.rsplit(".", 1)[1]
    files = stored_files(stack)
    assert any(path.name == "tracker.db" for path in files) and any(path.name == "app.db" for path in files)
    for path in files:
        data = path.read_bytes()
        assert token.encode() not in data and signature.encode() not in data, path.name


def test_var_and_its_databases_secrets_and_logs_are_private(stack):
    stack.say(f"modes-{uuid.uuid4().hex[:8]}", "你好")  # the databases have been written to
    assert stat.S_IMODE(stack.var_dir.stat().st_mode) == 0o700
    names = {path.name for path in stack.var_dir.iterdir()}
    assert {"app.db", "tracker.db", "secret_key", "bot_api_token", "stack.log", "credentials.yml"} <= names
    loose = {str(path.relative_to(stack.var_dir)): oct(stat.S_IMODE(path.lstat().st_mode))
             for path in [stack.var_dir, *stack.var_dir.rglob("*")]
             if not path.is_symlink() and stat.S_IMODE(path.lstat().st_mode) & 0o077}
    assert loose == {}
