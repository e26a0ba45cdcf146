"""bot.patches.action_validation: the action server's answers are accepted and refused exactly as
Rasa's own check does (same error, same message), with the validator built once."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.patches import action_validation, registry

VALID = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "order_id", "value": "261103004817", "timestamp": None},
                {"event": "active_loop", "name": None}],
     "responses": [{"text": "请提供手机号后四位", "buttons": [{"title": "转人工", "payload": "转人工"}]}]},
    {"events": [{"event": "followup", "name": "action_listen"}]},
]
INVALID = [
    {"events": "not a list"},
    {"events": [{"event": "slot"}]},  # a slot event without its name
    {"events": [{"event": "no_such_event"}]},
    {"responses": [["not", "an", "object"]]},
]


def outcome(validate, result):
    try:
        return validate(RemoteAction("action_x", None), result), None
    except ValidationError as error:
        return None, (error.message, list(error.absolute_path), error.validator)


@pytest.mark.parametrize("result", VALID + INVALID)
def test_the_same_answers_pass_and_fail_with_the_same_error(result, restored):
    rasa = registry.original(RemoteAction, "_validate_action_result")
    action_validation.install()
    patched = RemoteAction._validate_action_result
    assert patched is not rasa
    assert outcome(patched, result) == outcome(rasa, result)
    if result in INVALID:
        assert "Failed to validate Action server response" in outcome(patched, result)[1][0]
