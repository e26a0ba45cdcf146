"""FAQ content through the running stack: the API with its roles, publish → live answers,
edits live in seconds, deletes, and the background retrain hot-swapped into the Rasa server.

On the ``faq_stack`` (tests/conftest.py): publishing changes what the bot answers, and the
retrain swaps its model, so the other conversation tests keep a stack of their own.
"""

from __future__ import annotations

import time
import uuid

import pytest

from tests.stack import http

pytestmark = pytest.mark.stack

GIFT_CARD = {
    "id": "gift_card_cash",
    "category": "payment",
    "question_zh": "礼品卡可以兑换成现金吗？",
    "question_en": "Can a gift card be exchanged for cash?",
    "examples_zh": ["礼品卡能换钱吗", "购物卡可以提现不", "礼品卡余额能退吗"],
    "examples_en": ["gift card cash out", "can I get cash for my gift card", "refund gift card balance"],
    "answer_zh": "礼品卡不能兑换现金，可在有效期内购买任意商品。<b>不找零</b>",
    "answer_en": "Gift cards cannot be exchanged for cash; use them on any product before they expire.",
}

BATTERIES = {
    "id": "battery_shipping",
    "category": "shipping",
    "question_zh": "含锂电池的商品可以寄吗？",
    "question_en": "Can you ship products with lithium batteries?",
    "examples_zh": ["充电宝能发快递吗", "带电池的东西能寄吗"],
    "examples_en": ["do you ship power banks"],
    "answer_zh": "含锂电池的商品（充电宝等）走陆运，可以正常寄送，比普通快递慢1-2天。",
    "answer_en": "Products with lithium batteries go by ground: we ship them, 1-2 days slower.",
}


@pytest.fixture(scope="module")
def editor(faq_stack) -> str:
    return faq_stack.login("editor")


def sender() -> str:
    return f"faq-{uuid.uuid4().hex[:10]}"


def publish(stack, token, timeout: float = 60) -> dict:
    status, job = stack.api("POST", "/api/faqs/publish", token=token)
    assert status == 202 and job["status"] == "running", job
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, state = stack.api("GET", f"/api/faqs/publish/{job['job']}", token=token)
        assert status == 200
        if state["status"] != "running":
            return state
        time.sleep(0.5)
    raise AssertionError(f"publish job still running after {timeout} s: {state}")


def faq_key(stack, text: str) -> str | None:
    parsed = stack.parse(text)
    if parsed["intent"]["name"] != "faq":
        return None
    return parsed["response_selector"]["faq"]["response"]["intent_response_key"]


ROUTES = [("GET", "/api/faqs"), ("POST", "/api/faqs"), ("PUT", "/api/faqs/return_policy"),
          ("DELETE", "/api/faqs/return_policy"), ("POST", "/api/faqs/publish"), ("GET", "/api/faqs/publish/x"),
          ("GET", "/api/faqs/return_policy/history"), ("POST", "/api/faqs/check")]


@pytest.mark.parametrize("method, path", ROUTES)
def test_every_faq_route_needs_a_token(faq_stack, method, path):
    assert faq_stack.api(method, path, {} if method in ("POST", "PUT") else None)[0] == 401


def test_the_editor_preview_says_what_the_running_bot_picks(faq_stack, editor):
    status, preview = faq_stack.api("POST", "/api/faqs/preview", {"text": "运费多少钱"}, token=editor)
    assert status == 200 and preview["available"] is True and preview["intent"] == "faq"
    assert preview["faq"]["id"] == faq_key(faq_stack, "运费多少钱").split("/", 1)[1]
    assert preview["faq"]["answer_zh"]  # from the live publication


def test_agents_read_but_only_editors_write(faq_stack, editor):
    agent = faq_stack.login("agent")
    status, faqs = faq_stack.api("GET", "/api/faqs", token=agent)
    assert status == 200 and any(f["id"] == "return_policy" for f in faqs)
    assert faq_stack.api("POST", "/api/faqs", GIFT_CARD, token=agent)[0] == 403
    assert faq_stack.api("POST", "/api/faqs/publish", token=agent)[0] == 403
    assert faq_stack.api("DELETE", "/api/faqs/return_policy", token=agent)[0] == 403


def test_bad_entries_are_422_naming_the_field(faq_stack, editor):
    status, body = faq_stack.api("POST", "/api/faqs", {**GIFT_CARD, "answer_en": ""}, token=editor)
    assert status == 422 and body["field"] == "answer_en" and "Fix:" in body["error"]
    status, body = faq_stack.api("POST", "/api/faqs", {**GIFT_CARD, "id": "Gift Card!"}, token=editor)
    assert status == 422 and body["field"] == "id"
    status, body = faq_stack.api("POST", "/api/faqs", {**GIFT_CARD, "id": "return_policy"}, token=editor)
    assert status in (409, 422)
    status, body = faq_stack.api("PUT", "/api/faqs/return_policy", {"version": "abc"}, token=editor)
    assert status == 422 and body["field"] == "version"
    assert faq_stack.api("POST", "/api/faqs", raw=b"{not json", token=editor)[0] == 422


def test_a_new_faq_answers_once_published(faq_stack, editor):
    status, created = faq_stack.api("POST", "/api/faqs", GIFT_CARD, token=editor)
    assert status == 201, created
    assert faq_key(faq_stack, "礼品卡可以兑换成现金吗") != "faq/gift_card_cash"  # saved, not yet published

    state = publish(faq_stack, editor)
    assert state["status"] == "live" and "not confirmed" not in state["detail"], state
    assert faq_stack.parse("你好")["faq_publication"] >= state["publication"]  # the server confirmed it
    shopper = sender()
    reply = faq_stack.say(shopper, "礼品卡可以兑换成现金吗？")
    assert "礼品卡不能兑换现金" in reply and "<b>不找零</b>" in reply  # HTML kept as text, not interpreted
    assert faq_key(faq_stack, "礼品卡能换钱吗") == "faq/gift_card_cash"
    assert faq_key(faq_stack, "購物卡可以提現不") == "faq/gift_card_cash"  # traditional characters
    assert "cannot be exchanged for cash" in faq_stack.say(sender(), "Can a gift card be exchanged for cash?")
    # the rest of the bot is unchanged
    assert faq_key(faq_stack, "七天无理由退货怎么弄") == "faq/return_policy"


def test_paraphrases_of_a_just_published_faq_are_answered_at_once(faq_stack, editor):
    # the case: before the retrain this was answered with the shipping-fee FAQ
    assert faq_stack.api("POST", "/api/faqs", BATTERIES, token=editor)[0] == 201
    state = publish(faq_stack, editor)
    assert state["status"] == "live", state
    live = time.monotonic()
    zh = faq_stack.say(sender(), "我想买个充电宝，你们能给我寄过来吗")
    hk = faq_stack.say(sender(), "充電寶寄得唔寄得㗎")
    en = faq_stack.say(sender(), "can u send me a portable power bank?")
    assert time.monotonic() - live < 10
    assert "走陆运" in zh, zh
    assert "走陸運" in hk, hk  # traditional in, traditional out
    assert "go by ground" in en, en
    # the model has not been retrained yet: the fast path answered
    assert faq_stack.api("GET", f"/api/faqs/publish/{state['job']}", token=editor)[1]["model"]["status"] != "swapped"
    # and what the shop answered before is unchanged
    assert faq_key(faq_stack, "运费怎么算") == "faq/shipping_fee"


def test_an_edited_answer_is_live_within_seconds_and_versions_conflict(faq_stack, editor):
    _, entry = faq_stack.api("GET", "/api/faqs/return_policy", token=editor)
    new_answer = entry["answer_zh"] + "（2026年12月起，退货运费由本店承担。）"
    status, saved = faq_stack.api("PUT", "/api/faqs/return_policy",
                                  {"answer_zh": new_answer, "version": entry["version"]}, token=editor)
    assert status == 200 and saved["version"] == entry["version"] + 1
    # a second editor still holding the old version is refused, with who and when
    status, conflict = faq_stack.api("PUT", "/api/faqs/return_policy",
                                     {"answer_zh": "旧的改法", "version": entry["version"]}, token=editor)
    assert status == 409 and "changed by editor at" in conflict["error"]

    started = time.monotonic()
    assert publish(faq_stack, editor)["status"] == "live"
    assert time.monotonic() - started < 30
    assert "退货运费由本店承担" in faq_stack.say(sender(), "七天无理由退货怎么弄")
    assert "退貨運費由本店承擔" in faq_stack.say(sender(), "七天無理由退貨怎麼弄")  # traditional in, traditional out

    history = faq_stack.api("GET", "/api/faqs/return_policy/history", token=editor)[1]
    assert history[0]["version"] == saved["version"] and history[0]["author"] == "editor"


def test_a_deleted_faq_is_no_longer_answered(faq_stack, editor):
    _, entry = faq_stack.api("GET", "/api/faqs/invoice_request", token=editor)
    question = entry["question_zh"]
    assert faq_key(faq_stack, question) == "faq/invoice_request"
    assert faq_stack.api("DELETE", f"/api/faqs/invoice_request?version={entry['version']}", token=editor)[0] == 200
    assert publish(faq_stack, editor)["status"] == "live"
    assert faq_key(faq_stack, question) != "faq/invoice_request"
    assert entry["answer_zh"] not in faq_stack.say(sender(), question)
    # and restoring it brings it back
    history = faq_stack.api("GET", "/api/faqs/invoice_request/history", token=editor)[1]
    assert faq_stack.api("POST", "/api/faqs/invoice_request/restore", {"version": history[1]["version"]},
                         token=editor)[0] == 200
    assert publish(faq_stack, editor)["status"] == "live"
    assert faq_key(faq_stack, question) == "faq/invoice_request"


def test_the_background_retrain_is_hot_swapped_and_keeps_answering(faq_stack, editor, trained_model):
    _, publications = faq_stack.api("GET", "/api/faqs/publications", token=editor)
    job = publications[0]["job"]
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        state = faq_stack.api("GET", f"/api/faqs/publish/{job}", token=editor)[1]
        if state["model"]["status"] in ("swapped", "failed"):
            break
        time.sleep(2)
    assert state["model"]["status"] == "swapped", state
    assert "loaded by 1 of 1" in state["model"]["detail"]
    status, loaded = http("GET", f"{faq_stack.bot_url}/status?token={faq_stack.token}")
    # the server now runs the model trained with the published content, not the one it started with
    assert status == 200 and loaded["model_file"] != trained_model.name, loaded
    assert (faq_stack.var_dir / "models" / loaded["model_file"]).exists()
    assert "礼品卡不能兑换现金" in faq_stack.say(sender(), "礼品卡能换钱吗")
    assert faq_key(faq_stack, "七天无理由退货怎么弄") == "faq/return_policy"
    assert "退货运费由本店承担" in faq_stack.say(sender(), "七天无理由退货怎么弄")
