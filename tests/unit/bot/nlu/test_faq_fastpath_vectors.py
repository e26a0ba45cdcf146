"""FaqFastPath's sentence-vector vote: a new FAQ's paraphrases that share no characters with its
questions win before the retrain, unless a training example is as close or the classifier is
sure of another intent. The vectors are the pipeline's own encoder's (bot.nlu.sentence_encoder)."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

import faq.live
from bot.nlu.classifier import NEAREST_KEY
from bot.nlu.faq_fastpath import FaqFastPath
from bot.nlu.sentence_encoder import encoder
from faq.store import FaqStore
from kefu.text import normalize

SHIPPING = {"id": "shipping_fee", "category": "shipping", "question_zh": "运费怎么算？",
            "question_en": "How is the shipping fee calculated?", "examples_zh": ["包邮吗", "运费多少"],
            "examples_en": ["is shipping free"], "answer_zh": "满99元包邮。", "answer_en": "Free from 99 yuan."}
BATTERY = {"id": "battery_shipping", "category": "shipping", "question_zh": "含锂电池的商品可以寄吗？",
           "question_en": "Can you ship products with lithium batteries?",
           "examples_zh": ["充电宝能发快递吗", "带电池的东西能寄吗"], "examples_en": ["do you ship power banks"],
           "answer_zh": "含锂电池的商品走陆运，可以寄。", "answer_en": "Battery products go by ground."}
#: What the model was trained on (the shipping FAQ and a few other intents).
TRAINED = {"运费怎么算？": "faq/shipping_fee", "包邮吗": "faq/shipping_fee", "运费多少": "faq/shipping_fee",
           "How is the shipping fee calculated?": "faq/shipping_fee", "is shipping free": "faq/shipping_fee",
           "我的快递到哪了": "order_status", "查一下订单": "order_status", "你好": "greet", "谢谢": "thanks"}


def publish(url: str, *faqs: dict) -> None:
    FaqStore(url).record_publication("test", {"categories": [], "faqs": list(faqs)}, files_hash=None, detail="test")
    faq.live._caches.clear()


def unit(texts: list[str]) -> np.ndarray:
    vectors = np.asarray(encoder().encode([normalize(t) for t in texts]), dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def trained_vectors() -> np.ndarray:
    return unit(list(TRAINED))


@pytest.fixture
def component(tmp_path, database_url):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("faq_fastpath")
    config = {**FaqFastPath.get_default_config(), "database_url": database_url}
    trainer = FaqFastPath.create(config, storage, resource, ExecutionContext(None))
    trainer.train(TrainingData(training_examples=[
        Message(data={"text": text, "intent": label.split("/")[0],
                      **({"intent_response_key": label} if "/" in label else {})})
        for text, label in TRAINED.items()]))
    return FaqFastPath.load(config, storage, resource, ExecutionContext(None))


def classified(text: str, intent: str, confidence: float, trained_vectors: np.ndarray) -> Message:
    """A message as the pipeline leaves it before the fast path: normalised, its sentence vector
    as a dense feature, the classifier's intent and its nearest training examples."""
    message = Message(data={"text": normalize(text)})
    vector = unit([text])[0]
    message.add_features(Features(vector.reshape(1, -1), "sentence", "text", "SentenceEncoderFeaturizer"))
    similarities = trained_vectors @ vector
    order = np.argsort(-similarities)
    message.set(NEAREST_KEY, {"similarity": [float(similarities[i]) for i in order],
                              "label": [list(TRAINED.values())[i] for i in order]})
    message.set("intent", {"name": intent, "confidence": confidence}, add_to_output=True)
    message.set("intent_ranking", [{"name": intent, "confidence": confidence},
                                   {"name": "out_of_scope", "confidence": 1 - confidence}], add_to_output=True)
    return message


def selected_key(message: Message) -> str | None:
    return (((message.get("response_selector") or {}).get("faq") or {}).get("response") or {}).get("intent_response_key")


PARAPHRASES = ["我想买个充电宝，你们能给我寄过来吗", "移动电源可以发货吗", "can you send me a power bank"]


@pytest.mark.parametrize("text", PARAPHRASES)
def test_a_paraphrase_sharing_no_words_with_the_new_faq_is_answered_by_its_sentence_vector(
        component, database_url, trained_vectors, text):
    publish(database_url, SHIPPING, BATTERY)
    message = classified(text, "faq", 0.5, trained_vectors)
    component.process([message])
    assert selected_key(message) == "faq/battery_shipping"
    assert message.get("intent")["name"] == "faq" and message.get("intent")["confidence"] >= 0.5


def test_without_sentence_vectors_the_character_path_alone_misses_it(component, database_url, trained_vectors):
    publish(database_url, SHIPPING, BATTERY)
    component._config["sentence_vectors"] = False
    message = classified("移动电源可以发货吗", "faq", 0.5, trained_vectors)  # shares 可以, 吗 with the question
    component.process([message])
    assert selected_key(message) != "faq/battery_shipping"


@pytest.mark.parametrize("text", ["运费多少钱", "is shipping free?"])
def test_a_message_as_close_to_a_training_example_stays_with_the_classifier(component, database_url,
                                                                             trained_vectors, text):
    publish(database_url, SHIPPING, BATTERY)
    message = classified(text, "faq", 0.5, trained_vectors)
    component.process([message])
    assert selected_key(message) != "faq/battery_shipping"


def test_a_classifier_sure_of_another_intent_keeps_the_message(component, database_url, trained_vectors):
    publish(database_url, SHIPPING, BATTERY)
    message = classified("我想买个充电宝，你们能给我寄过来吗", "order_status", 0.95, trained_vectors)
    component.process([message])
    assert message.get("intent")["name"] == "order_status" and selected_key(message) is None


def test_an_unrelated_message_is_not_taken(component, database_url, trained_vectors):
    publish(database_url, SHIPPING, BATTERY)
    for text in ("今天天气怎么样", "who won the world cup", "我要投诉你们"):
        message = classified(text, "out_of_scope", 0.5, trained_vectors)
        component.process([message])
        assert selected_key(message) is None, text


def test_the_new_questions_are_encoded_once_per_publication(component, database_url, trained_vectors, monkeypatch):
    publish(database_url, SHIPPING, BATTERY)
    messages = [classified(text, "faq", 0.5, trained_vectors) for text in PARAPHRASES]
    calls: list[list[str]] = []
    original = encoder().encode
    monkeypatch.setattr(encoder(), "encode", lambda texts: calls.append(list(texts)) or original(texts))
    for message in messages:
        component.process([message])
    assert len(calls) == 1 and normalize(BATTERY["question_zh"]) in calls[0]
    assert normalize(SHIPPING["question_zh"]) not in calls[0]  # trained: the classifier knows it
    publish(database_url, SHIPPING, BATTERY, {**BATTERY, "id": "battery_two", "question_zh": "电池能寄吗"})
    message = classified(PARAPHRASES[0], "faq", 0.5, trained_vectors)
    calls.clear()
    component.process([message])
    assert len(calls) == 1 and "电池能寄吗" in calls[0]
