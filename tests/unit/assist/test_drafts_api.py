"""FAQ drafts from agents' answers in the editors' inbox: what reaches it, masked, and what the editor
does with it (nothing is live until published: that is tests/conversations/test_assist_drafts.py)."""

from __future__ import annotations

import pytest

from analytics.ingest import ingest
from shop.demo.seed import seed_demo_shop
from tests.unit.analytics.seed import ZONE
from tests.unit.assist.scripts import answered_by_agent, hand_over, said, start
from tests.webapp import web_app_fixture

LEFT_ALONE = "我想问下你们周末发不发货"


def prepare(url: str) -> None:
    seed_demo_shop(url)
    # 王芳 (C1001) asks something the bot cannot answer; the agent answers with her name and numbers
    answered_by_agent(url, "draft-wash", "羽绒服可以机洗吗？我手机13812345678，订单261120000612",
                      "王芳您好，羽绒服建议手洗，水温不超过30度。有问题打我电话021-61234567，我是小林",
                      customer_id="C1001")
    # close to an existing FAQ (payment_methods has "paypal ok?"): proposed as a variant of it
    answered_by_agent(url, "draft-paypal", "paypal ok for paying?", "Not yet, sorry: Alipay, WeChat Pay and cards.")
    # handed over, but no agent answered yet: no draft
    c = start("draft-waiting")
    said(c, LEFT_ALONE, "nlu_fallback", confidence=0.1).fallback()
    hand_over(url, c, "low_confidence", LEFT_ALONE)
    ingest(url, zone=ZONE)


web = web_app_fixture("assist-drafts", prepare=prepare)


@pytest.mark.parametrize("method,path,body", [
    ("GET", "/api/assist/drafts", None),
    ("POST", "/api/assist/drafts/1/use", {"faq_id": "down_jacket_washing"}),
    ("POST", "/api/assist/drafts/1/dismiss", None),
])
def test_editors_only(web, tokens, method, path, body):
    assert web.api(method, path, body)[0] == 401
    assert web.api(method, path, body, token=tokens["agent"])[0] == 403


def drafts(web, token, status="open"):
    status_code, found = web.api("GET", f"/api/assist/drafts?status={status}", token=token)
    assert status_code == 200, found
    return found


def test_an_agents_answer_becomes_a_masked_draft(web, tokens):
    found = drafts(web, tokens["editor"])
    wash = next(d for d in found if "羽绒服" in d["question"])
    assert wash["question"] == "羽绒服可以机洗吗？我手机****，订单{order}"
    assert wash["answer"] == "{name}您好，羽绒服建议手洗，水温不超过30度。有问题打我电话****，我是***"
    assert wash["language"] == "zh" and wash["status"] == "open" and wash["close_faq"] is None
    assert all(LEFT_ALONE not in d["question"] for d in found)
    # asked twice, drafted once
    assert len([d for d in drafts(web, tokens["editor"]) if "羽绒服" in d["question"]]) == 1


def test_a_question_close_to_an_faq_is_proposed_as_its_variant(web, tokens):
    paypal = next(d for d in drafts(web, tokens["editor"]) if "paypal" in d["question"])
    assert paypal["close_faq"]["id"] == "payment_methods" and paypal["category"] == "payment"
    assert paypal["language"] == "en" and paypal["answer"].startswith("Not yet")


def test_used_and_dismissed_drafts_leave_the_inbox(web, tokens):
    found = drafts(web, tokens["editor"])
    wash = next(d for d in found if "羽绒服" in d["question"])
    paypal = next(d for d in found if "paypal" in d["question"])
    status, answer = web.api("POST", f"/api/assist/drafts/{wash['id']}/use", {"faq_id": "Not An Id"},
                             token=tokens["editor"])
    assert status == 422 and answer["field"] == "faq_id"
    status, used = web.api("POST", f"/api/assist/drafts/{wash['id']}/use", {"faq_id": "down_jacket_washing"},
                           token=tokens["editor"])
    assert status == 200 and used["status"] == "used" and used["faq_id"] == "down_jacket_washing"
    assert web.api("POST", f"/api/assist/drafts/{paypal['id']}/dismiss", token=tokens["admin"])[0] == 200
    assert web.api("POST", "/api/assist/drafts/9999/dismiss", token=tokens["admin"])[0] == 404
    assert {d["id"] for d in drafts(web, tokens["editor"])}.isdisjoint({wash["id"], paypal["id"]})
    assert [d["id"] for d in drafts(web, tokens["editor"], "used")] == [wash["id"]]
    # the inbox item it came from is resolved by that FAQ
    status, inbox = web.api("GET", "/api/inbox?status=resolved", token=tokens["editor"])
    assert any("羽绒服" in g["text"] for g in inbox["groups"])
    assert web.api("GET", "/api/assist/drafts?status=maybe", token=tokens["editor"])[0] == 422
