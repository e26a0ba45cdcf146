"""Intent and FAQ classification with one linear model over the pipeline's features.

Kefu classifies intents and the FAQ sub-intents (``faq/<id>``) in one pass: a multinomial
logistic regression over the sentence features of the featurizers before it (sparse word and
character n-gram counts, TF-IDF weighted here; dense features are appended when present).
The probabilities of ``faq/<id>`` classes add up to the confidence of the ``faq`` intent, and
the best sub-intent fills the standard ``response_selector`` output, exactly as Rasa's
ResponseSelector would, so rules, ``utter_faq`` and ``/model/parse`` clients work unchanged.

With sentence vectors, the model also keeps those of its training examples: a share
(``neighbour_weight``) of each prediction comes from the labels of the message's nearest
examples, and a message of unknown words is judged only when it resembles one of them.

Compared with DIET + ResponseSelector this trains in seconds instead of minutes and needs
no TensorFlow at prediction; see the README's benchmark section for the accuracy figures.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import linear_fit
from bot.nlu.sentence_encoder import one_blas_thread
from bot.nlu.sentence_matrix import Row, message_row, sentence_features
from bot.nlu.warm_start import sparse_blocks, warm_start

logger = logging.getLogger(__name__)

RESPONSE_SELECTOR = "response_selector"
RETRIEVAL_SEPARATOR = "/"
#: Message property (not in the parse output) with the message's nearest training examples by
#: sentence vector: ``{"similarity": [...], "label": [...]}``, closest first. The FAQ fast path
#: weighs published questions the model has not learnt against them (bot/nlu/faq_fastpath.py).
NEAREST_KEY = "kefu_nearest_examples"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    """Logistic-regression intent classifier that also selects retrieval responses."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # inverse regularisation strength of the logistic regression
            "C": 20.0,
            # weight classes inversely to their size, so that big intents don't swallow FAQs
            "class_weight": "balanced",
            # how many intents and responses the rankings list
            "ranking_length": 10,
            "max_iter": 2000,
            # stopping tolerance (max |gradient| of the summed loss) of a fit started from the previous
            # model's weights (rasa train --finetune, the FAQ retrain); from scratch: 1e-4
            "finetune_tol": 0.01,
            # share of the probabilities given by the message's nearest training examples (by
            # sentence vector, needs a dense featurizer); 0 = the logistic regression alone
            "neighbour_weight": 0.0,
            # how many nearest training examples vote (weighted by their cosine similarity)
            "neighbours": 10,
            # a message none of whose words the model knows is judged only when its sentence
            # vector is at least this close (cosine) to a training example ("thankyou" ~ "thank u")
            "unknown_words_similarity": 0.8,
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn"]

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: dict[str, Any] | None = None,
        finetuning: bool = False,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        # {"tfidf", "classifier", "labels", "responses", "known_words", "vectors", "vector_labels",
        #  "blocks"}
        self._model = model
        # ``rasa train --finetune``: the loaded model's weights start the new fit (see ``train``)
        self._finetuning = finetuning

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearIntentClassifier:
        return cls(config, model_storage, resource)

    # ------------------------------------------------------------------ features
    @staticmethod
    def _features(messages: list[Message]) -> tuple[scipy.sparse.csr_matrix | None, np.ndarray | None]:
        return sentence_features(messages, TEXT)

    def _matrix(self, messages: list[Message]) -> scipy.sparse.csr_matrix:
        return self._stack(*self._features(messages))

    def _stack(self, sparse: scipy.sparse.csr_matrix | None, dense: np.ndarray | None,
               fit: bool = False) -> scipy.sparse.csr_matrix:
        """The classifier's input: TF-IDF of the n-gram counts beside the unit-length dense vector."""
        weighted, unit = self._parts(sparse, dense, fit)
        parts = [weighted, None if unit is None else scipy.sparse.csr_matrix(unit)]
        return scipy.sparse.hstack([p for p in parts if p is not None]).tocsr()

    def _parts(self, sparse: scipy.sparse.csr_matrix | None, dense: np.ndarray | None,
               fit: bool = False) -> tuple[scipy.sparse.csr_matrix | None, np.ndarray | None]:
        """The two blocks of :meth:`_stack`: TF-IDF n-grams (sparse), unit sentence vectors."""
        from sklearn.feature_extraction.text import TfidfTransformer
        from sklearn.preprocessing import normalize

        if sparse is None and dense is None:
            raise ValueError(
                f"{self.__class__.__name__} found no features; put featurizers "
                "(e.g. CountVectorsFeaturizer) before it in config.yml."
            )
        weighted = None
        if sparse is not None:
            if fit:
                self._model["tfidf"] = TfidfTransformer(sublinear_tf=True).fit(sparse)
            weighted = self._model["tfidf"].transform(sparse)
        return weighted, (normalize(dense) if dense is not None else None)

    # ------------------------------------------------------------------ training
    def train(self, training_data: TrainingData) -> Resource:
        examples = [
            m
            for m in training_data.intent_examples
            if m.get(INTENT) and m.features_present(TEXT, None)
        ]
        labels = [m.get(INTENT_RESPONSE_KEY) or m.get(INTENT) for m in examples]
        if len(set(labels)) < 2:
            logger.warning("%s needs at least two intents; skipping training.", self.__class__.__name__)
            return self._resource

        previous = self._model if self._finetuning else None
        self._model = {"responses": dict(training_data.responses),
                       "known_words": frozenset(w for m in examples for w in _words(m)),
                       "blocks": sparse_blocks(examples[0])}
        sparse, dense = self._features(examples)
        weighted, unit = self._parts(sparse, dense, fit=True)
        width = sum(p.shape[1] for p in (weighted, unit) if p is not None)
        start = warm_start(previous, self._model["blocks"], width, sorted(set(labels)))
        # scikit-learn's LogisticRegression, fitted with the sentence vectors multiplied densely
        classifier = linear_fit.fit(weighted, unit, labels, C=self._config["C"], max_iter=self._config["max_iter"],
                                    class_weight=self._config["class_weight"], start=start,
                                    tol=self._config["finetune_tol"] if start is not None else 1e-4)
        logger.info("%s: %d examples, %d labels, %d iterations%s", self.__class__.__name__, len(labels),
                    len(classifier.classes_), int(np.max(classifier.n_iter_)),
                    " (started from the previous model's weights)" if start is not None else "")
        self._model["classifier"] = classifier
        self._model["labels"] = list(classifier.classes_)
        if dense is not None:
            # the training examples' sentence vectors (unit length): nearest neighbours, and what
            # a message of unknown words must resemble
            self._model["vectors"] = (dense / np.maximum(np.linalg.norm(dense, axis=1, keepdims=True), 1e-12)
                                      ).astype(np.float32)
            index = {label: i for i, label in enumerate(self._model["labels"])}
            self._model["vector_labels"] = np.array([index[label] for label in labels])
        self.persist()
        return self._resource

    # ------------------------------------------------------------------ prediction
    def process(self, messages: list[Message]) -> list[Message]:
        if not self._model or "classifier" not in self._model:
            return messages
        for message in messages:
            if not message.get(TEXT) or not message.features_present(TEXT, None):
                self._set_empty(message)
                continue
            row = message_row(message, TEXT)  # the message's features, read once
            weight = self._config["neighbour_weight"]
            similarities = self._similarities(message, row) if weight > 0 else None
            if not self._understood(message, similarities, row):
                self._set_empty(message)  # → nlu_fallback: "say it another way"
                continue
            probabilities = self._predict_one(message, row)
            if similarities is not None:
                nearest = self._nearest(similarities)
                probabilities = (1 - weight) * probabilities + weight * self._neighbour_vote(similarities, nearest)
                self._record_nearest(message, similarities, nearest)
            self._set_prediction(message, dict(zip(self._model["labels"], probabilities)))
        return messages

    def _prepare(self) -> None:  # what every prediction reads, computed once per loaded model
        if "weights" not in self._model:
            classifier = self._model["classifier"]
            self._model["weights"] = np.ascontiguousarray(classifier.coef_.T)
            self._model["bias"] = classifier.intercept_.copy()
            if "tfidf" in self._model:
                # scikit-learn computes ``idf_`` from a sparse diagonal matrix on every access
                self._model["idf"] = np.asarray(self._model["tfidf"].idf_)

    def _predict_one(self, message: Message, row: Row | None = None) -> np.ndarray:
        """Class probabilities of one message: ``LogisticRegression.predict_proba`` over
        ``_matrix([message])``, computed directly on the message's sparse row and dense vector.

        The weights are kept as a C-contiguous (features × classes) array, so the scores are the
        sum of the rows of the message's few non-zero features; scikit-learn's own path copies the
        whole weight matrix and validates its input on every call. ``row``: the message's
        :func:`~bot.nlu.sentence_matrix.message_row`, when the caller has read it already.
        """
        self._prepare()
        weights = self._model["weights"]
        sparse, dense = row or message_row(message, TEXT)
        if (sparse is None) != ("tfidf" not in self._model):
            # features unlike those of training: let the general path complain or cope
            return _softmax(np.asarray(self._matrix([message]) @ weights).reshape(-1) + self._model["bias"])
        scores = np.zeros(weights.shape[1])
        offset = 0
        if sparse is not None:
            indices, counts = sparse[0], sparse[1].astype(np.float64)
            # TfidfTransformer(sublinear_tf=True): (1 + log tf) · idf, then L2-normalised
            values = (1.0 + np.log(counts)) * self._model["idf"][indices]
            norm = np.sqrt(np.dot(values, values))
            if norm > 0:
                values /= norm
            scores += values @ weights[indices]
            offset = len(self._model["idf"])
        if dense is not None:
            vector = np.asarray(dense, dtype=np.float64)
            norm = np.sqrt(np.dot(vector, vector))
            if norm > 0:
                vector = vector / norm
            scores += vector @ weights[offset:offset + len(vector)]
        return _softmax(scores + self._model["bias"])

    def _similarities(self, message: Message, row: Row | None = None) -> np.ndarray | None:
        """Cosine similarity of the message's sentence vector to each training example's."""
        vectors = self._model.get("vectors")
        if vectors is None:
            return None
        _, dense = row or message_row(message, TEXT)
        if dense is None:
            return None
        vector = np.asarray(dense, dtype=np.float32).reshape(-1)
        if vector.shape[0] != vectors.shape[1]:
            return None
        return vectors @ (vector / max(float(np.linalg.norm(vector)), 1e-12))

    def _nearest(self, similarities: np.ndarray) -> np.ndarray:
        """The indices of the :data:`neighbours` most similar training examples, closest first."""
        count = min(self._config["neighbours"], len(similarities))
        nearest = np.argpartition(-similarities, count - 1)[:count]
        return nearest[np.argsort(-similarities[nearest])]

    def _neighbour_vote(self, similarities: np.ndarray, nearest: np.ndarray) -> np.ndarray:
        """Class distribution of the message's nearest training examples, each voting with its
        cosine similarity: a paraphrase of one particular training example pulls towards its
        label even where the linear model's weights, shared by the whole class, hesitate
        (CLINC150 in-scope +0.2 points at the same fallback threshold, README "Benchmarks")."""
        votes = np.bincount(self._model["vector_labels"][nearest], weights=np.maximum(similarities[nearest], 0.0),
                            minlength=len(self._model["labels"]))
        total = votes.sum()
        return votes / total if total > 0 else votes

    def _record_nearest(self, message: Message, similarities: np.ndarray, nearest: np.ndarray) -> None:
        """Keeps the message's nearest training examples (similarity, label) for the components
        after this one (:data:`NEAREST_KEY`)."""
        labels = self._model["labels"]
        message.set(NEAREST_KEY, {"similarity": [float(similarities[i]) for i in nearest],
                                  "label": [labels[self._model["vector_labels"][i]] for i in nearest]})

    def _understood(self, message: Message, similarities: np.ndarray | None, row: Row | None = None) -> bool:
        """Whether the model can judge the message: at least one of its words was seen in
        training, or, failing that, its sentence vector is close to a training example's.
        A sentence vector places any text somewhere, "blorp zinga frumious" as well (near the
        complaints, as it happens, with confidence 0.6; its nearest training example has cosine
        0.54); a message of unknown words that resembles no example gets no intent, so the
        fallback asks the shopper to say it another way. "thankyou" (0.96 to "thank u") or
        "okie" (0.84 to "ok") are judged."""
        known = self._model.get("known_words")
        if known is None:  # a model trained before this rule
            return True
        words = _words(message)
        if not words or not known.isdisjoint(words):
            return True
        if similarities is None:
            similarities = self._similarities(message, row)
        return similarities is not None and float(similarities.max()) >= self._config["unknown_words_similarity"]

    @staticmethod
    def _set_empty(message: Message) -> None:
        message.set(INTENT, {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [], add_to_output=True)

    def _set_prediction(self, message: Message, probabilities: dict[str, float]) -> None:
        intents: dict[str, float] = {}
        retrieval: dict[str, dict[str, float]] = {}
        for label, probability in probabilities.items():
            intent, _, _ = label.partition(RETRIEVAL_SEPARATOR)
            intents[intent] = intents.get(intent, 0.0) + float(probability)
            if RETRIEVAL_SEPARATOR in label:
                retrieval.setdefault(intent, {})[label] = float(probability)

        limit = self._config["ranking_length"]
        ranking = sorted(intents.items(), key=lambda kv: kv[1], reverse=True)
        message.set(
            INTENT,
            {INTENT_NAME_KEY: ranking[0][0], PREDICTED_CONFIDENCE_KEY: ranking[0][1]},
            add_to_output=True,
        )
        message.set(
            INTENT_RANKING_KEY,
            [{INTENT_NAME_KEY: n, PREDICTED_CONFIDENCE_KEY: c} for n, c in ranking[:limit]],
            add_to_output=True,
        )
        if retrieval:
            message.set(RESPONSE_SELECTOR, self._selector_output(retrieval, limit), add_to_output=True)

    def _selector_output(self, retrieval: dict[str, dict[str, float]], limit: int) -> dict[str, Any]:
        """Builds the ``response_selector`` property in the format of Rasa's ResponseSelector."""
        output: dict[str, Any] = {"all_retrieval_intents": sorted(retrieval)}
        for intent, keys in retrieval.items():
            total = sum(keys.values()) or 1.0
            ranked = sorted(keys.items(), key=lambda kv: kv[1], reverse=True)
            best_key, best = ranked[0]
            utter_action = f"utter_{best_key}"
            output[intent] = {
                "response": {
                    "responses": self._model["responses"].get(utter_action, []),
                    PREDICTED_CONFIDENCE_KEY: best / total,
                    INTENT_RESPONSE_KEY: best_key,
                    "utter_action": utter_action,
                },
                "ranking": [
                    {PREDICTED_CONFIDENCE_KEY: p / total, INTENT_RESPONSE_KEY: key}
                    for key, p in ranked[:limit]
                ],
            }
        return output

    # ------------------------------------------------------------------ persistence
    def persist(self) -> None:
        import joblib

        if not self._model:
            return
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self._model, directory / "linear_intent_classifier.joblib")

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentClassifier:
        import joblib

        try:
            with model_storage.read_from(resource) as directory:
                model = joblib.load(directory / "linear_intent_classifier.joblib")
        except (ValueError, FileNotFoundError):
            logger.warning("No trained %s in the model; it will predict nothing.", cls.__name__)
            model = None
        if not execution_context.is_finetuning:
            one_blas_thread()  # a loaded model predicts: BLAS threads would only spin
        return cls(config, model_storage, resource, model, finetuning=execution_context.is_finetuning)


def _words(message: Message) -> set[str]:
    """The message's words: tokens with a letter or a Han character (not numbers or punctuation)."""
    return {token.text.lower() for token in message.get(TOKENS_NAMES[TEXT]) or []
            if any(ch.isalpha() for ch in token.text)}


def _softmax(scores: np.ndarray) -> np.ndarray:
    exp = np.exp(scores - scores.max())
    return exp / exp.sum()
