"""bot.action_secret: the Rasa servers' action endpoint carries the secret header, and the
action server's check lets through exactly the calls that carry it."""

from __future__ import annotations

from bot.action_secret import HEADER, attach, refusal
from kefu.settings import ROOT

SECRET = "s" * 43


def test_the_parsed_endpoints_send_the_secret_on_action_calls(monkeypatch):
    from rasa.core.utils import AvailableEndpoints

    monkeypatch.setenv("ACTION_SERVER_URL", "http://127.0.0.1:5055/webhook")
    endpoints = AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.yml"))
    attach(endpoints, SECRET)
    assert endpoints.action.url == "http://127.0.0.1:5055/webhook"
    assert endpoints.action.headers == {HEADER: SECRET}
    assert SECRET not in (ROOT / "endpoints.yml").read_text()  # no file holds it


def test_only_the_right_secret_passes():
    assert refusal({HEADER.lower(): SECRET}, "/webhook", SECRET) is None
    assert refusal({}, "/webhook", SECRET)[0] == 401
    assert refusal({HEADER.lower(): ""}, "/webhook", SECRET)[0] == 401
    assert refusal({HEADER.lower(): SECRET[:-1]}, "/webhook", SECRET)[0] == 403
    assert refusal({HEADER.lower(): "密"}, "/webhook", SECRET)[0] == 403  # non-ASCII: no TypeError
    assert refusal({}, "/actions", SECRET)[0] == 401
    assert refusal({}, "/health", SECRET) is None
