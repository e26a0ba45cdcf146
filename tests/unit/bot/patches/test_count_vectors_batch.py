"""The count vectorisers' batched featurisation gives every training example Rasa's own features."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.nlu.training_data import loading
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.normalizer import TextNormalizer
from bot.nlu.sentence_matrix import combined, sentence_features
from bot.nlu.tokenizer import ShopTokenizer
from bot.patches import count_vectors_batch
from kefu.settings import ROOT

CONFIGS = ({"analyzer": "word", "min_ngram": 1, "max_ngram": 2}, {"analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4})


def project_data() -> TrainingData:
    """Real training data: Cantonese and Taiwanese examples, with responses and an example without text."""
    data = loading.load_data(str(ROOT / "data" / "nlu" / "cantonese.yml"))
    data = data.merge(loading.load_data(str(ROOT / "data" / "nlu" / "taiwan.yml")))
    faq = Message(data={"text": "运费点计", "intent": "faq", "intent_response_key": "faq/shipping_fee",
                        "response": "满99包邮，不满收 8 元"})
    return data.merge(TrainingData([Message(data={"intent": "greet"}), faq]))


def featurised(tmp_path, batched: bool) -> TrainingData:
    folder = tmp_path / ("batched" if batched else "rasa")
    folder.mkdir()
    storage = LocalModelStorage(folder)
    context = ExecutionContext(GraphSchema({}), "test")
    data = project_data()
    TextNormalizer.create({}, storage, Resource("normalizer"), context).process_training_data(data)
    ShopTokenizer.create({**ShopTokenizer.get_default_config(), "dictionary_path": str(ROOT / "bot" / "nlu" / "dict")},
                         storage, Resource("tokenizer"), context).process_training_data(data)
    for i, config in enumerate(CONFIGS):
        featurizer = CountVectorsFeaturizer.create({**CountVectorsFeaturizer.get_default_config(), **config},
                                                   storage, Resource(f"counts{i}"), context)
        featurizer.train(data)
        if batched:
            count_vectors_batch.process_training_data(featurizer, data)
        else:
            featurizer.process_training_data(data)
    return data


def described(message: Message) -> list:
    rows = []
    for f in message.features:
        m = f.features
        rows.append((f.attribute, f.type, f.origin, m.format, m.shape, str(m.dtype), str(m.row.dtype),
                     str(m.col.dtype), m.row.tolist(), m.col.tolist(), m.data.tolist()))
    return rows


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("counts")
    return featurised(tmp, batched=False), featurised(tmp, batched=True)


def test_every_example_gets_the_same_features_in_the_same_order(both):
    rasa, batched = both
    assert len(rasa.training_examples) == len(batched.training_examples) > 500
    for a, b in zip(rasa.training_examples, batched.training_examples):
        assert a.get("text") == b.get("text")
        assert described(a) == described(b)
    assert any(not m.features_present("text") for m in batched.training_examples)  # the example without text
    assert any(m.features_present("response") for m in batched.training_examples)


def test_the_classifiers_sentence_matrix_is_rasas_combined_features(both):
    _, batched = both
    messages = [m for m in batched.training_examples if m.features_present("text")]
    sparse, dense = sentence_features(messages, "text")
    expected, expected_dense = combined(messages, "text")
    assert dense is None and expected_dense is None
    assert sparse.shape == expected.shape
    assert (sparse.indptr == expected.indptr).all() and (sparse.indices == expected.indices).all()
    assert (sparse.data == expected.data).all()
