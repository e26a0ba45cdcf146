"""Canned replies (快捷回复) over HTTP: roles, bad input, the team's list, placeholders filled from
verified data only, in the shopper's language."""

from __future__ import annotations

import pytest

from shop.demo.seed import seed_demo_shop
from tests.unit.assist.scripts import (
    ORDER,
    answered_by_agent,
    complaint_conversation,
    linked_conversation,
    order_conversation,
)
from tests.webapp import web_app_fixture

IDS: dict[str, int] = {}


def prepare(url: str) -> None:
    seed_demo_shop(url)
    IDS["order"] = order_conversation(url)
    IDS["complaint"] = complaint_conversation(url)
    IDS["linked"] = linked_conversation(url)
    IDS["english"] = answered_by_agent(url, "shopper-en", "can i pay with paypal", "Yes, PayPal works at checkout.")


web = web_app_fixture("assist-canned", prepare=prepare)


GREETING = {"shortcut": "hello", "title": "问候 Greeting", "text_zh": "{name}您好，订单{order}我来帮您看一下。",
            "text_en": "Hi {name}, let me look at order {order} for you."}


@pytest.mark.parametrize("method,path,body", [
    ("GET", "/api/assist/canned", None),
    ("POST", "/api/assist/canned", GREETING),
    ("PUT", "/api/assist/canned/1", GREETING),
    ("DELETE", "/api/assist/canned/1", None),
])
def test_agents_and_admins_only(web, tokens, method, path, body):
    assert web.api(method, path, body)[0] == 401
    assert web.api(method, path, body, token="not-a-token")[0] == 401
    status, answer = web.api(method, path, body, token=tokens["editor"])
    assert status == 403 and "editor" in answer["error"]


@pytest.mark.parametrize("body,field", [
    ({**GREETING, "shortcut": ""}, "shortcut"),
    ({**GREETING, "shortcut": "has space"}, "shortcut"),
    ({**GREETING, "shortcut": "x" * 33}, "shortcut"),
    ({"shortcut": "empty", "text_zh": " ", "text_en": ""}, "text_zh"),
    ({**GREETING, "text_zh": "您好{phone}"}, "text_zh"),
    ({**GREETING, "text_en": 5}, "text_en"),
    ({**GREETING, "title": "t" * 81}, "title"),
])
def test_bad_input_is_a_422_naming_the_field(web, tokens, body, field):
    status, answer = web.api("POST", "/api/assist/canned", body, token=tokens["agent"])
    assert status == 422 and answer["field"] == field, answer


def test_not_json_is_a_422(web, tokens):
    status, answer = web.api("POST", "/api/assist/canned", "not json", token=tokens["agent"])
    assert status == 422 and answer["field"] == "body"


def test_the_team_manages_its_list(web, tokens):
    status, created = web.api("POST", "/api/assist/canned", {**GREETING, "shortcut": "/Wait"}, token=tokens["agent"])
    assert status == 201 and created["shortcut"] == "wait"  # typed with its slash, stored without, lower case
    status, answer = web.api("POST", "/api/assist/canned", {**GREETING, "shortcut": "wait"}, token=tokens["admin"])
    assert status == 409 and answer["field"] == "shortcut"
    status, updated = web.api("PUT", f"/api/assist/canned/{created['id']}",
                              {"shortcut": "稍等", "text_zh": "请稍等，我查一下", "text_en": "One moment please"},
                              token=tokens["admin"])
    assert status == 200 and updated["shortcut"] == "稍等" and updated["updated_by"] == "admin"
    listed = web.api("GET", "/api/assist/canned", token=tokens["agent"])[1]
    assert "稍等" in [r["shortcut"] for r in listed] and "wait" not in [r["shortcut"] for r in listed]
    assert web.api("DELETE", f"/api/assist/canned/{created['id']}", token=tokens["agent"])[0] == 204
    assert web.api("DELETE", f"/api/assist/canned/{created['id']}", token=tokens["agent"])[0] == 404
    assert web.api("PUT", "/api/assist/canned/99999", GREETING, token=tokens["agent"])[0] == 404


def canned_of(web, token, handoff_id, shortcut):
    status, view = web.api("GET", f"/api/assist/handoffs/{handoff_id}", token=token)
    assert status == 200, view
    return next(r for r in view["canned"] if r["shortcut"] == shortcut)


def test_placeholders_are_filled_from_verified_data_only(web, tokens):
    assert web.api("POST", "/api/assist/canned", GREETING, token=tokens["agent"])[0] == 201
    # signed-in customer with a passed phone check: name and order are verified
    reply = canned_of(web, tokens["agent"], IDS["order"], "hello")
    assert reply["text"] == f"王芳您好，订单{ORDER}我来帮您看一下。" and reply["missing"] == []
    # anonymous shopper who only typed an order number: nothing is filled, the agent sees what is missing
    reply = canned_of(web, tokens["agent"], IDS["complaint"], "hello")
    assert reply["text"] == GREETING["text_zh"] and reply["missing"] == ["name", "order"]
    assert "261112000345" not in reply["text"]
    # an English-speaking shopper gets the English text
    reply = canned_of(web, tokens["agent"], IDS["english"], "hello")
    assert reply["text"] == "Hi {name}, let me look at order {order} for you."


def test_a_customer_only_linked_earlier_fills_nothing(web, tokens):
    """Linking never widens what an anonymous conversation may see (issue 19): a channel identity
    linked to 王芳 before, proving nothing now, gets neither her name nor her order number (typed
    or not) in the agent's reply, and the view says nothing is verified."""
    assert web.api("POST", "/api/assist/canned", {**GREETING, "shortcut": "hi-linked"}, token=tokens["agent"])[0] == 201
    reply = canned_of(web, tokens["agent"], IDS["linked"], "hi-linked")
    assert reply["text"] == GREETING["text_zh"] and reply["missing"] == ["name", "order"]
    assert "王芳" not in reply["text"] and ORDER not in reply["text"]
    status, view = web.api("GET", f"/api/assist/handoffs/{IDS['linked']}", token=tokens["agent"])
    assert status == 200 and view["verified"] == {"name": False, "order": False}
    lines = {line["kind"]: line["text"] for line in view["summary"]["lines"]}
    assert "王芳" not in " ".join(lines.values())
    assert lines["customer"] == "客户：C1001，此前关联，本次对话未验证"


def test_unknown_handoff_is_a_404(web, tokens):
    assert web.api("GET", "/api/assist/handoffs/99999", token=tokens["agent"])[0] == 404
