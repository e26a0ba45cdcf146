"""The negative-sentiment check of the NLU pipeline (bot.nlu.sentiment.SentimentAnalyzer).

Trained here exactly as ``rasa train`` trains it (the review corpus's training split plus the
project's NLU data), persisted and loaded back through Rasa's model storage.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.sentiment import SentimentAnalyzer, lexicon_score, load_corpus, load_lexicon, zh_lexicon_score
from kefu.settings import ROOT
from kefu.text import normalize

TEST_SPLIT = ROOT / "tests" / "nlu" / "sentiment_zh_test.tsv.gz"


@pytest.fixture(scope="module")
def analyzer(tmp_path_factory) -> SentimentAnalyzer:
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    resource = Resource("sentiment")
    context = ExecutionContext(graph_schema=None, model_id="test")  # type: ignore[arg-type]
    data = load_data(str(ROOT / "data" / "nlu"))
    for example in data.training_examples:  # as the TextNormalizer before it does
        if example.get("text"):
            example.set("text", normalize(example.get("text")))
    SentimentAnalyzer.create({}, storage, resource, context).train(data)
    return SentimentAnalyzer.load(SentimentAnalyzer.get_default_config(), storage, resource, context)


def parse(analyzer, text: str, intent: str, confidence: float = 0.6) -> Message:
    message = Message(data={"text": normalize(text), "intent": {"name": intent, "confidence": confidence},
                            "intent_ranking": [{"name": intent, "confidence": confidence}]})
    return analyzer.process([message])[0]


@pytest.mark.parametrize(
    "text, intent",
    [
        ("这次购物体验太糟糕了，退款什么时候到账", "faq"),
        ("我的快递怎么还不到，烦死了", "order_status"),
        ("这么久了还不发货，气死我了，帮我取消订单", "cancel_order"),
        ("耳机才用了两天就坏了，太失望了，能换一个吗", "return_request"),
        ("My headphones stopped working after two days, I'm really disappointed", "faq"),
        ("I'm so frustrated, my parcel is two weeks late", "order_status"),
    ],
)
def test_upset_requests_become_complaints_and_keep_their_intent(analyzer, text, intent):
    message = parse(analyzer, text, intent)
    assert message.get("intent")["name"] == "complaint"
    sentiment = message.get("sentiment")
    assert sentiment["label"] == "negative" and sentiment["intent_before"] == intent
    assert message.get("intent_ranking")[0]["name"] == intent  # the classifier's ranking is kept


@pytest.mark.parametrize(
    "text, intent",
    [
        ("我的快递到哪了", "order_status"), ("运费怎么算", "faq"), ("收到不满意可以退吗", "faq"),
        ("外包装压坏了里面也坏了", "faq"), ("where is my order", "order_status"), ("？？？", "faq"),
        ("my parcel arrived damaged, incomplete or with the wrong item.", "faq"), ("好的", "affirm"),
    ],
)
def test_calm_requests_keep_their_intent(analyzer, text, intent):
    message = parse(analyzer, text, intent)
    assert message.get("intent")["name"] == intent
    assert message.get("sentiment")["label"] == "neutral"
    assert "intent_before" not in message.get("sentiment")


def test_only_requests_are_escalated_not_greetings_or_handoff_requests(analyzer):
    for intent in ("greet", "thank", "request_human", "complaint"):
        message = parse(analyzer, "气死我了，太失望了", intent)
        assert message.get("intent")["name"] == intent
        assert message.get("sentiment")["label"] == "negative"


def test_an_upset_question_no_faq_answers_still_goes_to_a_person(analyzer):
    # the FAQ gate turns a doubtful FAQ into out_of_scope: an upset shopper must not be left there
    message = parse(analyzer, "气死我了，太失望了", "out_of_scope")
    assert message.get("intent")["name"] == "complaint"
    assert message.get("sentiment")["intent_before"] == "out_of_scope"


def test_every_parse_gets_a_sentiment_in_the_output(analyzer):
    message = parse(analyzer, "谢谢你", "thank")
    assert set(message.get("sentiment")) >= {"label", "score", "model", "lexicon"}
    assert "sentiment" in message.as_dict_nlu() or message.get("sentiment")


def test_model_on_the_held_out_review_split(analyzer):
    """Negative vs positive on the review corpus's test split (never trained on): the model alone."""
    rows = load_corpus(TEST_SPLIT)
    assert len(rows) > 1500
    texts = [normalize(text)[:150] for text, _ in rows]
    negative_index = analyzer._model["negative_index"]
    probabilities = analyzer._model["classifier"].predict_proba(analyzer._model["vectorizer"].transform(texts))
    correct = sum((p[negative_index] >= 0.5) == (label == 0) for p, (_, label) in zip(probabilities, rows))
    assert correct / len(rows) >= 0.80


def test_heldout_chat_messages_no_false_alarms(analyzer):
    """On the NLU held-out set (never trained on): complaints are caught, nothing else is flagged."""
    held = load_data(str(ROOT / "tests" / "nlu" / "heldout.yml"))
    flagged = {True: 0, False: 0}
    totals = {True: 0, False: 0}
    for example in held.intent_examples:
        is_complaint = example.get("intent") == "complaint"
        totals[is_complaint] += 1
        flagged[is_complaint] += analyzer.score(normalize(example.get("text")))["label"] == "negative"
    assert flagged[False] == 0
    assert flagged[True] / totals[True] >= 0.8


def test_lexicons():
    english = load_lexicon(ROOT / "bot" / "nlu" / "sentiment" / "en_negative.tsv")
    assert lexicon_score("really disappointed", english) == (4.5, True)
    assert lexicon_score("not happy at all", english) == (3.0, True)
    assert lexicon_score("that was not helpful", english) == (1.5, False)
    assert lexicon_score("really not helpful", english) == (3.0, True)
    assert lexicon_score("where is my order", english) == (0.0, False)
    assert zh_lexicon_score("太失望了", {"失望": 3.0}) == (4.5, True)
    assert zh_lexicon_score("坏了坏了", {"坏了": 1.5}) == (3.0, False)


def test_missing_model_predicts_nothing(tmp_path):
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(graph_schema=None, model_id="x")  # type: ignore[arg-type]
    analyzer = SentimentAnalyzer.load({}, storage, Resource("nothing"), context)
    message = Message(data={"text": "气死了", "intent": {"name": "faq", "confidence": 0.9}})
    assert analyzer.process([message])[0].get("intent")["name"] == "faq"


def test_corpus_files_are_the_training_split_only():
    train = {text for text, _ in load_corpus(ROOT / "bot" / "nlu" / "sentiment" / "zh_reviews_train.tsv.gz")}
    test = {text[:200] for text, _ in load_corpus(TEST_SPLIT)}
    assert train and test and not train & test
    assert Path(ROOT / "bot" / "nlu" / "sentiment" / "SOURCE.md").exists()


def test_fast_probability_equals_the_trained_pipeline(analyzer):
    model = analyzer._model
    for text in ("这次购物体验太糟糕了 退款什么时候到账", "运费怎么算", "really disappointed, not happy at all",
                 "好评 好评 好评", "what is your return policy"):
        expected = model["classifier"].predict_proba(model["vectorizer"].transform([text]))[0][model["negative_index"]]
        assert abs(analyzer._negative_probability(text) - expected) < 1e-12


@pytest.mark.parametrize("text, intent", [
    ("唔該晒！", "nlu_fallback"), ("唔該晒！", "faq"), ("m該晒", "nlu_fallback"), ("唔該晒你", "inform"),
    ("唔該晒呀 你哋好好服務", "faq"), ("多謝晒你幫手！！", "faq"), ("唔該 幫我查下張單", "order_status"),
    ("唔該你快啲幫我睇下", "order_status"), ("感恩感恩🙏", "nlu_fallback"), ("謝謝你喔 辛苦了", "faq"),
    ("麻煩晒 唔該", "inform"), ("thank you so much!!", "nlu_fallback"),
])
def test_polite_cantonese_and_taiwanese_is_never_a_complaint(analyzer, text, intent):
    """唔該晒！ was taken for a complaint (0.91) on main and the shopper queued as one."""
    message = parse(analyzer, text, intent)
    assert message.get("intent")["name"] == intent
    assert message.get("sentiment")["label"] == "neutral"


@pytest.mark.parametrize("text", [
    "乜嘢服務嚟㗎", "有冇搞錯 等咗兩個禮拜都未到", "激死我 寄錯嘢又冇人理", "好嬲呀 你哋啲客服", "呃錢㗎你哋",
    "唔該 等咗兩個禮拜 好嬲", "有夠爛 到底要等多久", "靠北 東西壞掉還不處理", "謝謝喔 等了一個月 有夠扯",
])
def test_angry_cantonese_and_taiwanese_still_is(analyzer, text):
    message = parse(analyzer, text, "order_status")
    assert message.get("sentiment")["label"] == "negative"
    assert message.get("intent")["name"] == "complaint"


def test_regional_heldout_messages_no_false_alarms(analyzer):
    """On the regional held-out sets: no polite message is negative."""
    from bench.nlu_eval import load_polite

    for name in ("heldout_hk.yml", "heldout_tw.yml"):
        polite = load_polite(ROOT / "tests" / "nlu" / name)
        flagged = [t for t in polite if analyzer.score(normalize(t))["label"] == "negative"]
        assert flagged == [], name
