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


@pytest.mark.parametrize("text, intent, decision", [
    # Cantonese yes: 係 / 係呀 / 好 / 得 / 冇問題 / 啱
    ("係", "affirm", True), ("係呀", "affirm", True), ("係呀 cancel咗佢", "affirm", True), ("好呀", "affirm", True),
    ("得", "affirm", True), ("冇問題", None, True), ("得 冇問題", "affirm", True), ("啱呀", "affirm", True),
    ("唔該 取消啦", "cancel_order", True), ("唔好意思 幫我取消啦", "cancel_order", True),
    # Cantonese no: 唔係 / 唔好 / 唔使 / 唔要, whatever NLU made of them ("唔好" holds 好)
    ("唔係", "deny", False), ("唔係", None, False), ("唔好", "affirm", False), ("唔使喇", "affirm", False),
    ("唔要", None, False), ("唔好取消住", "cancel_order", False), ("唔使喇 唔該", "thank", False),
    # Cantonese questions are no answer
    ("要唔要取消", "affirm", None), ("係咪要取消", "affirm", None), ("取消咗未呀", "cancel_order", None),
    ("唔該晒", "thank", None),
    # Taiwanese usage
    ("好喔", "affirm", True), ("對啊", "affirm", True), ("是喔 對", "affirm", True), ("先不要", None, False),
    ("不用了 謝謝", "deny", False),
])
def test_yes_or_no_in_cantonese_and_taiwanese_usage(text, intent, decision):
    assert read_decision(text, intent) is decision


@pytest.mark.parametrize("text", ["電話尾四位係4702", "手機末四碼4702", "電話後四碼4702"])
def test_phone_endings_in_hong_kong_and_taiwan_words(text):
    answer = read_answer(text)
    assert answer.phone_last4 == "4702" and answer.phone_context
