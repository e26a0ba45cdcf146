"""Kefu's NLU graph components, trained and run with Rasa's real featurizers and model storage."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import sentence_encoder
from bot.nlu.classifier import LinearIntentClassifier
from bot.nlu.normalizer import TextNormalizer
from bot.nlu.sentence_encoder import SentenceEncoderFeaturizer, recent_vector
from bot.nlu.sentence_matrix import message_row
from bot.nlu.tokenizer import ShopTokenizer
from kefu.settings import ROOT

EXAMPLES = {
    "greet": ["你好", "在吗", "亲在不在", "hello", "hi there", "早上好"],
    "order_status": ["我的快递到哪了", "查一下我的订单", "帮我查物流", "where is my order", "track my package",
                     "我买的东西发货了没"],
    "faq/shipping_fee": ["运费怎么算", "包邮吗", "满多少包邮", "how much is shipping", "is delivery free",
                         "运费多少钱"],
    "faq/refund_time": ["退款多久到账", "退款几天能到", "钱什么时候退回来", "how long does a refund take",
                        "when do i get my money back", "退款要多久"],
}
RESPONSES = {"utter_faq/shipping_fee": [{"text": "满99包邮"}], "utter_faq/refund_time": [{"text": "1-3天"}]}


def _message(text: str, label: str) -> Message:
    intent, _, _ = label.partition("/")
    data = {"text": text, "intent": intent}
    if "/" in label:
        data["intent_response_key"] = label
    return Message(data=data)


@pytest.fixture()
def storage(tmp_path):
    return LocalModelStorage(tmp_path)


@pytest.fixture()
def context():
    return ExecutionContext(GraphSchema({}), "test")


def _pipeline(storage, context):
    normalizer = TextNormalizer.create({}, storage, Resource("normalizer"), context)
    tokenizer = ShopTokenizer.create({**ShopTokenizer.get_default_config(),
                                      "dictionary_path": str(ROOT / "bot" / "nlu" / "dict")},
                                     storage, Resource("tokenizer"), context)
    words = CountVectorsFeaturizer.create({**CountVectorsFeaturizer.get_default_config(), "analyzer": "word"},
                                          storage, Resource("words"), context)
    chars = CountVectorsFeaturizer.create({**CountVectorsFeaturizer.get_default_config(), "analyzer": "char_wb",
                                           "min_ngram": 1, "max_ngram": 4}, storage, Resource("chars"), context)
    return normalizer, tokenizer, words, chars


def _train(storage, context, *, sentences: bool = False, **classifier_config):
    normalizer, tokenizer, words, chars = _pipeline(storage, context)
    featurizers = [words, chars]
    if sentences:
        featurizers.append(SentenceEncoderFeaturizer.create(SentenceEncoderFeaturizer.get_default_config(),
                                                            storage, Resource("sentences"), context))
    data = TrainingData([_message(t, label) for label, texts in EXAMPLES.items() for t in texts], responses=RESPONSES)
    normalizer.process_training_data(data)
    tokenizer.process_training_data(data)
    for featurizer in featurizers:
        if hasattr(featurizer, "train"):
            featurizer.train(data)
        featurizer.process_training_data(data)
    resource = Resource("classifier")
    config = {**LinearIntentClassifier.get_default_config(), **classifier_config}
    classifier = LinearIntentClassifier.create(config, storage, resource, context)
    classifier.train(data)

    def parse(text: str, model=classifier) -> dict:
        message = Message(data={"text": text})
        for component in (normalizer, tokenizer, *featurizers, model):
            component.process([message])
        return message.as_dict(only_output_properties=True)

    return parse, config, resource


@pytest.fixture()
def trained(storage, context):
    return _train(storage, context)


@pytest.fixture()
def trained_with_sentences(storage, context):
    return _train(storage, context, sentences=True)


def test_normalizer_rewrites_text_and_tags_language(storage, context):
    normalizer = TextNormalizer.create({}, storage, Resource("n"), context)
    message = Message(data={"text": "我的訂單到哪了？２６１１"})
    normalizer.process([message])
    assert message.get("text") == "我的订单到哪了?2611"
    assert message.get("entities") == [{"entity": "language", "value": "zh-Hant", "start": 0, "end": 0,
                                        "confidence_entity": 1.0, "extractor": "TextNormalizer"}]
    digits = Message(data={"text": "261103004817"})
    normalizer.process([digits])
    assert not digits.get("entities")  # no words: the conversation keeps its language


@pytest.mark.parametrize("text, language, script", [
    ("唔該晒！", "zh-Hant", "hk"), ("唔好", "zh-Hant", "hk"), ("安安", "zh-Hant", "tw"), ("宅配什麼時候會到", "zh-Hant", "tw"),
    ("唔该晒", "zh-Hans", "hk"),  # Cantonese in simplified characters: simplified replies, region noted
    ("我的訂單到哪了", "zh-Hant", None),  # traditional, no sign of a region: the conversation keeps its own
    ("check下 my order pls", "en", None),
])
def test_normalizer_tags_the_region_of_cantonese_and_taiwanese_writing(storage, context, text, language, script):
    normalizer = TextNormalizer.create({}, storage, Resource("n"), context)
    message = Message(data={"text": text})
    normalizer.process([message])
    entities = {e["entity"]: e["value"] for e in message.get("entities")}
    assert entities == ({"language": language, "script": script} if script else {"language": language})


def test_tokenizer_drops_spaces_and_shapes_numbers(storage, context):
    tokenizer = ShopTokenizer.create({**ShopTokenizer.get_default_config(),
                                      "dictionary_path": str(ROOT / "bot" / "nlu" / "dict")},
                                     storage, Resource("t"), context)
    tokens = tokenizer.tokenize(Message(data={"text": "where is 订单 261103004817 花呗"}), "text")
    assert [t.text for t in tokens] == ["where", "is", "订单", "261103004817", "花呗"]
    assert tokens[3].lemma == "<num12>" and tokens[4].lemma == "花呗"  # 花呗 from the shop dictionary


def test_classifier_predicts_intents_and_fills_the_standard_response_selector(trained):
    parse, _, _ = trained
    result = parse("運費怎麼算呀")
    assert result["intent"]["name"] == "faq"
    selector = result["response_selector"]
    assert selector["all_retrieval_intents"] == ["faq"]
    response = selector["faq"]["response"]
    assert response["intent_response_key"] == "faq/shipping_fee"
    assert response["utter_action"] == "utter_faq/shipping_fee"
    assert response["responses"] == [{"text": "满99包邮"}]
    assert [r["intent_response_key"] for r in selector["faq"]["ranking"]] == ["faq/shipping_fee", "faq/refund_time"]
    assert parse("where is my parcel")["intent"]["name"] == "order_status"


def test_faq_confidence_is_the_sum_of_its_sub_intents(trained):
    parse, _, _ = trained
    result = parse("退款多久能到")
    ranking = {r["name"]: r["confidence"] for r in result["intent_ranking"]}
    assert sum(ranking.values()) == pytest.approx(1.0)
    selector = result["response_selector"]["faq"]["ranking"]
    sub_intents = {r["intent_response_key"]: r["confidence"] for r in selector}
    assert sum(sub_intents.values()) == pytest.approx(1.0)
    assert result["intent"]["confidence"] == pytest.approx(ranking["faq"])
    assert max(sub_intents, key=sub_intents.get) == "faq/refund_time"


@pytest.mark.parametrize("model", ["trained", "trained_with_sentences"])
def test_probabilities_equal_scikit_learn_and_survive_persistence(model, request, storage, context):
    parse, config, resource = request.getfixturevalue(model)
    loaded = LinearIntentClassifier.load(config, storage, resource, context)
    for text in ("你好", "how long is a refund", "包邮吗亲", "查物流"):
        assert parse(text, loaded) == parse(text)
    model = loaded._model
    for text in ("运费多少", "退款 退款 退款 多久", "hello hello", "查物流 261103004817"):
        message = _featurised(parse, text)
        expected = model["classifier"].predict_proba(loaded._matrix([message]))[0]
        assert np.allclose(loaded._predict_one(message), expected, rtol=0, atol=1e-12)


def _featurised(parse, text):
    """A message carrying the features the pipeline gives it."""
    captured = {}

    class Capture:
        _model = None

        def process(self, messages):
            captured["message"] = messages[0]
            return messages

    parse(text, Capture())
    return captured["message"]


def test_a_message_row_is_rasas_combined_sentence_features(trained_with_sentences):
    """The classifier reads a message's features once (message_row) instead of through Rasa's
    combining, with the same values in the same order."""
    parse, _, _ = trained_with_sentences
    for text in ("运费多少", "退款 退款 退款 多久", "hello hello", "查物流 261103004817", "zzzz"):
        message = _featurised(parse, text)
        (indices, counts), dense = message_row(message, "text")
        _, sparse_expected = message.get_sparse_features("text")
        _, dense_expected = message.get_dense_features("text")
        expected = scipy.sparse.csr_matrix(sparse_expected.features)
        expected.sum_duplicates()
        assert indices.tolist() == expected.indices.tolist() and counts.tolist() == expected.data.tolist()
        assert dense.dtype == dense_expected.features.dtype
        assert dense.tolist() == dense_expected.features.reshape(-1).tolist()


def test_sparse_features_of_another_kind_are_combined_rasas_way():
    message = Message(data={"text": "x"})
    # a CSR row, and a COO row with a repeated column: not what the count vectorisers give
    message.add_features(Features(scipy.sparse.csr_matrix(np.array([[0, 2, 0, 1]])), "sentence", "text", "a"))
    message.add_features(Features(scipy.sparse.coo_matrix((np.array([1, 3]), (np.array([0, 0]), np.array([1, 1]))),
                                                          shape=(1, 3)), "sentence", "text", "b"))
    (indices, counts), dense = message_row(message, "text")
    assert indices.tolist() == [1, 3, 5] and counts.tolist() == [2, 1, 4] and dense is None


def test_a_loaded_model_predicts_with_one_blas_thread(trained_with_sentences, storage, context):
    """BLAS threads beside a parse only spin (as much CPU again as the parse itself); a model
    loaded to predict leaves one."""
    from threadpoolctl import threadpool_info

    parse, config, resource = trained_with_sentences
    loaded = LinearIntentClassifier.load(config, storage, resource, context)
    assert {library["num_threads"] for library in threadpool_info() if library["user_api"] == "blas"} == {1}
    assert parse("how long is a refund", loaded) == parse("how long is a refund")


def test_empty_text_predicts_no_intent(trained):
    parse, _, _ = trained
    assert parse("")["intent"]["name"] is None


def test_sentence_encoder_adds_one_sentence_vector_that_knows_paraphrases(storage, context):
    # no vector cache: the vectors are the encoder's own (test_vector_cache.py tests the cache)
    encoder = SentenceEncoderFeaturizer.create({**SentenceEncoderFeaturizer.get_default_config(), "cache_dir": None},
                                               storage, Resource("sentences"), context)

    def vector(text):
        message = Message(data={"text": text})
        encoder.process([message])
        sequence, sentence = message.get_dense_features("text")
        assert sequence is None and sentence.features.shape == (1, 512)
        return sentence.features[0]

    refund = vector("how long does a refund take")
    assert np.linalg.norm(refund) == pytest.approx(1.0, abs=1e-3)
    # no word in common, same question; and across languages
    assert refund @ vector("when will I get my money back") > refund @ vector("where is my parcel")
    assert vector("退款多久到账") @ refund > vector("退款多久到账") @ vector("what is your phone number")
    # training and prediction give a text the same vector
    data = TrainingData([Message(data={"text": "how long does a refund take", "intent": "x"})])
    encoder.process_training_data(data)
    assert np.allclose(data.training_examples[0].get_dense_features("text")[1].features[0], refund)


def test_a_text_parsed_again_gets_its_vector_without_the_encoder(storage, context):
    encoder = SentenceEncoderFeaturizer.create({**SentenceEncoderFeaturizer.get_default_config(), "cache_dir": None},
                                               storage, Resource("sentences"), context)

    def vector(text):
        message = Message(data={"text": text})
        encoder.process([message])
        [feature] = message.features  # the stored array itself (get_dense_features gives a copy)
        return feature.features[0]

    recent_vector.cache_clear()
    first = vector("有没有优惠券")
    again = vector("有没有优惠券")
    assert recent_vector.cache_info().hits == 1 and recent_vector.cache_info().misses == 1
    assert again.tolist() == first.tolist() == sentence_encoder.encoder().encode("有没有优惠券").tolist()
    with pytest.raises(ValueError):  # shared between messages: nobody may change it in place
        again[0] = 0.0
    vector("有没有优惠卷")  # another text is encoded
    assert recent_vector.cache_info().misses == 2


def test_sentence_vectors_carry_paraphrases_that_share_no_words(trained_with_sentences):
    parse, _, _ = trained_with_sentences
    assert parse("how many days until the cash comes back to me")["response_selector"]["faq"]["response"][
        "intent_response_key"] == "faq/refund_time"
    assert parse("has my stuff been sent out yet")["intent"]["name"] == "order_status"


def test_a_message_of_only_unknown_words_gets_no_intent(trained_with_sentences):
    parse, _, _ = trained_with_sentences
    # its sentence vector would place it somewhere; no word of it was ever seen, so: not understood
    result = parse("blorp zinga frumious")
    assert result["intent"] == {"name": None, "confidence": 0.0} and result["intent_ranking"] == []
    # one known word is enough to be judged
    assert parse("blorp refund zinga")["intent"]["name"] is not None


def test_unknown_words_close_to_a_training_example_are_judged(storage, context):
    parse, _, _ = _train(storage, context, sentences=True, unknown_words_similarity=0.7)
    # no word of them was seen in training, but their sentence vectors are next to "hello"'s (~0.8)
    assert parse("heyyy")["intent"]["name"] == "greet"
    assert parse("hiya")["intent"]["name"] == "greet"
    # nothing near it (0.27): not judged
    assert parse("blorp zinga frumious")["intent"]["name"] is None


def test_nearest_training_examples_take_their_share_of_the_probabilities(storage, context):
    weight, count = 0.5, 3
    parse, config, resource = _train(storage, context, sentences=True, neighbour_weight=weight, neighbours=count)
    alone = LinearIntentClassifier.load({**config, "neighbour_weight": 0.0}, storage, resource, context)
    encoder = SentenceEncoderFeaturizer.create(SentenceEncoderFeaturizer.get_default_config(),
                                               storage, Resource("sentences"), context)
    examples = [(text, label) for label, texts in EXAMPLES.items() for text in texts]

    def vector(text):
        message = Message(data={"text": text})
        TextNormalizer.create({}, storage, Resource("n"), context).process([message])
        encoder.process([message])
        v = message.get_dense_features("text")[1].features[0]
        return v / np.linalg.norm(v)

    training = np.array([vector(text) for text, _ in examples])
    for text in ("how many days until my money is back", "运费要多少", "hey"):
        similarity = training @ vector(text)
        nearest = np.argsort(-similarity)[:count]
        votes = {}
        for i in nearest:
            intent = examples[i][1].partition("/")[0]
            votes[intent] = votes.get(intent, 0.0) + similarity[i]
        own = {r["name"]: r["confidence"] for r in parse(text, alone)["intent_ranking"]}
        mixed = {r["name"]: r["confidence"] for r in parse(text)["intent_ranking"]}
        for intent, probability in own.items():
            expected = (1 - weight) * probability + weight * votes.get(intent, 0.0) / sum(votes.values())
            assert mixed[intent] == pytest.approx(expected, abs=1e-5), (text, intent)
    # the closest paraphrase wins where its examples outvote the linear model
    assert parse("how many days until my money is back")["response_selector"]["faq"]["response"][
        "intent_response_key"] == "faq/refund_time"
