"""The /api/handoffs API through the running web app: roles, input checks, conflicts, live feed."""

from __future__ import annotations

import json
import threading
import time
import urllib.request

import pytest

from tests.conversations.handoffs import new_sender, queue_entry, second_agent
from tests.stack import http

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def agent(stack) -> str:
    return stack.login("agent")


@pytest.fixture(scope="module")
def waiting(stack, agent) -> dict:
    shopper = new_sender("api")
    stack.say(shopper, "转人工")
    return queue_entry(stack, agent, shopper)


ROUTES = [
    ("GET", "/api/handoffs"), ("GET", "/api/handoffs/1"), ("POST", "/api/handoffs/1/claim"),
    ("POST", "/api/handoffs/1/messages"), ("POST", "/api/handoffs/1/resolve"), ("GET", "/api/handoffs/1/details"),
    ("GET", "/api/complaints"), ("GET", "/api/handoffs/stream"),
]


@pytest.mark.parametrize("method, path", ROUTES)
def test_no_or_bad_token_is_401(stack, method, path):
    assert stack.api(method, path, {"text": "x"} if method == "POST" else None)[0] == 401
    assert stack.api(method, path, {"text": "x"} if method == "POST" else None, token="not-a-token")[0] == 401


@pytest.mark.parametrize("method, path", ROUTES)
def test_editor_token_is_403(stack, method, path):
    editor = stack.login("editor")
    status, body = stack.api(method, path, {"text": "x"} if method == "POST" else None, token=editor)
    assert status == 403 and "editor" in body["error"]


def test_list_by_status_and_bad_status_is_422(stack, agent, waiting):
    status, handoffs = stack.api("GET", "/api/handoffs?status=waiting", token=agent)
    assert status == 200 and all(h["status"] == "waiting" for h in handoffs)
    assert waiting["id"] in [h["id"] for h in handoffs]
    status, body = stack.api("GET", "/api/handoffs?status=sleeping", token=agent)
    assert status == 422 and body["field"] == "status"


def test_get_one_is_the_contract_object_and_unknown_is_404(stack, agent, waiting):
    status, handoff = stack.api("GET", f"/api/handoffs/{waiting['id']}", token=agent)
    assert status == 200
    assert set(handoff) == {"id", "sender_id", "channel", "reason", "priority", "status", "created_at",
                            "claimed_by", "transcript"}
    assert all(set(line) == {"role", "text", "ts"} for line in handoff["transcript"])
    assert stack.api("GET", "/api/handoffs/999999", token=agent)[0] == 404
    assert stack.api("POST", "/api/handoffs/999999/claim", token=agent)[0] == 404


def test_two_agents_claiming_at_once_one_wins(stack, agent):
    other = second_agent(stack)
    shopper = new_sender("race")
    stack.say(shopper, "转人工")
    handoff_id = queue_entry(stack, agent, shopper)["id"]
    barrier = threading.Barrier(2)
    results = {}

    def claim(name, token):
        barrier.wait()
        results[name] = stack.api("POST", f"/api/handoffs/{handoff_id}/claim", token=token)

    threads = [threading.Thread(target=claim, args=args) for args in (("agent", agent), ("agent2", other))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(status for status, _ in results.values())
    assert statuses == [200, 409], results
    winner = next(name for name, (status, _) in results.items() if status == 200)
    loser_body = next(body for status, body in results.values() if status == 409)
    assert loser_body["claimed_by"] == winner
    assert stack.api("GET", f"/api/handoffs/{handoff_id}", token=agent)[1]["claimed_by"] == winner


def test_conflicts_and_bad_messages(stack, agent):
    other = second_agent(stack)
    shopper = new_sender("rules")
    stack.say(shopper, "人工客服")
    handoff_id = queue_entry(stack, agent, shopper)["id"]
    path = f"/api/handoffs/{handoff_id}"

    assert stack.api("POST", f"{path}/messages", {"text": "您好"}, token=agent)[0] == 409  # not claimed yet
    assert stack.api("POST", f"{path}/resolve", token=agent)[0] == 409
    assert stack.api("POST", f"{path}/claim", token=agent)[0] == 200
    assert stack.api("POST", f"{path}/claim", token=agent)[0] == 200  # claiming one's own again is fine
    assert stack.api("POST", f"{path}/claim", token=other)[0] == 409  # another agent holds it
    assert stack.api("POST", f"{path}/messages", {"text": "我来"}, token=other)[0] == 409
    assert stack.api("POST", f"{path}/resolve", token=other)[0] == 409

    for body, field in (({"text": ""}, "text"), ({"text": "   "}, "text"), ({"text": "长" * 2001}, "text"),
                        ({}, "text"), ({"text": 42}, "text")):
        status, reply = stack.api("POST", f"{path}/messages", body, token=agent)
        assert (status, reply.get("field")) == (422, field), (body, reply)
    status, reply = stack.api("POST", f"{path}/messages", raw=b"{not json", token=agent)
    assert status == 422 and reply["field"] == "body"

    assert stack.api("POST", f"{path}/messages", {"text": "长" * 2000}, token=agent)[0] == 201
    assert stack.api("POST", f"{path}/resolve", token=agent)[0] == 200
    status, reply = stack.api("POST", f"{path}/messages", {"text": "还在吗"}, token=agent)
    assert status == 409 and "resolved" in reply["error"]
    assert stack.api("POST", f"{path}/claim", token=agent)[0] == 409
    assert stack.api("POST", f"{path}/resolve", token=agent)[0] == 409


def test_release_puts_it_back(stack, agent):
    shopper = new_sender("release")
    stack.say(shopper, "转人工")
    handoff_id = queue_entry(stack, agent, shopper)["id"]
    stack.api("POST", f"/api/handoffs/{handoff_id}/claim", token=agent)
    status, handoff = stack.api("POST", f"/api/handoffs/{handoff_id}/release", token=agent)
    assert status == 200 and handoff["status"] == "waiting" and handoff["claimed_by"] is None
    assert stack.send(shopper, "还在吗") == []  # still with the humans, so the bot stays quiet


def test_complaint_follow_up(stack, agent):
    shopper = new_sender("ticket")
    stack.say(shopper, "快递十天了还没到，我要投诉")
    _, tickets = stack.api("GET", "/api/complaints?status=open", token=agent)
    [ticket] = [t for t in tickets if t["sender_id"] == shopper]
    assert ticket["category"] == "delivery"
    assert stack.api("POST", f"/api/complaints/{ticket['id']}/follow-up", {"note": ""}, token=agent)[0] == 422
    status, followed = stack.api("POST", f"/api/complaints/{ticket['id']}/follow-up",
                                 {"note": "已联系快递，明天送达"}, token=agent)
    assert status == 200 and followed["status"] == "followed_up" and "明天送达" in followed["note"]
    assert stack.api("GET", "/api/complaints?status=lost", token=agent)[0] == 422


def read_events(url: str, until: float, found: list, wanted) -> None:
    with urllib.request.urlopen(url, timeout=15) as stream:
        kind = None
        while time.monotonic() < until:
            line = stream.readline().decode("utf-8").rstrip("\n")
            if line.startswith("event: "):
                kind = line[len("event: "):]
            elif line.startswith("data: "):
                found.append((kind, json.loads(line[len("data: "):])))
                if wanted(found):
                    return


def test_live_feed_tells_consoles_about_new_handoffs_and_messages(stack, agent):
    shopper = new_sender("live")
    found: list = []

    def complete(items):
        handoffs = [d for k, d in items if k == "handoff" and d["to"] == "waiting"]
        messages = [d for k, d in items if k == "message" and d["text"] == "有人吗"]
        return handoffs and messages

    reader = threading.Thread(target=read_events, args=(
        f"{stack.web_url}/api/handoffs/stream?token={agent}", time.monotonic() + 20, found, complete))
    reader.start()
    time.sleep(1.5)  # the feed starts from "now"
    stack.say(shopper, "转人工")
    stack.send(shopper, "有人吗")
    reader.join(timeout=25)
    handoff_id = queue_entry(stack, agent, shopper)["id"]
    assert any(k == "handoff" and d["id"] == handoff_id and d["from"] == "bot" and d["to"] == "waiting"
               for k, d in found), found
    assert any(k == "message" and d["handoff_id"] == handoff_id and d["role"] == "customer" and d["text"] == "有人吗"
               for k, d in found), found


def test_stream_refuses_a_bad_token(stack):
    assert http("GET", f"{stack.web_url}/api/handoffs/stream?token=forged")[0] == 401
