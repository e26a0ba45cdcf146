"""KefuNLG: replies in the customer's language and, in traditional characters, their region's forms."""

from __future__ import annotations

import asyncio

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from bot.nlg import KefuNLG

RESPONSES = {
    "utter_ask_order_id": [
        {"condition": [{"type": "slot", "name": "language", "value": "en"}], "text": "Your order number, please."},
        {"text": "为了查询，请发给我您的订单号（可在“我的订单”里找到）。",
         "buttons": [{"title": "转人工", "payload": "/request_human"}]},
    ],
    "utter_faq/shipping_regions": [{"text": "我们配送中国大陆全部地区以及香港、澳门、台湾。"}],
}


def _domain() -> Domain:
    return Domain.from_dict({
        "slots": {
            "language": {"type": "categorical", "values": ["zh-Hans", "zh-Hant", "en"],
                         "influence_conversation": False, "mappings": []},
            "script": {"type": "categorical", "values": ["hk", "tw"], "influence_conversation": False,
                       "mappings": []},
        },
        "responses": RESPONSES,
    })


def reply(action: str, language: str | None, script: str | None = None) -> dict:
    domain = _domain()
    tracker = DialogueStateTracker.from_events(
        "t", [SlotSet("language", language), SlotSet("script", script)], slots=domain.slots)
    return asyncio.run(KefuNLG(domain=domain).generate(action, tracker, "rest"))


@pytest.mark.parametrize("script, text, button", [
    ("tw", "為了查詢，請發給我您的訂單號（可在“我的訂單”裡找到）。", "轉人工"),
    ("hk", "為了查詢，請發給我您的訂單號（可在“我的訂單”裏找到）。", "轉人工"),
    (None, "為了查詢，請發給我您的訂單號（可在“我的訂單”裡找到）。", "轉人工"),  # not OpenCC's generic 爲
])
def test_traditional_replies_in_the_forms_of_the_customer_s_region(script, text, button):
    response = reply("utter_ask_order_id", "zh-Hant", script)
    assert response["text"] == text and response["buttons"][0]["title"] == button


def test_faq_answers_too():
    assert reply("utter_faq/shipping_regions", "zh-Hant", "tw")["text"] == "我們配送中國大陸全部地區以及香港、澳門、台灣。"
    assert reply("utter_faq/shipping_regions", "zh-Hant", "hk")["text"] == "我們配送中國大陸全部地區以及香港、澳門、台灣。"
    assert reply("utter_faq/shipping_regions", "zh-Hant")["text"] == "我們配送中國大陸全部地區以及香港、澳門、台灣。"


def test_the_region_changes_nothing_for_simplified_and_english_readers():
    assert reply("utter_ask_order_id", "zh-Hans", "hk")["text"] == RESPONSES["utter_ask_order_id"][1]["text"]
    assert reply("utter_ask_order_id", "en", "tw")["text"] == "Your order number, please."


def _conversation(*messages: str) -> DialogueStateTracker:
    """A tracker whose user messages are ``messages``, the ``language`` slot as NLU sets it."""
    from rasa.shared.core.events import UserUttered

    from kefu.text import detect_language

    domain = _domain()
    events = []
    for text in messages:
        events.append(UserUttered(text))
        if detect_language(text):
            events.append(SlotSet("language", detect_language(text)))
    return DialogueStateTracker.from_events("t", events, slots=domain.slots)


@pytest.mark.parametrize("messages, text", [
    # 先不要 is written alike in both scripts: the customer's traditional writing before decides
    (("我要取消訂單", "先不要"), "為了查詢，請發給我您的訂單號（可在“我的訂單”裡找到）。"),
    (("我要取消訂單", "261121000215", "好的"), "為了查詢，請發給我您的訂單號（可在“我的訂單”裡找到）。"),
    (("我要取消订单", "先不要"), RESPONSES["utter_ask_order_id"][1]["text"]),  # simplified stays simplified
    (("cancel my order", "先不要"), RESPONSES["utter_ask_order_id"][1]["text"]),  # Chinese after English
])
def test_a_message_both_scripts_write_alike_keeps_the_customer_s_script(messages, text):
    tracker = _conversation(*messages)
    response = asyncio.run(KefuNLG(domain=_domain()).generate("utter_ask_order_id", tracker, "rest"))
    assert response["text"] == text


def test_an_action_may_name_the_reply_s_language_and_script():
    # the greeting of a known customer: their profile's language, whatever the slots said before
    domain = _domain()
    tracker = DialogueStateTracker.from_events("t", [SlotSet("language", "zh-Hans")], slots=domain.slots)
    nlg = KefuNLG(domain=domain)
    hk = asyncio.run(nlg.generate("utter_ask_order_id", tracker, "rest", reply_language="zh-Hant", reply_script="hk"))
    assert hk["text"] == "為了查詢，請發給我您的訂單號（可在“我的訂單”裏找到）。"
    en = asyncio.run(nlg.generate("utter_ask_order_id", tracker, "rest", reply_language="en", reply_script=None))
    assert en["text"] == "Your order number, please."
    # a value that is no language of the domain is ignored: the slots decide
    assert asyncio.run(nlg.generate("utter_ask_order_id", tracker, "rest", reply_language="fr"))["text"].startswith("为了")
