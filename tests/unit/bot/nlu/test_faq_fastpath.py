"""FaqFastPath: published FAQ content the model was not trained on, answered by the NLU at once."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

import faq.live
from bot.nlu.faq_fastpath import FaqFastPath
from faq.store import FaqStore

RETURNS = {"id": "return_policy", "category": "after_sales", "question_zh": "支持七天无理由退货吗？",
           "question_en": "Can I return within 7 days?", "examples_zh": ["能退货吗"], "examples_en": ["return it"],
           "answer_zh": "支持七天无理由退货。", "answer_en": "Yes, within 7 days."}
GIFT = {"id": "gift_card_cash", "category": "payment", "question_zh": "礼品卡可以兑换成现金吗？",
        "question_en": "Can a gift card be exchanged for cash?", "examples_zh": ["礼品卡能换钱吗"],
        "examples_en": ["gift card cash out"], "answer_zh": "礼品卡不能兑换现金。", "answer_en": "No cash for gift cards."}


def publish(url: str, *faqs: dict) -> None:
    content = {"categories": [], "faqs": list(faqs)}
    FaqStore(url).record_publication("test", content, files_hash=None, detail="test")
    faq.live._caches.clear()


@pytest.fixture
def component(tmp_path, database_url):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("faq_fastpath")
    config = {**FaqFastPath.get_default_config(), "database_url": database_url}
    trainer = FaqFastPath.create(config, storage, resource, ExecutionContext(None))
    examples = [Message(data={"text": t, "intent": "faq", "intent_response_key": "faq/return_policy"})
                for t in ("支持七天无理由退货吗？", "能退货吗", "Can I return within 7 days?", "return it")]
    examples.append(Message(data={"text": "你好", "intent": "greet"}))
    trainer.train(TrainingData(training_examples=examples))
    # what the Rasa server does: load the trained component from the model storage
    return FaqFastPath.load(config, storage, resource, ExecutionContext(None))


def classified(text: str, intent: str, confidence: float, faq_key: str | None = None) -> Message:
    """A message as LinearIntentClassifier leaves it."""
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": confidence}, add_to_output=True)
    message.set("intent_ranking", [{"name": intent, "confidence": confidence},
                                   {"name": "out_of_scope", "confidence": 1 - confidence}], add_to_output=True)
    if faq_key:
        message.set("response_selector", {"all_retrieval_intents": ["faq"], "faq": {
            "response": {"responses": [], "confidence": 1.0, "intent_response_key": faq_key,
                         "utter_action": f"utter_{faq_key}"},
            "ranking": [{"confidence": 1.0, "intent_response_key": faq_key}]}}, add_to_output=True)
    return message


def selected_key(message: Message) -> str | None:
    return (((message.get("response_selector") or {}).get("faq") or {}).get("response") or {}).get("intent_response_key")


def test_without_published_content_nothing_changes(component):
    message = classified("礼品卡可以兑换成现金吗", "out_of_scope", 0.6)
    component.process([message])
    assert message.get("intent")["name"] == "out_of_scope" and selected_key(message) is None


def test_a_newly_published_question_and_its_colloquial_variants_become_that_faq(component, database_url):
    publish(database_url, RETURNS, GIFT)
    for text in ("礼品卡可以兑换成现金吗？", "禮品卡能換錢嗎", "gift card cash out?"):
        message = classified(text, "out_of_scope", 0.6)
        component.process([message])
        assert message.get("intent")["name"] == "faq", text
        assert selected_key(message) == "faq/gift_card_cash", text
        assert message.get("intent")["confidence"] >= 0.55


def test_questions_the_model_knows_and_unrelated_messages_are_left_to_the_classifier(component, database_url):
    publish(database_url, RETURNS, GIFT)
    known = classified("能退货吗", "faq", 0.9, "faq/return_policy")
    unrelated = classified("我的快递到哪了", "order_status", 0.8)
    component.process([known, unrelated])
    assert selected_key(known) == "faq/return_policy"
    assert unrelated.get("intent")["name"] == "order_status"


def test_an_unpublished_faq_is_no_longer_selected(component, database_url):
    publish(database_url, GIFT)  # return_policy deleted
    message = classified("七天无理由退货", "faq", 0.9, "faq/return_policy")
    component.process([message])
    assert selected_key(message) != "faq/return_policy"
    assert message.get("intent")["name"] != "faq"


def test_paraphrases_of_a_new_faq_are_answered_when_no_known_question_is_closer(component, database_url):
    publish(database_url, RETURNS, GIFT)
    for text in ("礼品卡能不能换成现金", "购物卡里的钱能提现吗", "Is it possible to convert a gift card into cash?"):
        message = classified(text, "complaint", 0.6)
        component.process([message])
        assert selected_key(message) == "faq/gift_card_cash", text


def test_a_confident_other_intent_keeps_a_loosely_similar_message(component, database_url):
    publish(database_url, RETURNS, GIFT)
    message = classified("我买的礼品卡订单到哪了", "order_status", 0.9)
    component.process([message])
    assert message.get("intent")["name"] == "order_status"


def test_a_new_faq_answers_what_the_model_was_sure_was_out_of_scope(component, database_url):
    # the inbox's path: shoppers asked, the model said "not our business", an editor wrote the FAQ
    publish(database_url, RETURNS, GIFT)
    message = classified("购物卡里的钱能提现吗", "out_of_scope", 0.98)
    component.process([message])
    assert selected_key(message) == "faq/gift_card_cash"
    ranking = message.get("intent_ranking")  # faq first, the rest scaled into what is left
    assert ranking[0]["name"] == "faq" and ranking[0]["confidence"] >= ranking[1]["confidence"]
    assert sum(r["confidence"] for r in ranking) <= 1.0 + 1e-9
