"""Summary and reply suggestions over HTTP, zh and en, and what agents did with the suggestions.

The web app alone on a seeded SQLite database, as the console calls it. FAQ answers come from the
FAQ content (nothing published here: what the bot answers from); agents' earlier replies from the
conversations' events.
"""

from __future__ import annotations

import pytest

from shop.demo.seed import seed_demo_shop
from tests.unit.assist.scripts import (
    ORDER,
    answered_by_agent,
    complaint_conversation,
    hand_over,
    order_conversation,
    said,
    slot,
    start,
)
from tests.webapp import web_app_fixture

IDS: dict[str, int] = {}
LI_WEI_ORDER = "261119000402"
WASH_REPLY = f"王芳您好，这款羽绒服建议手洗，水温不超过30度；订单{ORDER}的商品都附有洗涤说明。"


def prepare(url: str) -> None:
    seed_demo_shop(url)
    IDS["order"] = order_conversation(url)
    IDS["complaint"] = complaint_conversation(url)
    # earlier: agents answered what the bot could not
    answered_by_agent(url, "earlier-wash", "你们的羽绒服可以机洗吗", WASH_REPLY, customer_id="C1001")
    answered_by_agent(url, "earlier-en", "do you gift wrap orders", "Yes, we gift wrap for free: add a note at checkout.")
    # now: 李伟 (signed in, order checked) asks the same thing in other words
    c = start("shopper-liwei")
    slot(c, "order_verification", {"order_id": LI_WEI_ORDER, "channel": "socketio", "at": c.now.timestamp()})
    said(c, "羽绒服能不能放洗衣机洗啊", "nlu_fallback", confidence=0.2).fallback()
    IDS["wash"] = hand_over(url, c, "low_confidence", "羽绒服能不能放洗衣机洗啊", customer_id="C1002", claim="agent")
    e = start("shopper-gift", "rest")
    said(e, "can u gift wrap my order??", "nlu_fallback", confidence=0.3)
    said(e, "and can i pay w paypal", "faq", confidence=0.4)
    IDS["english"] = hand_over(url, e, "low_confidence", "and can i pay w paypal", language="en", claim="agent")
    t = start("shopper-hant")
    said(t, "可唔可以用花唄分期呀", "faq", confidence=0.4)
    IDS["hant"] = hand_over(url, t, "low_confidence", "可唔可以用花唄分期呀", language="zh-Hant", claim="agent")


web = web_app_fixture("assist-api", prepare=prepare)


@pytest.mark.parametrize("method,path,body", [
    ("GET", "/api/assist/handoffs/1", None),
    ("GET", "/api/assist/handoffs/1/summary", None),
    ("GET", "/api/assist/handoffs/1/suggestions", None),
    ("POST", "/api/assist/handoffs/1/suggestions/outcome", {"source": "faq", "ref": "x", "outcome": "sent"}),
    ("GET", "/api/assist/me", None),
    ("PUT", "/api/assist/me", {"language": "en"}),
])
def test_agents_only(web, tokens, method, path, body):
    assert web.api(method, path, body)[0] == 401
    assert web.api(method, path, body, token="forged")[0] == 401
    assert web.api(method, path, body, token=tokens["editor"])[0] == 403


def test_rates_are_for_editors(web, tokens):
    assert web.api("GET", "/api/assist/suggestions/rates")[0] == 401
    assert web.api("GET", "/api/assist/suggestions/rates", token=tokens["agent"])[0] == 403
    status, answer = web.api("GET", "/api/assist/suggestions/rates?days=0", token=tokens["editor"])
    assert status == 422 and answer["field"] == "days"


def test_summary_in_the_agents_language(web, tokens):
    status, summary = web.api("GET", f"/api/assist/handoffs/{IDS['complaint']}/summary", token=tokens["admin"])
    assert status == 200 and summary["language"] == "zh"
    assert [line["kind"] for line in summary["lines"]] == ["wants", "orders", "handoff", "mood"]
    assert summary["lines"][3]["text"] == "情绪：不满（1/1 条消息带负面情绪）"
    status, answer = web.api("PUT", "/api/assist/me", {"language": "fr"}, token=tokens["admin"])
    assert status == 422 and answer["field"] == "language"
    assert web.api("PUT", "/api/assist/me", {"language": "en"}, token=tokens["admin"])[0] == 200
    summary = web.api("GET", f"/api/assist/handoffs/{IDS['complaint']}", token=tokens["admin"])[1]["summary"]
    assert summary["language"] == "en" and summary["lines"][0]["text"] == "Wants: complaint"
    # another agent's preference is their own
    assert web.api("GET", "/api/assist/me", token=tokens["agent"])[1]["language"] == "zh"


def suggestions(web, tokens, key):
    status, found = web.api("GET", f"/api/assist/handoffs/{IDS[key]}/suggestions", token=tokens["agent"])
    assert status == 200, found
    assert len(found) <= 3 and [s["score"] for s in found] == sorted((s["score"] for s in found), reverse=True)
    return found


def test_an_agents_earlier_answer_is_suggested_with_this_shoppers_verified_data(web, tokens):
    found = suggestions(web, tokens, "wash")
    reply = next(s for s in found if s["source"] == "agent_reply")
    # the earlier shopper's name and order are not passed on; 李伟's verified ones are filled in
    assert reply["text"] == f"李伟您好，这款羽绒服建议手洗，水温不超过30度；订单{LI_WEI_ORDER}的商品都附有洗涤说明。"
    assert "王芳" not in reply["matched"] and ORDER not in reply["text"]
    assert found[0] == reply  # the FAQ has nothing as close


def test_english_shopper_gets_english_faq_answers_and_english_replies(web, tokens):
    found = suggestions(web, tokens, "english")
    faq = [s for s in found if s["source"] == "faq"]
    assert faq[0]["ref"] == "payment_methods" and faq[0]["text"].startswith("We accept Alipay")
    # the latest message is about PayPal: no gift-wrap reply for it, and nothing in Chinese
    assert all(not any("\u4e00" <= ch <= "\u9fff" for ch in s["text"]) for s in found)


def test_traditional_chinese_shopper_gets_the_answer_in_traditional_characters(web, tokens):
    found = suggestions(web, tokens, "hant")
    assert found[0]["source"] == "faq" and found[0]["ref"] == "installment_payment"
    assert "分期" in found[0]["text"] and "花唄" in found[0]["text"]


def test_outcomes_are_recorded_and_rated(web, tokens):
    before = web.api("GET", "/api/assist/suggestions/rates", token=tokens["editor"])[1]
    for outcome in ("sent", "sent", "edited", "ignored"):
        status, _ = web.api("POST", f"/api/assist/handoffs/{IDS['wash']}/suggestions/outcome",
                            {"source": "agent_reply", "ref": "12", "outcome": outcome}, token=tokens["agent"])
        assert status == 201
    status, answer = web.api("POST", f"/api/assist/handoffs/{IDS['wash']}/suggestions/outcome",
                             {"source": "agent_reply", "outcome": "loved"}, token=tokens["agent"])
    assert status == 422 and answer["field"] == "outcome"
    assert web.api("POST", "/api/assist/handoffs/99999/suggestions/outcome",
                   {"source": "faq", "outcome": "sent"}, token=tokens["agent"])[0] == 404
    rates = web.api("GET", "/api/assist/suggestions/rates?days=7", token=tokens["editor"])[1]
    assert rates["total"] == before["total"] + 4
    assert rates["sent"] - before["sent"] == 2 and rates["by_source"]["agent_reply"]["edited"] >= 1
    if before["total"] == 0:
        assert rates["rates"] == {"sent": 0.5, "edited": 0.25, "ignored": 0.25}
