"""What the bodies of Rasa's HTTP API must look like, checked before Rasa's handlers read them.

Rasa 3.6's handlers parse ``request.json`` inside ``try`` blocks whose ``except Exception`` turns
every mistake of the caller into a 500: malformed JSON on ``/model/parse``, ``[]`` or ``null`` on
``/trigger_intent``, ``/execute``, ``/messages`` and ``PUT /model``, an unknown event type or an
empty list on ``/tracker/events``, ``{"text": 1}`` on ``/model/parse``, an action that does not
exist on ``/execute``, a YAML body that is not a mapping on ``/model/train`` (``{}`` even started a
training). :func:`check_body` answers each of those with (status, parameter, message) for a 400
(404 for an action the domain does not have, as Rasa answers an unknown intent); it returns
``None`` for a body Rasa can take. The checks are of shape only: what the values mean is Rasa's.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Protocol

Problem = tuple[int, str, str]
CONVERSATION = "conversations/<conversation_id:path>"
YAML_TYPES = ("application/x-yaml", "application/yaml", "text/yaml", "text/x-yaml")


class Body(Protocol):
    raw: bytes
    content_type: str

    def json(self) -> Any: ...

    def arg(self, name: str) -> str | None: ...


def _bad(parameter: str, message: str, status: int = 400) -> Problem:
    return status, parameter, f"{parameter}: {message}" if parameter != "body" else f"the body {message}"


def _events(value: Any, *, allow_one: bool, allow_empty: bool = False) -> Problem | None:
    from rasa.shared.core.events import Event

    items = [value] if allow_one and isinstance(value, dict) else value
    if not isinstance(items, list) or (not items and not allow_empty):
        shape = "an event object or a non-empty list of them" if allow_one else "a list of event objects"
        return _bad("body", f"must be {shape}, e.g. {{\"event\": \"resume\"}}")
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("event"), str):
            return _bad("event", f"item {position} must be an object with an 'event' name")
        try:
            Event.resolve_by_type(item["event"])
            parsed = Event.from_parameters(item)
        except Exception:  # noqa: BLE001 - an unknown type raises, a malformed one raises (anything) or gives None
            parsed = None
        if parsed is None:
            return _bad("event", f"item {position} is not a valid '{item['event'][:40]}' event")
    return None


def _text(value: dict, name: str, *, required: bool = True) -> Problem | None:
    if name not in value and not required:
        return None
    if not isinstance(value.get(name), str) or (required and not value[name].strip()):
        return _bad(name, "must be a non-empty string" if required else "must be a string")
    return None


def _parse(value: Any, _agent: Any) -> Problem | None:
    if not isinstance(value, dict):
        return _bad("body", 'must be a JSON object: {"text": "..."}')
    return _text(value, "text") or _text(value, "message_id", required=False)


def _trigger(value: Any, _agent: Any) -> Problem | None:
    if not isinstance(value, dict):
        return _bad("body", 'must be a JSON object: {"name": "<intent>", "entities": {...}}')
    problem = _text(value, "name")
    if problem is None and not isinstance(value.get("entities", {}), (dict, list)):
        problem = _bad("entities", "must be an object (or a list of entities)")
    return problem


def _execute(value: Any, agent: Any) -> Problem | None:
    if not isinstance(value, dict):
        return _bad("body", 'must be a JSON object: {"name": "<action>"}')
    problem = _text(value, "name") or _text(value, "policy", required=False)
    if problem is None and not isinstance(value.get("confidence", 0), (int, float)):
        problem = _bad("confidence", "must be a number")
    domain = getattr(agent, "domain", None)
    if problem is None and domain is not None and value["name"] not in domain.action_names_or_texts:
        problem = _bad("name", f"the domain has no action '{value['name'][:80]}'", 404)
    return problem


def _message(value: Any, _agent: Any) -> Problem | None:
    if not isinstance(value, dict):
        return _bad("body", 'must be a JSON object: {"text": "...", "sender": "user"}')
    problem = _text(value, "text") or _text(value, "sender")
    if problem is None and not isinstance(value.get("parse_data", {}), dict):
        problem = _bad("parse_data", "must be an object")
    return problem


def _load_model(value: Any, _agent: Any) -> Problem | None:
    if not isinstance(value, dict):
        return _bad("body", 'must be a JSON object: {"model_file": "<path of a .tar.gz>"}')
    if "model_server" in value:
        if not isinstance(value["model_server"], dict) or not isinstance(value["model_server"].get("url"), str):
            return _bad("model_server", 'must be an object with a "url"')
        return _text(value, "remote_storage", required=False)
    problem = _text(value, "model_file") or _text(value, "remote_storage", required=False)
    if problem is None and "remote_storage" not in value and not os.path.isfile(value["model_file"]):
        problem = _bad("model_file", "is not a model file on the Rasa server")
    return problem


def _nlu_json(value: Any, _agent: Any) -> Problem | None:
    if not isinstance(value, dict) or not isinstance(value.get("rasa_nlu_data"), dict):
        return _bad("body", 'must be NLU data: {"rasa_nlu_data": {...}} (or YAML with Content-Type application/yaml)')
    return None


def _any(_value: Any, _agent: Any) -> Problem | None:
    return None


#: (method, route path) → (body required, check of the parsed JSON)
JSON_BODIES: dict[tuple[str, str], tuple[bool, Callable[[Any, Any], Problem | None]]] = {
    ("POST", "model/parse"): (True, _parse),
    ("POST", f"{CONVERSATION}/tracker/events"): (True, lambda v, _a: _events(v, allow_one=True)),
    ("PUT", f"{CONVERSATION}/tracker/events"): (True, lambda v, _a: _events(v, allow_one=False, allow_empty=True)),
    ("POST", f"{CONVERSATION}/trigger_intent"): (True, _trigger),
    ("POST", f"{CONVERSATION}/execute"): (True, _execute),
    ("POST", f"{CONVERSATION}/messages"): (True, _message),
    ("POST", f"{CONVERSATION}/predict"): (False, _any),
    ("POST", "model/predict"): (True, lambda v, _a: _events(v, allow_one=False, allow_empty=True)),
    ("PUT", "model"): (True, _load_model),
}
#: routes whose body is YAML (``/model/test/intents`` too, when sent as YAML)
YAML_BODIES = {("POST", "model/train"), ("POST", "model/test/stories")}


def _yaml_mapping(raw: bytes) -> Problem | None:
    import yaml

    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return _bad("body", "is not valid YAML (UTF-8)")
    if not isinstance(data, dict) or not data:
        return _bad("body", "must be a YAML mapping of training data (nlu:, stories:, rules: ...)")
    return None


def check_body(method: str, route: str, body: Body, *, agent: Any = None) -> Problem | None:
    """The problem with a request body of Rasa's HTTP API, or ``None`` (also for other routes)."""
    key = (method.upper(), route.strip("/"))
    if key == ("POST", "model/test/intents"):
        folds = body.arg("cross_validation_folds")
        if folds is not None and not (folds.isascii() and folds.isdigit() and 2 <= int(folds) <= 20):
            return 400, "cross_validation_folds", "cross_validation_folds: must be a whole number from 2 to 20"
        if body.content_type in YAML_TYPES:
            return _yaml_mapping(body.raw)
        spec = (True, _nlu_json)
    elif key in YAML_BODIES:
        return _yaml_mapping(body.raw)
    else:
        spec = JSON_BODIES.get(key)
    if spec is None:
        return None
    required, check = spec
    if not body.raw.strip():
        return _bad("body", "is missing: send a JSON object") if required else None
    try:
        value = body.json()
    except ValueError:
        return _bad("body", "is not valid JSON")
    return check(value, agent)
