"""action_return_request, validate_return_form, action_return_submit: the 7-day return rules."""

import pytest

from actions.orders.return_request import ActionReturnRequest
from actions.orders.submit_return import ActionReturnSubmit
from actions.orders.validate_return_form import ValidateReturnForm
from faq.loader import load_catalogue
from kefu.db import session_scope
from kefu.settings import ROOT
from shop.demo.models import Customer
from tests.unit.actions.orders.conftest import verified

check, validate, submit = ActionReturnRequest(), ValidateReturnForm(), ActionReturnSubmit()
FAQ = {faq.id: faq for faq in load_catalogue(ROOT / "faq" / "content")[0].faqs}

def inside() -> dict:
    """The slots of a shopper who passed the order check a minute ago (stamped when the test runs:
    a stamp taken at import would be past the verification window by the time a long suite gets here)."""
    return verified("261117000611", "9043")


def test_inside_the_window_asks_the_reason(chat):
    run = chat(check, "我要退货", intent="return_request", slots=inside())
    assert run.responses == ["utter_return_eligible"] and run.followup == "return_form"
    assert "羊毛双面大衣" in run.texts


def test_a_reason_the_request_gave_is_not_asked_again(chat):
    history = [{"event": "user", "text": "我要退货，尺码不合适 261117000611",
                "parse_data": {"intent": {"name": "return_request"}}}]
    run = chat(check, "9043", intent="inform", slots=inside(), history=history)
    assert run.responses == ["utter_return_eligible"] and run.followup == "return_form"
    assert run.slot("return_reason") == "尺码不合适"  # the form starts with it: no question
    bare = [{"event": "user", "text": "我要退货 261117000611", "parse_data": {"intent": {"name": "return_request"}}}]
    asked = chat(check, "9043", intent="inform", slots=inside(), history=bare)
    assert asked.followup == "return_form" and asked.slot("return_reason") is None  # the form asks it
    # a request of an earlier session is not this one's
    earlier = [*history, {"event": "session_started"}]
    assert chat(check, "9043", intent="inform", slots=inside(), history=earlier).slot("return_reason") is None


@pytest.mark.parametrize("reason, language, said", [
    ("尺码不合适", None, "原因：尺码不合适"),
    ("it's the wrong size", "en", 'the reason "it\'s the wrong size"'),
])
def test_the_filed_request_repeats_the_reason(chat, shop, reason, language, said):
    # a reason read from the request was never asked: the shopper sees which one was filed
    run = chat(submit, "9043", slots={**inside(), "return_reason": reason, "language": language})
    assert said in run.texts.splitlines()[0]
    assert shop.get_after_sales_request(order_id="261117000611").reason == reason


def test_reason_is_taken_from_the_shoppers_words(chat):
    asking = {**inside(), "requested_slot": "return_reason"}
    run = chat(validate, "衣服大了，想换小一码", intent="faq", loop="return_form", slots=asking)
    assert run.slot("return_reason") == "衣服大了，想换小一码"
    assert chat(validate, "退款多久到账？", intent="faq", loop="return_form", slots=asking).events == []
    again = chat(validate, "好的", intent="affirm", loop="return_form", slots=asking)
    assert again.slot("return_reason") is None and again.slot("requested_slot") == "return_reason"
    # a filler NLU recognised (nlu_fallback with the model's confidence) is no reason either ...
    filler = chat(validate, "这个呢", intent="nlu_fallback", confidence=0.98, loop="return_form", slots=asking)
    assert filler.slot("return_reason") is None and filler.slot("requested_slot") == "return_reason"
    # ... while words NLU is merely unsure about (the FallbackClassifier's 0.35) are the shopper's reason
    unsure = chat(validate, "袖子比图上短一截", intent="nlu_fallback", confidence=0.35, loop="return_form",
                  slots=asking)
    assert unsure.slot("return_reason") == "袖子比图上短一截"
    stop = chat(validate, "不退了", intent="nlu_fallback", loop="return_form", slots=asking)
    assert stop.slot("return_reason") is None and stop.slot("requested_slot") is None


def test_filing_a_return_tells_address_and_refund_timing_and_is_idempotent(chat, shop):
    slots = {**inside(), "return_reason": "不喜欢"}
    run = chat(submit, "不喜欢", slots=slots)
    # the order's customer (C1005) is black_gold, whose benefits include free return shipping
    assert run.responses == ["utter_return_filed", "utter_return_address", "utter_return_shipping_member",
                             "utter_faq/refund_time"]
    text = run.texts
    assert "退货申请" in text and "明镜路88号" in text and FAQ["refund_time"].answer_zh in text
    assert "您是黑金会员，退货运费：每个订单赠送退货运费险，七天无理由退货的寄回运费由运费险赔付" in text
    assert shop.get_order(order_id="261117000611").status == "return_requested"
    again = chat(submit, "不喜欢", slots=slots)
    assert again.responses == ["utter_return_already_filed"]
    assert shop.count_after_sales_requests(order_id="261117000611") == 1


@pytest.mark.parametrize("level", ["regular", "gold"])
def test_a_tier_without_free_return_shipping_is_told_the_faq_rule(chat, shop, level):
    with session_scope(shop.database_url) as session:
        session.get(Customer, "C1005").member_level = level
    run = chat(submit, "not what I expected", slots={**inside(), "return_reason": "not what I expected",
                                                     "language": "en"})
    assert run.responses == ["utter_return_filed", "utter_return_address", "utter_faq/return_shipping_cost",
                             "utter_faq/refund_time"]
    assert FAQ["return_shipping_cost"].answer_en in run.texts and "insurance, which pays" not in run.texts


def test_free_return_shipping_in_english_in_the_catalogue_s_words(chat, shop):
    run = chat(submit, "too big", slots={**inside(), "return_reason": "too big", "language": "en"})
    assert ("Return postage for your Black Gold membership: Every order comes with return shipping insurance, "
            "which pays the postage of a no-reason return") in run.texts


def test_exchange_is_recognised_from_the_request(chat, shop):
    history = [{"event": "user", "text": "我要换个尺码", "parse_data": {"intent": {"name": "return_request"}}}]
    run = chat(submit, "太大了", slots={**inside(), "return_reason": "太大了", "language": "en"}, history=history)
    assert run.responses == ["utter_return_filed", "utter_return_address", "utter_exchange_next"]
    assert "your exchange request for order 261117000611" in run.texts
    assert shop.get_after_sales_request(order_id="261117000611").kind == "exchange"


def test_just_outside_the_window(chat, shop):
    run = chat(check, "退货", intent="return_request", slots=verified("261112000345", "5678"))
    assert run.responses == ["utter_return_window_closed", "utter_return_quality_route", "utter_faq/warranty_repair"]
    assert FAQ["warranty_repair"].answer_zh in run.texts
    assert run.followup is None and shop.get_order(order_id="261112000345").status == "delivered"


def test_excluded_goods_get_the_article_25_answer(chat, shop):
    custom = chat(check, "退货", intent="return_request", slots=verified("261115000208", "4420", language="en"))
    assert custom.responses == ["utter_return_excluded", "utter_faq/return_exclusions"]
    assert "custom-made goods" in custom.texts and FAQ["return_exclusions"].answer_en in custom.texts
    crabs = chat(check, "退货", intent="return_request", slots=verified("261110000432", "8156"))
    assert "鲜活易腐商品" in crabs.texts and "阳澄湖大闸蟹礼盒" in crabs.texts
    for order_id in ("261115000208", "261110000432"):
        assert shop.get_order(order_id=order_id).status == "delivered"
        assert shop.count_after_sales_requests(order_id=order_id) == 0


def test_not_delivered_yet_or_already_in_after_sales(chat):
    pending = chat(check, "退货", intent="return_request", slots=verified("261122000101", "6781"))
    assert pending.responses == ["utter_return_not_delivered", "utter_return_suggest_cancel"]
    moving = chat(check, "退货", intent="return_request", slots=verified("261118000033", "7319"))
    assert moving.responses == ["utter_return_not_delivered"] and "派送中" in moving.texts
    refunding = chat(check, "退货", intent="return_request", slots=verified("261110000187", "7319"))
    assert refunding.responses == ["utter_return_in_progress"] and "退款中" in refunding.texts


def test_nothing_is_filed_without_verification_or_reason(chat, shop):
    run = chat(submit, "不喜欢", slots={"order_id": "261117000611", "return_reason": "不喜欢"})
    assert run.responses == ["utter_order_verification_failed"]
    assert chat(submit, "", slots=inside()).responses == ["utter_return_not_filed"]
    assert shop.count_after_sales_requests(order_id="261117000611") == 0
