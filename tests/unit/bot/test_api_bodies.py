"""bot.api_bodies: the bodies Rasa's HTTP API would answer with a 500 are named for a 400 first;
the bodies Kefu itself sends (agent messages, rating triggers, model swaps) pass."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import ClassVar

import pytest

from bot.api_bodies import check_body
from bot.limits import rasa_error

EVENTS = "conversations/<conversation_id:path>/tracker/events"


@dataclass
class Body:
    raw: bytes
    content_type: str = "application/json"
    args: dict = field(default_factory=dict)

    def json(self):
        return json.loads(self.raw) if self.raw.strip() else None

    def arg(self, name):
        return self.args.get(name)


def problem(method, route, raw, **kwargs):
    return check_body(method, route, Body(raw if isinstance(raw, bytes) else json.dumps(raw).encode(), **kwargs))


@pytest.mark.parametrize("method, route, raw, parameter", [
    ("POST", "model/parse", b"{bad", "body"),
    ("POST", "model/parse", [], "body"),
    ("POST", "model/parse", {}, "text"),
    ("POST", "model/parse", {"text": 1}, "text"),
    ("POST", "model/parse", b"", "body"),
    ("POST", EVENTS, [], "body"),
    ("POST", EVENTS, {"event": "no_such_event"}, "event"),
    ("POST", EVENTS, [{"event": "bot", "text": "hi"}, 3], "event"),
    ("POST", EVENTS, {"event": "action"}, "event"),
    ("PUT", EVENTS, {"event": "resume"}, "body"),
    ("POST", "conversations/<conversation_id:path>/trigger_intent", [], "body"),
    ("POST", "conversations/<conversation_id:path>/trigger_intent", {"name": 1}, "name"),
    ("POST", "conversations/<conversation_id:path>/trigger_intent", {"name": "x", "entities": "y"}, "entities"),
    ("POST", "conversations/<conversation_id:path>/execute", None, "body"),
    ("POST", "conversations/<conversation_id:path>/messages", {"sender": "user"}, "text"),
    ("POST", "conversations/<conversation_id:path>/predict", b"{bad", "body"),
    ("PUT", "model", [], "body"),
    ("PUT", "model", {"model_file": 1}, "model_file"),
    ("PUT", "model", {"model_file": "/nonexistent/model.tar.gz"}, "model_file"),
    ("PUT", "model", {"model_server": "http://x"}, "model_server"),
    ("POST", "model/test/intents", [], "body"),
    ("POST", "model/train", b"null", "body"),
    ("POST", "model/train", b"{}", "body"),
    ("POST", "model/train", b"- a\n- b", "body"),
    ("POST", "model/test/stories", b"\xff\xfe", "body"),
])
def test_bodies_rasa_would_answer_with_a_500_are_named(method, route, raw, parameter):
    found = problem(method, route, raw)
    assert found is not None and found[0] == 400 and found[1] == parameter, found


def test_an_action_the_domain_does_not_have_is_a_404():
    class Domain:
        action_names_or_texts: ClassVar[list[str]] = ["action_listen", "action_handoff_request"]

    class Agent:
        domain = Domain()

    route = "conversations/<conversation_id:path>/execute"
    found = check_body("POST", route, Body(b'{"name": "action_drop_tables"}'), agent=Agent())
    assert found and found[0] == 404 and found[1] == "name"
    assert check_body("POST", route, Body(b'{"name": "action_handoff_request"}'), agent=Agent()) is None


@pytest.mark.parametrize("method, route, raw", [
    ("POST", EVENTS, {"event": "bot", "text": "您好，我是客服小林。", "metadata": {"agent": "小林"}}),
    ("POST", EVENTS, [{"event": "resume"}, {"event": "action", "name": "action_listen"}]),
    ("PUT", EVENTS, []),
    ("POST", "conversations/<conversation_id:path>/trigger_intent", {"name": "EXTERNAL_handoff_resolved"}),
    ("POST", "conversations/<conversation_id:path>/predict", b""),
    ("POST", "model/parse", {"text": "运费怎么算"}),
    ("POST", "webhooks/rest/webhook", b"{bad"),  # the channels check their own input
    ("GET", "conversations/<conversation_id:path>/tracker", b""),
    ("POST", "model/train", b"nlu:\n- intent: greet\n  examples: |\n    - hi\n"),
])
def test_what_kefu_sends_passes(method, route, raw):
    assert problem(method, route, raw) is None


def test_model_files_that_exist_pass(tmp_path):
    model = tmp_path / "kefu-x.tar.gz"
    model.write_bytes(b"x")
    assert problem("PUT", "model", {"model_file": str(model)}) is None


def test_cross_validation_folds_in_odd_digits_are_refused():
    found = check_body("POST", "model/test/intents", Body(b"{}", args={"cross_validation_folds": "²"}))
    assert found and found[1] == "cross_validation_folds"


def test_the_error_has_rasas_shape():
    reply = rasa_error(400, "text: must be a non-empty string", parameter="text")
    body = json.loads(reply.body)
    assert reply.status == 400 and body["status"] == "failure" and body["code"] == 400
    assert body["reason"] == "BadRequest" and body["details"] == {"parameter": "text", "in": "body"}
