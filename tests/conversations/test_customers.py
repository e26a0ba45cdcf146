"""Customers and care on the running stack (issue 19): a shopper who passes the order check is on
the customer's record, with the tier's priority in the queue; a follow-up's message reaches them on
their channel (the REST outbox here)."""

from __future__ import annotations

import pytest

from tests.conversations.handoffs import new_sender, wait_for

pytestmark = pytest.mark.stack


def test_an_order_check_links_the_customer_and_a_follow_up_reaches_them(stack):
    shopper = new_sender("care")
    stack.say(shopper, "查下订单 261103004817")
    assert "运输中" in stack.say(shopper, "尾号８１２３")
    agent = stack.login("agent")
    status, record = stack.api("GET", "/api/customers/C1004", token=agent)
    assert status == 200 and record["name"] == "刘洋"
    assert {"channel": "rest", "sender_id": shopper} in [{k: c[k] for k in ("channel", "sender_id")}
                                                         for c in record["channels"]]
    assert record["channels"][0]["sender_id"] == shopper  # the channel they wrote on last

    status, follow_up = stack.api("POST", "/api/care/follow-ups",
                                  {"customer_id": "C1004", "note": "回访：物流延误", "due": "2026-12-09"}, token=agent)
    assert status == 201
    status, sent = stack.api("POST", f"/api/care/follow-ups/{follow_up['id']}/messages",
                             {"text": "刘先生您好，您的包裹已加急处理，明天送达。"}, token=agent)
    assert status == 201 and (sent["channel"], sent["sender_id"]) == ("rest", shopper)
    replies = wait_for(lambda: [r["text"] for r in stack.send(shopper, "")], message="the follow-up message")
    assert replies == ["刘先生您好，您的包裹已加急处理，明天送达。"]
    status, done = stack.api("POST", f"/api/care/follow-ups/{follow_up['id']}/done", {"outcome": "客户表示满意"},
                             token=agent)
    assert status == 200 and [m["text"] for m in done["messages"]] == ["刘先生您好，您的包裹已加急处理，明天送达。"]
    # the customer's record keeps the task done
    record = stack.api("GET", "/api/customers/C1004", token=agent)[1]
    assert any(f["id"] == follow_up["id"] and f["status"] == "done" for f in record["follow_ups"])
    # the shopper did not see anything of the record: their next question about another order still asks
    assert "处理中" not in stack.say(shopper, "另一张单261120000733呢")  # its status
