"""Helpers for handoff tests against a running stack: find queue entries, wait for transcripts."""

from __future__ import annotations

import datetime as dt
import time
import uuid

from handoff.hours import ServiceHours
from handoff.service import HandoffService
from handoff.store import HandoffStore
from kefu.auth import ensure_user


def new_sender(prefix: str = "handoff") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def queue_entry(stack, token: str, sender: str, status: str = "waiting,active,callback") -> dict:
    """The handoff object of a conversation, as the API lists it."""
    status_code, handoffs = stack.api("GET", f"/api/handoffs?status={status}", token=token)
    assert status_code == 200, handoffs
    matches = [h for h in handoffs if h["sender_id"] == sender]
    assert matches, f"no handoff for {sender} among {[h['sender_id'] for h in handoffs]}"
    return matches[0]


def wait_for(predicate, *, timeout: float = 10.0, interval: float = 0.2, message: str = "condition"):
    """Polls until ``predicate()`` returns something truthy; returns it."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(interval)


def transcript(stack, token: str, handoff_id: int) -> list[tuple[str, str]]:
    status, handoff = stack.api("GET", f"/api/handoffs/{handoff_id}", token=token)
    assert status == 200, handoff
    return [(line["role"], line["text"]) for line in handoff["transcript"]]


def wait_in_transcript(stack, token: str, handoff_id: int, line: tuple[str, str]) -> list[tuple[str, str]]:
    """Waits until a line shows in the handoff's transcript (the event broker writes in the background)."""
    return wait_for(lambda: (lines := transcript(stack, token, handoff_id)) and line in lines and lines,
                    message=f"{line} in the transcript of handoff {handoff_id}")


def second_agent(stack, username: str = "agent2", password: str = "second-agent-password") -> str:
    """Creates a second agent account in the stack's database and logs it in."""
    ensure_user(f"sqlite:///{stack.var_dir / 'app.db'}", username=username, role="agent", password=password,
                display_name="小王 (Agent Wang)")
    status, body = stack.api("POST", "/api/auth/login", {"username": username, "password": password})
    assert status == 200, body
    return body["token"]


def app_database(stack) -> str:
    """The stack's app database (SQLite)."""
    return f"sqlite:///{stack.var_dir / 'app.db'}"


def callback_request(stack, shopper: str) -> int:
    """Records that ``shopper`` asked for a human at night (23:30, Beijing time, outside the default
    service hours): a callback request, which leaves the bot helping until an agent claims it.
    Returns its id."""
    night = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).replace(hour=23, minute=30)
    service = HandoffService(HandoffStore(app_database(stack)), hours=ServiceHours.parse(),
                             clock=lambda: night.astimezone(dt.timezone.utc))
    outcome = service.request(sender_id=shopper, channel="rest", reason="customer_request", language="zh-Hans")
    assert outcome.is_callback
    return outcome.handoff.id
