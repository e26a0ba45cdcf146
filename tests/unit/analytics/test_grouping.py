"""Grouping of unanswered questions: colloquial Chinese variants together, unrelated ones apart."""

from __future__ import annotations

import datetime as dt

from analytics.grouping import Question, group_questions, question_key
from faq.loader import load_catalogue
from kefu.settings import ROOT

FAQS = load_catalogue(ROOT / "faq" / "content")[0].faqs
T0 = dt.datetime(2026, 11, 30, 2, tzinfo=dt.timezone.utc)


def questions(*texts: str) -> list[Question]:
    return [Question(id=n + 1, text=text, at=T0 + dt.timedelta(minutes=n)) for n, text in enumerate(texts)]


def grouped(*texts: str, faqs=FAQS) -> list[set[str]]:
    return [set(group.examples(limit=100)) for group in group_questions(questions(*texts), faqs)]


def test_colloquial_chinese_variants_group_together_and_unrelated_questions_do_not():
    groups = grouped(
        "能不能用花呗分期", "花呗能分期吗", "花呗可以分期付款吗", "花唄能分期嗎",
        "验证码收不到怎么办", "收不到短信验证码", "我手机*******5678收不到验证码",
        "你们卖不卖二手车", "我要投诉，快递十天了还没到", "你们有实体店吗", "今天天气怎么样",
    )
    assert {"能不能用花呗分期", "花呗能分期吗", "花呗可以分期付款吗", "花唄能分期嗎"} in groups
    assert {"验证码收不到怎么办", "收不到短信验证码", "我手机*******5678收不到验证码"} in groups
    for alone in ("你们卖不卖二手车", "我要投诉，快递十天了还没到", "你们有实体店吗", "今天天气怎么样"):
        assert {alone} in groups
    assert len(groups) == 6


def test_english_variants_group_and_stay_apart_from_chinese():
    groups = grouped("can i pay with huabei installments", "Huabei installment?", "do you sell used cars",
                     "二手车卖吗")
    assert {"can i pay with huabei installments", "Huabei installment?"} in groups
    assert {"do you sell used cars"} in groups and {"二手车卖吗"} in groups


def test_same_wording_counts_once_per_message_and_the_biggest_group_comes_first():
    result = group_questions(questions("在吗？", "花呗能分期吗", "花呗能分期吗！", "花呗 能分期吗", "在吗"), FAQS)
    assert [g.count for g in result] == [3, 2]
    assert result[0].text == "花呗能分期吗" and result[0].id == "g2"
    assert result[0].as_json()["item_ids"] == [2, 3, 4]
    assert question_key("花呗 能分期吗！") == question_key("花唄能分期嗎")


def test_a_close_faq_is_suggested_and_none_when_nothing_is_close():
    by_text = {text: g for g in group_questions(questions(
        "能不能用花呗分期", "花呗能分期吗", "发票抬头写错了怎么改", "你们卖不卖二手车"), FAQS) for text in g.examples()}
    assert by_text["能不能用花呗分期"].suggested_faq["id"] == "installment_payment"
    assert by_text["发票抬头写错了怎么改"].suggested_faq["id"] == "invoice_change"
    assert by_text["你们卖不卖二手车"].suggested_faq is None
    assert group_questions(questions("花呗能分期吗"), [])[0].suggested_faq is None


def test_nothing_to_group():
    assert group_questions([], FAQS) == []
    assert group_questions(questions("？？？", "   "), FAQS) == []
