"""The FAQ retrain (rasa train --finetune) keeps the sentiment model when only FAQ examples changed,
and trains it again when anything else it learns from did."""

from __future__ import annotations

import gzip

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.sentiment import SentimentAnalyzer

REVIEWS = "text\tlabel\n" + "".join(f"{t}\t{label}\n" for t, label in [
    ("质量太差了，气死我了", 0), ("垃圾东西，骗子", 0), ("非常好用，很满意", 1), ("物流很快，好评", 1), ("terrible, broken on arrival", 0), ("great value, love it", 1)] * 5)


def data(*faq_texts: str, complaint: str = "你们这是什么垃圾服务") -> TrainingData:
    examples = [Message(data={"text": complaint, "intent": "complaint"}),
                Message(data={"text": "谢谢", "intent": "thanks"})]
    examples += [Message(data={"text": t, "intent": "faq", "intent_response_key": "faq/x"}) for t in faq_texts]
    return TrainingData(training_examples=examples)


@pytest.fixture
def config(tmp_path):
    corpus = tmp_path / "reviews.tsv.gz"
    corpus.write_bytes(gzip.compress(REVIEWS.encode()))
    return {"corpus": str(corpus)}


def retrained(tmp_path, config, first: TrainingData, second: TrainingData) -> tuple[object, object]:
    storage, resource = LocalModelStorage(tmp_path), Resource("sentiment")
    analyzer = SentimentAnalyzer.create(config, storage, resource, ExecutionContext(None))
    analyzer.train(first)
    loaded = SentimentAnalyzer.load(config, storage, resource, ExecutionContext(None, is_finetuning=True))
    before = loaded._model["classifier"]
    loaded.train(second)
    return before, loaded._model["classifier"]


def test_only_faq_examples_changed_keeps_the_model(tmp_path, config):
    before, after = retrained(tmp_path, config, data("运费多少"), data("运费多少", "充电宝能寄吗"))
    assert after is before


def test_another_intent_changed_trains_it_again(tmp_path, config):
    before, after = retrained(tmp_path, config, data("运费多少"), data("运费多少", complaint="气死了还不发货"))
    assert after is not before


def test_a_full_training_always_trains(tmp_path, config):
    storage, resource = LocalModelStorage(tmp_path), Resource("sentiment")
    SentimentAnalyzer.create(config, storage, resource, ExecutionContext(None)).train(data("运费多少"))
    loaded = SentimentAnalyzer.load(config, storage, resource, ExecutionContext(None))  # not finetuning
    before = loaded._model["classifier"]
    loaded.train(data("运费多少"))
    assert loaded._model["classifier"] is not before
