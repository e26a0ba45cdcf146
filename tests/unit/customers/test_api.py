"""The customers and care API of contract section 8 on the web app (``python -m web``): roles, the
record's fields, the at-risk list, follow-ups, and the admins' export and erasure."""

from __future__ import annotations

from tests.unit.customers.history import SCORE, SIGNALS, script
from tests.webapp import web_app_fixture

RECORD_FIELDS = {"customer_id", "name", "member_level", "language", "channels", "orders", "handoffs", "ratings",
                 "risk", "follow_ups"}


web = web_app_fixture("customers", prepare=script)


def test_the_routes_want_an_agent_or_an_admin(web, tokens):
    for method, path, body in [("GET", "/api/customers/C1004", None), ("GET", "/api/care/at-risk", None),
                               ("POST", "/api/care/follow-ups", {"customer_id": "C1004", "note": "x"}),
                               ("POST", "/api/care/follow-ups/1/messages", {"text": "x"}),
                               ("POST", "/api/care/follow-ups/1/done", {"outcome": "x"})]:
        assert web.api(method, path, body)[0] == 401
        assert web.api(method, path, body, token="not-a-token")[0] == 401
        assert web.api(method, path, body, token=tokens["editor"])[0] == 403
    for path in ("/api/admin/customers/C1004/export",):
        assert web.api("GET", path, token=tokens["agent"])[0] == 403
    assert web.api("POST", "/api/admin/customers/C1004/erase", {}, token=tokens["agent"])[0] == 403
    assert web.api("POST", "/api/admin/customers/C1004/erase", {}, token=tokens["editor"])[0] == 403


def test_the_record_has_the_contracts_fields(web, tokens):
    status, record = web.api("GET", "/api/customers/C1004", token=tokens["agent"])
    assert status == 200 and set(record) == RECORD_FIELDS
    assert (record["name"], record["member_level"], record["language"]) == ("刘洋", "regular", "zh-CN")
    assert [(c["channel"], c["sender_id"]) for c in record["channels"]] == [("wechat", "wx:oLIU"),
                                                                          ("telegram", "tg:5551")]
    assert all(set(c) == {"channel", "sender_id", "last_seen"} for c in record["channels"])
    assert {o["order_id"] for o in record["orders"]} >= {"261103004817", "261101000654"}
    assert [h["reason"] for h in record["handoffs"]] == ["customer_request", "complaint"]
    assert [r["rating"] for r in record["ratings"]] == [2]
    assert set(record["risk"]) == {"score", "signals"}
    assert web.api("GET", "/api/customers/C9999", token=tokens["agent"])[0] == 404
    assert web.api("GET", "/api/customers/%00", token=tokens["agent"])[0] == 400  # the URL guard


def test_at_risk_takes_a_number_of_days(web, tokens):
    status, rows = web.api("GET", "/api/care/at-risk?days=365", token=tokens["admin"])
    assert status == 200 and [r["customer_id"] for r in rows] == ["C1004"]
    assert rows[0]["score"] == SCORE and [s["kind"] for s in rows[0]["signals"]] == list(reversed(SIGNALS))
    assert set(rows[0]) == {"customer_id", "name", "member_level", "score", "signals", "follow_up"}
    for bad in ("0", "abc", "%EF%BC%91%EF%BC%95", "9999"):  # …, full-width １５
        status, body = web.api("GET", f"/api/care/at-risk?days={bad}", token=tokens["agent"])
        assert status == 422 and body["field"] == "days"


def test_a_follow_up_from_opening_to_done(web, tokens):
    status, follow_up = web.api("POST", "/api/care/follow-ups",
                                {"customer_id": "C1004", "note": "回访：退款进度", "due": "2026-12-08"},
                                token=tokens["agent"])
    assert status == 201 and follow_up["status"] == "open" and follow_up["due"] == "2026-12-08"
    status, rows = web.api("GET", "/api/care/at-risk?days=365", token=tokens["agent"])
    assert rows[0]["follow_up"]["id"] == follow_up["id"]
    # the customer last wrote on WeChat days ago: outside its 48-hour window, said so
    status, body = web.api("POST", f"/api/care/follow-ups/{follow_up['id']}/messages", {"text": "您好"},
                           token=tokens["agent"])
    assert status == 409 and "48 hours" in body["error"]
    status, done = web.api("POST", f"/api/care/follow-ups/{follow_up['id']}/done", {"outcome": "已电话联系，退款已到账"},
                           token=tokens["agent"])
    assert status == 200 and done["status"] == "done" and done["outcome"] == "已电话联系，退款已到账"
    assert web.api("POST", f"/api/care/follow-ups/{follow_up['id']}/done", {"outcome": "again"},
                   token=tokens["agent"])[0] == 409
    # a follow-up done stays on the record
    record = web.api("GET", "/api/customers/C1004", token=tokens["agent"])[1]
    assert [f["outcome"] for f in record["follow_ups"]] == ["已电话联系，退款已到账"]
    for body in ({"customer_id": "C1004"}, {"customer_id": "C1004", "note": "x", "due": "tomorrow"},
                 {"note": "x"}, {"customer_id": "C1004", "note": "x" * 5000}):
        assert web.api("POST", "/api/care/follow-ups", body, token=tokens["agent"])[0] == 422
    assert web.api("POST", "/api/care/follow-ups", {"customer_id": "C9999", "note": "x"},
                   token=tokens["agent"])[0] == 404
    assert web.api("POST", "/api/care/follow-ups/999/done", {"outcome": "x"}, token=tokens["agent"])[0] == 404


def test_nothing_of_the_customer_in_the_log(web, tokens):
    web.api("GET", "/api/customers/C1004", token=tokens["agent"])
    web.api("GET", "/api/admin/customers/C1004/export", token=tokens["admin"])
    log = web.log()
    for secret in ("刘洋", "18645678123", "wx:oLIU", "快递十天"):
        assert secret not in log


def test_an_admin_exports_then_erases_the_customer(web, tokens):
    """Last in this module: it erases C1004."""
    status, data = web.api("GET", "/api/admin/customers/C1004/export", token=tokens["admin"])
    assert status == 200 and data["customer_id"] == "C1004" and len(data["conversations"]) == 2
    status, body = web.api("POST", "/api/admin/customers/C1004/erase", {}, token=tokens["admin"])
    assert status == 422 and body["field"] == "confirm"  # erasure is not undone: the body names the customer
    status, body = web.api("POST", "/api/admin/customers/C1004/erase", {"confirm": "C1004"}, token=tokens["admin"])
    assert status == 200 and body["erased"]["conversations"] == 2
    record = web.api("GET", "/api/customers/C1004", token=tokens["agent"])[1]
    assert record["channels"] == [] and record["handoffs"] == [] and record["follow_ups"] == []
    assert web.api("GET", "/api/care/at-risk?days=365", token=tokens["agent"])[1] == []
