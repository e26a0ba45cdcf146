"""``/api/analytics`` and ``/api/inbox`` on the running web app: roles, 422s, figures, resolve and dismiss."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.ingest import ingest
from tests.unit.analytics.seed import ZONE, seed
from tests.webapp import web_app_fixture

HUABEI = {"能不能用花呗分期", "花呗能分期吗", "花呗可以分期付款吗"}


def today() -> dt.date:
    return dt.datetime.now(ZONE).date()


def prepare(url: str) -> None:
    seed(url, today())
    ingest(url, zone=ZONE)


web = web_app_fixture("analytics-web", prepare=prepare)


@pytest.mark.parametrize("method,path,body", [
    ("GET", "/api/analytics", None),
    ("GET", "/api/inbox", None),
    ("POST", "/api/inbox/resolve", {"ids": [1], "faq_id": "shipping_fee"}),
    ("POST", "/api/inbox/dismiss", {"ids": [1]}),
])
def test_editors_and_admins_only(web, tokens, method, path, body):
    assert web.api(method, path, body)[0] == 401
    assert web.api(method, path, body, token="not-a-token")[0] == 401
    status, answer = web.api(method, path, body, token=tokens["agent"])
    assert status == 403 and "agent" in answer["error"]
    if method == "GET":
        assert web.api(method, path, token=tokens["editor"])[0] == 200
        assert web.api(method, path, token=tokens["admin"])[0] == 200


def test_dashboard_figures_over_http(web, tokens):
    status, report = web.api("GET", "/api/analytics?days=7", token=tokens["editor"])
    assert status == 200
    assert report["to"] == today().isoformat() and report["timezone"] == "Asia/Shanghai"
    assert report["conversations"]["total"] == 7
    assert report["containment"] == {"conversations": 7, "contained": 4, "rate": 0.5714}
    assert report["handoffs"]["by_reason"] == {"complaint": 1, "customer_request": 1, "low_confidence": 1}
    assert report["csat"]["average"] == 4.0 and report["wait_seconds"]["average"] == 90.0
    assert report["top_faqs"][0]["faq_id"] == "shipping_fee"
    assert set(report["top_unanswered"][0]["examples"]) == HUABEI
    status, one_day = web.api("GET", "/api/analytics?days=1", token=tokens["admin"])
    assert status == 200 and one_day["conversations"]["total"] == 2


@pytest.mark.parametrize("query,field", [("days=0", "days"), ("days=abc", "days"), ("days=9999", "days")])
def test_analytics_rejects_bad_days(web, tokens, query, field):
    status, body = web.api("GET", f"/api/analytics?{query}", token=tokens["editor"])
    assert status == 422 and body["field"] == field


@pytest.mark.parametrize("query,field", [("status=closed", "status"), ("limit=0", "limit"), ("days=-1", "days")])
def test_inbox_rejects_bad_queries(web, tokens, query, field):
    status, body = web.api("GET", f"/api/inbox?{query}", token=tokens["editor"])
    assert status == 422 and body["field"] == field


@pytest.mark.parametrize("path,body,field", [
    ("/api/inbox/resolve", {"ids": [1]}, "faq_id"),
    ("/api/inbox/resolve", {"ids": [1], "faq_id": "Not An Id!"}, "faq_id"),
    ("/api/inbox/resolve", {"faq_id": "shipping_fee"}, "ids"),
    ("/api/inbox/resolve", {"ids": ["1"], "faq_id": "shipping_fee"}, "ids"),
    ("/api/inbox/resolve", {"ids": [True], "faq_id": "shipping_fee"}, "ids"),
    ("/api/inbox/resolve", {"texts": "花呗能分期吗", "faq_id": "shipping_fee"}, "texts"),
    ("/api/inbox/dismiss", {"texts": [""]}, "texts"),
    ("/api/inbox/dismiss", {"ids": []}, "ids"),
    ("/api/inbox/dismiss", ["not", "an", "object"], "body"),
])
def test_resolve_and_dismiss_reject_bad_bodies(web, tokens, path, body, field):
    status, answer = web.api("POST", path, body, token=tokens["editor"])
    assert status == 422 and answer["field"] == field, answer


def test_inbox_groups_then_resolve_and_dismiss(web, tokens):
    editor = tokens["editor"]
    status, inbox = web.api("GET", "/api/inbox", token=editor)
    assert status == 200 and inbox["status"] == "open"
    groups = inbox["groups"]
    assert [g["count"] for g in groups] == [3, 1, 1, 1, 1]
    huabei = groups[0]
    assert set(huabei["examples"]) == HUABEI and huabei["kinds"] == {"fallback": 3}
    assert huabei["suggested_faq"]["id"] == "installment_payment"
    assert huabei["last_seen"] and huabei["id"].startswith("g") and len(huabei["item_ids"]) == 3
    texts = [g["text"] for g in groups]
    assert "我手机*******5678收不到验证码" in texts and not any("13812345678" in t for t in texts)

    # the editor turned the group into a variant of installment_payment
    status, done = web.api("POST", "/api/inbox/resolve", {"ids": huabei["item_ids"], "faq_id": "installment_payment"},
                           token=editor)
    assert (status, done) == (200, {"resolved": 3, "faq_id": "installment_payment"})
    # ... and the car question is noise; by its text
    status, done = web.api("POST", "/api/inbox/dismiss", {"texts": ["你们卖不卖二手车"]}, token=tokens["admin"])
    assert (status, done) == (200, {"dismissed": 1})
    # nothing is closed twice
    assert web.api("POST", "/api/inbox/dismiss", {"ids": huabei["item_ids"]}, token=editor)[1] == {"dismissed": 0}

    open_texts = [g["text"] for g in web.api("GET", "/api/inbox", token=editor)[1]["groups"]]
    assert len(open_texts) == 3 and "你们卖不卖二手车" not in open_texts and not HUABEI & set(open_texts)
    resolved = web.api("GET", "/api/inbox?status=resolved", token=editor)[1]["groups"]
    assert [set(g["examples"]) for g in resolved] == [HUABEI]
    dismissed = web.api("GET", "/api/inbox?status=dismissed&days=30&limit=5", token=editor)[1]["groups"]
    assert [g["text"] for g in dismissed] == ["你们卖不卖二手车"]
    # the dashboard leaves dismissed questions out of the top unanswered
    report = web.api("GET", "/api/analytics", token=editor)[1]
    assert "你们卖不卖二手车" not in [q["text"] for q in report["top_unanswered"]]


def test_dashboard_page_is_a_staff_page(web):
    from tests.stack import http

    status, html = http("GET", f"{web.url}/dashboard")
    assert status == 200 and "chart.umd.min.js" in html and "<script>" not in html
    import urllib.request

    with urllib.request.urlopen(f"{web.url}/dashboard") as reply:
        csp = reply.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-eval" not in csp
    for asset in ("/static/vendor/chart.js/chart.umd.min.js", "/static/vendor/chart.js/LICENSE.md",
                  "/static/staff/session.js", "/dashboard/static/dashboard.js", "/dashboard/static/dashboard.css"):
        assert http("GET", f"{web.url}{asset}")[0] == 200, asset
