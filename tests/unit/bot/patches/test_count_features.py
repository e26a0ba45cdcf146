"""A message's count-vector features at prediction are Rasa's own, value for value and dtype for dtype."""

from __future__ import annotations

import pytest
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.nlu.training_data.message import Message

from bench.nlu_eval import load_examples
from bot.nlu.normalizer import TextNormalizer
from bot.nlu.tokenizer import ShopTokenizer
from bot.patches import count_features, registry
from kefu.settings import ROOT
from tests.unit.bot.patches.test_count_vectors_batch import CONFIGS, described, featurised

HELDOUT = ROOT / "tests" / "nlu"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Tokeniser and the project's two count vectorisers, trained on the regional training data."""
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    data = featurised(tmp_path_factory.mktemp("counts"), batched=True)
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    context = ExecutionContext(GraphSchema({}), "test")
    normalizer = TextNormalizer.create({}, storage, Resource("normalizer"), context)
    tokenizer = ShopTokenizer.create({**ShopTokenizer.get_default_config(),
                                      "dictionary_path": str(ROOT / "bot" / "nlu" / "dict")},
                                     storage, Resource("tokenizer"), context)
    featurizers = []
    for i, config in enumerate(CONFIGS):
        featurizer = CountVectorsFeaturizer.create({**CountVectorsFeaturizer.get_default_config(), **config},
                                                   storage, Resource(f"counts{i}"), context)
        featurizer.train(data)
        featurizers.append(featurizer)
    return normalizer, tokenizer, featurizers


def _features(trained, text: str) -> list:
    normalizer, tokenizer, featurizers = trained
    message = Message(data={"text": text})
    for component in (normalizer, tokenizer, *featurizers):
        component.process([message])
    return described(message)


def test_every_held_out_message_gets_rasas_features(trained):
    texts = [t for name in ("heldout.yml", "heldout_hk.yml", "heldout_tw.yml") for t, _ in load_examples(HELDOUT / name)]
    texts += ["", "   ", "🙂🙂", "zzzz qqqq", "退款 退款 退款 多久", "x" * 300]
    try:
        expected = [_features(trained, t) for t in texts]
        count_features.install()
        got = [_features(trained, t) for t in texts]
    finally:
        registry.restore()
    assert len(texts) > 700
    for text, a, b in zip(texts, expected, got):
        assert a == b, text
    assert any(rows for rows in got)  # features were compared, not two empty lists


def test_a_binary_vectoriser_counts_once(trained):
    _, _, featurizers = trained
    vectorizer = featurizers[0].vectorizers["text"]
    tokens = ["退款", "退款", "多久"]
    binary = type(vectorizer)(**{**vectorizer.get_params(), "binary": True, "vocabulary": vectorizer.vocabulary_})
    binary.fit(tokens)
    expected = binary.transform([" ".join(tokens)])
    expected.sort_indices()
    got = count_features.counts(binary, [" ".join(tokens)])
    assert got.data.tolist() == expected.tocoo().data.tolist() == [1] * len(got.data)
