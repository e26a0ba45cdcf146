"""The action server answers the Rasa servers only: a call to ``/webhook`` without the shared
secret (``X-Kefu-Action-Secret``) or with a wrong one is refused and runs no action; the Rasa
servers send it, so conversations (order look-ups, handoffs) work as before."""

from __future__ import annotations

import uuid

import pytest

from tests.conversations.handoffs import new_sender
from tests.stack import http

pytestmark = pytest.mark.stack

HEADER = "X-Kefu-Action-Secret"


def forged_call(sender: str) -> dict:
    """What an attacker would post: a made-up tracker asking for a handoff for a made-up customer."""
    return {
        "next_action": "action_handoff_request",
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": sender,
            "slots": {"customer_id": "C1001", "handoff_reason": "customer_request", "language": "zh-Hans"},
            "latest_message": {"text": "转人工", "intent": {"name": "request_human", "confidence": 1.0},
                               "entities": [], "metadata": {}},
            "latest_event_time": None, "followup_action": None, "paused": False, "events": [],
            "latest_input_channel": "rest", "active_loop": {}, "latest_action": {"action_name": "action_listen"},
            "latest_action_name": "action_listen",
        },
    }


def handoff_senders(stack) -> set[str]:
    agent = stack.login("agent")
    status, handoffs = stack.api("GET", "/api/handoffs?status=waiting,active,callback,resolved", token=agent)
    assert status == 200, handoffs
    return {h["sender_id"] for h in handoffs}


def test_a_call_without_the_secret_is_refused_and_runs_no_action(stack):
    url = f"http://127.0.0.1:{stack.actions_port}/webhook"
    senders = []
    for headers in ({}, {HEADER: "wrong-secret"}, {HEADER: ""}, {HEADER.lower(): "x" * 200}):
        sender = f"forged-{uuid.uuid4().hex[:10]}"
        senders.append(sender)
        status, body = http("POST", url, forged_call(sender), headers=headers)
        assert status in (401, 403), (headers, status, body)
        assert isinstance(body, dict) and "error" in body and "events" not in body, body
    assert not set(senders) & handoff_senders(stack)  # the action did not run
    status, body = http("GET", f"http://127.0.0.1:{stack.actions_port}/actions")
    assert status in (401, 403), body  # nor may a stranger list the actions
    assert http("GET", f"http://127.0.0.1:{stack.actions_port}/health")[0] == 200  # health stays open


def test_conversations_that_run_actions_still_work(stack):
    sender = new_sender("secret")
    reply = stack.say(sender, "我的订单到哪了")
    assert "订单号" in reply, reply  # the order look-up form (custom actions) asks for the number
    sender = new_sender("secret")
    stack.say(sender, "转人工")
    assert sender in handoff_senders(stack)  # action_handoff_request ran


def test_the_secret_reaches_the_children_by_environment_never_on_a_command_line(stack):
    from pathlib import Path

    from kefu.keys import ACTION_SERVER, derive_text

    secret = derive_text((stack.var_dir / "secret_key").read_text().strip(), ACTION_SERVER)
    children = stack.children("bot.action_server") + stack.children("bot.server") + stack.children("web")
    assert len(children) >= 3
    for pid in children:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
        assert secret.encode() not in command, command
    for pid in stack.children("bot.action_server") + stack.children("bot.server"):
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert f"KEFU_ACTION_SECRET={secret}".encode() in environ
