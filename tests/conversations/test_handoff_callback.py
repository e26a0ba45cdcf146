"""Outside service hours: a callback request instead of a queue, the bot keeps serving, an agent
answers when back on duty.

Runs its own stack whose service hours are a one-minute window six hours away from now, so the
test means "outside hours" whatever the time of day it runs at.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from faq.loader import load_catalogue
from kefu.settings import ROOT
from tests.conversations.handoffs import new_sender, queue_entry
from tests.stack import make_stack

pytestmark = pytest.mark.stack

SHIPPING_FEE = {f.id: f for f in load_catalogue(ROOT / "faq" / "content")[0].faqs}["shipping_fee"]


def closed_now() -> str:
    """Service hours that are certainly closed for the next hours: one minute, six hours from now."""
    now = dt.datetime.now(ZoneInfo("Asia/Shanghai"))
    start = ((now.hour + 6) % 24) * 60 + now.minute
    start = min(start, 1438)
    return f"{start // 60:02d}:{start % 60:02d}-{(start + 1) // 60:02d}:{(start + 1) % 60:02d}"


@pytest.fixture(scope="module")
def night_stack(tmp_path_factory, trained_model):
    running = make_stack(tmp_path_factory.mktemp("night-stack"), env={"HANDOFF_SERVICE_HOURS": closed_now()})
    running.start()
    yield running
    running.stop()


def test_callback_request_then_an_agent_answers_later(night_stack):
    stack = night_stack
    agent = stack.login("agent")
    shopper = new_sender("night")
    reply = stack.say(shopper, "转人工")
    assert "不在人工客服服务时间" in reply and "已为您登记回复请求" in reply and "（北京时间）" in reply
    # nobody is coming now, so the bot keeps helping
    assert stack.say(shopper, "运费怎么算") == SHIPPING_FEE.answer_zh
    entry = queue_entry(stack, agent, shopper, status="callback")
    assert (entry["status"], entry["reason"]) == ("callback", "customer_request")
    assert shopper not in [h["sender_id"] for h in stack.api("GET", "/api/handoffs?status=waiting", token=agent)[1]]
    _, details = stack.api("GET", f"/api/handoffs/{entry['id']}/details", token=agent)
    assert details["callback_due_at"]

    # an agent picks the request up: the bot goes quiet and the agent's words reach the shopper
    status, claimed = stack.api("POST", f"/api/handoffs/{entry['id']}/claim", token=agent)
    assert status == 200 and claimed["status"] == "active"
    assert stack.api("POST", f"/api/handoffs/{entry['id']}/messages", {"text": "您好，昨晚的问题我来跟进"},
                     token=agent)[0] == 201
    assert [r["text"] for r in stack.send(shopper, "好的")] == ["您好，昨晚的问题我来跟进"]
    assert stack.send(shopper, "运费怎么算") == []
    assert stack.api("POST", f"/api/handoffs/{entry['id']}/resolve", token=agent)[0] == 200
    assert any("1–5 分" in r["text"] for r in stack.send(shopper, ""))


def test_english_callback_promise(night_stack):
    reply = night_stack.say(new_sender("night-en"), "can i talk to someone")
    assert "Our agents are available" in reply and "(Beijing time)" in reply and "get back to you here" in reply
