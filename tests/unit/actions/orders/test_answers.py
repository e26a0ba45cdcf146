"""Reading order numbers, phone endings and yes/no from what shoppers type."""

import pytest

from actions.orders.answers import read_answer, read_decision


@pytest.mark.parametrize("text", [
    "261103004817", "订单号:261103004817", "订单号：２６１１０３００４８１７", "2611 0300 4817", "2611-0300-4817",
    "where is order #261103004817?", "单号261103004817到哪了", "訂單號261103004817",
])
def test_order_numbers_in_free_text(text):
    answer = read_answer(text)
    assert answer.order_id == "261103004817" and not answer.malformed


@pytest.mark.parametrize("text, phone", [
    ("8123", "8123"), ("尾号8123", "8123"), ("手机后四位是 ８１２３", "8123"), ("尾号 8 1 2 3", "8123"),
    ("phone ends with 8123", "8123"), ("18645678123", "8123"), ("+852 9123 4702", "4702"),
])
def test_phone_endings(text, phone):
    assert read_answer(text).phone_last4 == phone


def test_order_and_phone_in_one_message():
    answer = read_answer("订单261117000290 尾号4321")
    assert (answer.order_id, answer.phone_last4, answer.phone_context) == ("261117000290", "4321", True)
    assert read_answer("261103004817 8123").phone_last4 == "8123"


@pytest.mark.parametrize("text", ["26110300481X", "2611030048170000", "abc261103004817", "12345", "SF9296037519664"])
def test_malformed_numbers(text):
    answer = read_answer(text)
    assert answer.order_id is None and answer.malformed


def test_button_payload_entities_are_read_like_text():
    answer = read_answer("/inform", [{"entity": "order_id", "value": "261120000612"}])
    assert answer.order_id == "261120000612"
    assert read_answer("", [{"entity": "order_id", "value": "2611' OR 1=1"}]).order_id is None


@pytest.mark.parametrize("text, intent, decision", [
    ("是", "affirm", True), ("是的，取消吧", "cancel_order", True), ("确认取消", "cancel_order", True),
    ("yes", "affirm", True), ("不取消了", "cancel_order", False), ("不取消了", "deny", False),
    ("否", "deny", False), ("don't cancel it", "cancel_order", False), ("留着吧", None, False),
    ("你们几点下班", "faq", None),
    # a yes must be said: NLU's affirm on a reply without a word of consent is no answer
    ("好的 取消吧", "affirm", True), ("嗯", "affirm", True), ("嗯嗯 没错", "affirm", True), ("对对对", "affirm", True),
    ("ok", "affirm", True), ("sure go ahead", "affirm", True), ("確定", None, True),
    ("这个呢", "affirm", None), ("那个", "affirm", None), ("就这个", "affirm", None), ("然后呢", "goodbye", None),
    ("还有呢", "affirm", None), ("嗯？", "affirm", None), ("？？", "affirm", None), ("可以取消吗", "cancel_order", None),
    ("what about this one", "affirm", None), ("and?", "nlu_fallback", None), ("这个呢", "nlu_fallback", None),
])
def test_yes_or_no_to_cancelling(text, intent, decision):
    assert read_decision(text, intent) is decision
