"""Published FAQ content that the trained model does not know yet: answerable at once.

Editors publish FAQ content at any time (``/faq``, ``POST /api/faqs/publish``); a full retrain
folds it into the model in the background. Until then this component, placed after the intent
classifier and before ``FallbackClassifier``, keeps the NLU in step with the published content
(:mod:`faq.live`):

* a question close to a **published question the model was not trained on** (a new FAQ, or a
  new variant of an existing one) is classified ``faq`` with that entry as the retrieval
  response, with the similarity (character n-gram TF-IDF cosine) as confidence: always from
  ``strong_similarity``; from ``similarity`` when that new question is also closer (by
  ``margin``) than every question the model knows and the classifier is not confident
  (below ``confident``) of another intent — so paraphrases of a new FAQ are answered too.
  ``out_of_scope`` doesn't count as another intent (``yield_intents``): a question the shop
  did not answer when the model was trained is what a new FAQ is written for (the inbox);
* a question whose **sentence vector** (the pipeline's own sentence encoder,
  :mod:`bot.nlu.sentence_encoder`, the same vectors the classifier's nearest-example vote uses)
  is close to a new published question's — from ``vector_similarity``, and closer by
  ``vector_margin`` than the nearest training example (:data:`bot.nlu.classifier.NEAREST_KEY`)
  — is classified as that FAQ on the same conditions (the classifier not confident of another
  intent): paraphrases that share no characters with the new question ("我想买个充电宝，你们能给
  我寄过来吗" for "含锂电池的商品可以寄吗？") are answered before the retrain. The new questions
  are encoded once per publication (a few milliseconds each);
* an FAQ the model predicts but that is **no longer published** loses its share of the ``faq``
  confidence (the next published FAQ is selected instead, or ``FallbackClassifier`` declines).

At training time it records which questions the model learnt (normalised, per FAQ id), so after
the background retrain the fast path stands aside for everything the new model knows.
Without published content (no database) it changes nothing.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
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

from bot.nlu.classifier import NEAREST_KEY
from faq.similarity import Match

logger = logging.getLogger(__name__)

RESPONSE_SELECTOR = "response_selector"
FAQ_INTENT = "faq"
TRAINED_FILE = "trained_questions.json"
#: Key of the parse result naming the FAQ publication the server answers with.
PUBLICATION_KEY = "faq_publication"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FaqFastPath(GraphComponent):
    """Answers newly published FAQ questions before the model is retrained."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # the retrieval intent whose sub-intents are the FAQ ids
            "retrieval_intent": FAQ_INTENT,
            # from this similarity a new question can win (see the module docstring)
            "similarity": 0.35,
            # ... if it is closer by this much than every question the model was trained on
            "margin": 0.05,
            # ... and the classifier is less sure than this of an intent other than faq
            "confident": 0.8,
            # intents a new question wins over however sure the classifier is of them
            "yield_intents": ["out_of_scope"],
            # from this similarity a new question wins whatever the classifier says
            "strong_similarity": 0.8,
            # sentence vectors: a new question this close (cosine) can win ...
            "vector_similarity": 0.5,
            # ... if it is closer by this much than the nearest training example
            "vector_margin": 0.02,
            # off: character n-grams only (the fast path before sentence vectors; benchmarks)
            "sentence_vectors": True,
            # DATABASE_URL of the published content (default: the environment's)
            "database_url": None,
        }

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 trained: frozenset | None = None) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._trained = trained or frozenset()
        # (publication, new questions' faq ids, their unit sentence vectors)
        self._vectors: tuple[int, list[str], np.ndarray] | None = None

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> FaqFastPath:
        return cls(config, model_storage, resource)

    # ------------------------------------------------------------------ training
    def train(self, training_data: TrainingData) -> Resource:
        from faq.loader import example_key

        prefix = self._config["retrieval_intent"] + "/"
        trained = set()
        for message in training_data.intent_examples:
            key = message.get(INTENT_RESPONSE_KEY) or ""
            if key.startswith(prefix) and message.get(TEXT):
                trained.add(f"{key[len(prefix):]}\0{example_key(message.get(TEXT))}")
        self._trained = frozenset(trained)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / TRAINED_FILE).write_text(json.dumps(sorted(trained), ensure_ascii=False), encoding="utf-8")
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> FaqFastPath:
        try:
            with model_storage.read_from(resource) as directory:
                trained = frozenset(json.loads((directory / TRAINED_FILE).read_text(encoding="utf-8")))
        except (ValueError, FileNotFoundError):
            trained = frozenset()
        return cls(config, model_storage, resource, trained)

    # ------------------------------------------------------------------ prediction
    def process(self, messages: list[Message]) -> list[Message]:
        from faq.live import live_content

        content = live_content(self._config.get("database_url"))
        if content is None:
            return messages
        for message in messages:
            # which publication this server answers with (the publisher waits for every server)
            message.set(PUBLICATION_KEY, content.seq, add_to_output=True)
            if message.get(TEXT):
                self._drop_unpublished(message, content)
                self._fast_path(message, content)
        return messages

    def _selector(self, message: Message) -> dict[str, Any] | None:
        selector = message.get(RESPONSE_SELECTOR) or {}
        return selector.get(self._config["retrieval_intent"])

    def _drop_unpublished(self, message: Message, content) -> None:
        intent_name = self._config["retrieval_intent"]
        selected = self._selector(message)
        if not selected:
            return
        ranking = selected.get("ranking") or []
        kept = [r for r in ranking if r[INTENT_RESPONSE_KEY].split("/", 1)[1] in content.faqs]
        if len(kept) == len(ranking):
            return
        removed = sum(r[PREDICTED_CONFIDENCE_KEY] for r in ranking) - sum(r[PREDICTED_CONFIDENCE_KEY] for r in kept)
        intent = message.get(INTENT) or {}
        share = None
        for item in message.get(INTENT_RANKING_KEY) or []:
            if item[INTENT_NAME_KEY] == intent_name:
                total = item[PREDICTED_CONFIDENCE_KEY]
                share = max(0.0, total * (1 - removed))
                item[PREDICTED_CONFIDENCE_KEY] = share
        if kept:
            best = kept[0]
            faq_id = best[INTENT_RESPONSE_KEY].split("/", 1)[1]
            self._select(message, faq_id, best[PREDICTED_CONFIDENCE_KEY], content, ranking=kept)
        else:
            message.get(RESPONSE_SELECTOR).pop(intent_name, None)
        if intent.get(INTENT_NAME_KEY) == intent_name:
            ranking_sorted = sorted(message.get(INTENT_RANKING_KEY) or [],
                                    key=lambda r: r[PREDICTED_CONFIDENCE_KEY], reverse=True)
            message.set(INTENT_RANKING_KEY, ranking_sorted, add_to_output=True)
            if kept:
                message.set(INTENT, {INTENT_NAME_KEY: intent_name, PREDICTED_CONFIDENCE_KEY: share or 0.0},
                            add_to_output=True)
            else:  # nothing published left: the best other intent, which the fallback threshold judges
                best_other = next((r for r in ranking_sorted if r[INTENT_NAME_KEY] != intent_name), None)
                message.set(INTENT, dict(best_other) if best_other else
                            {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0}, add_to_output=True)

    def _fast_path(self, message: Message, content) -> None:
        index, new = content.question_index(self._trained)
        if not new.any():
            return
        intent = message.get(INTENT) or {}
        other_intent_sure = (intent.get(INTENT_NAME_KEY) not in (self._config["retrieval_intent"],
                                                                 *self._config["yield_intents"])
                             and (intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= self._config["confident"])
        chosen = self._by_characters(message, index, new, other_intent_sure)
        by_vector = None if other_intent_sure else self._by_vector(message, content, index, new)
        if by_vector is not None and (chosen is None or by_vector.score > chosen.score):
            chosen = by_vector
        if chosen is None:
            return
        self._apply(message, chosen, content)

    def _by_characters(self, message: Message, index, new: np.ndarray, other_intent_sure: bool) -> Match | None:
        """The new question nearest by character n-grams, if it wins (module docstring)."""
        scores = index.scores(message.get(TEXT))
        best_new = int(np.argmax(np.where(new, scores, -1.0)))
        score = float(scores[best_new])
        if score < self._config["similarity"]:
            return None
        known = float(scores[~new].max()) if (~new).any() else 0.0
        if score < self._config["strong_similarity"] and (score < known + self._config["margin"] or other_intent_sure):
            return None
        return Match(*index.items[best_new], score)

    def _by_vector(self, message: Message, content, index, new: np.ndarray) -> Match | None:
        """The new question nearest by sentence vector, if it is close and nearer than every
        training example."""
        nearest = message.get(NEAREST_KEY)
        _, dense = message.get_dense_features(TEXT)
        if not self._config["sentence_vectors"] or not nearest or dense is None:
            return None
        faq_ids, texts, vectors = self._new_vectors(content, index, new)
        vector = np.asarray(dense.features, dtype=np.float32).reshape(-1)
        if not len(faq_ids) or vector.shape[0] != vectors.shape[1]:
            return None
        similarities = vectors @ (vector / max(float(np.linalg.norm(vector)), 1e-12))
        best = int(np.argmax(similarities))
        score = float(similarities[best])
        known = max(nearest["similarity"], default=0.0)
        if score < self._config["vector_similarity"] or score < known + self._config["vector_margin"]:
            return None
        return Match(faq_ids[best], texts[best], score)

    def _new_vectors(self, content, index, new: np.ndarray) -> tuple[list[str], list[str], np.ndarray]:
        """The new questions of ``content`` and their unit sentence vectors, encoded once per
        publication as the pipeline encodes a message (normalised text)."""
        if self._vectors is None or self._vectors[0] != content.seq:
            from bot.nlu.sentence_encoder import encoder
            from kefu.text import normalize

            items = [index.items[i] for i in np.flatnonzero(new)]
            if items:
                vectors = np.asarray(encoder().encode([normalize(text) for _, text in items]), dtype=np.float32)
                vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
            else:
                vectors = np.zeros((0, 0), dtype=np.float32)
            self._vectors = (content.seq, items, vectors)
        _, items, vectors = self._vectors
        return [faq_id for faq_id, _ in items], [text for _, text in items], vectors

    def _apply(self, message: Message, match: Match, content) -> None:
        intent_name = self._config["retrieval_intent"]
        score = round(min(1.0, match.score), 4)
        message.set(INTENT, {INTENT_NAME_KEY: intent_name, PREDICTED_CONFIDENCE_KEY: score}, add_to_output=True)
        others = [r for r in message.get(INTENT_RANKING_KEY) or [] if r[INTENT_NAME_KEY] != intent_name]
        # faq on top and the rest scaled into what is left (else the fallback sees a sure
        # out_of_scope above faq and calls the message ambiguous)
        rest = sum(r[PREDICTED_CONFIDENCE_KEY] for r in others)
        top = max((r[PREDICTED_CONFIDENCE_KEY] for r in others), default=0.0)
        if rest > 0:
            factor = min(1.0, (1 - score) / rest, score / top)
            others = [{**r, PREDICTED_CONFIDENCE_KEY: r[PREDICTED_CONFIDENCE_KEY] * factor} for r in others]
        message.set(INTENT_RANKING_KEY, [{INTENT_NAME_KEY: intent_name, PREDICTED_CONFIDENCE_KEY: score}, *others],
                    add_to_output=True)
        self._select(message, match.faq_id, score, content)
        logger.debug("FAQ fast path: %s (similarity %.2f)", match.faq_id, match.score)

    def _select(self, message: Message, faq_id: str, confidence: float, content,
                ranking: list[dict[str, Any]] | None = None) -> None:
        intent_name = self._config["retrieval_intent"]
        key = f"{intent_name}/{faq_id}"
        faq = content.faqs[faq_id]
        selector = dict(message.get(RESPONSE_SELECTOR) or {})
        selector.setdefault("all_retrieval_intents", [intent_name])
        if ranking is None:
            previous = (selector.get(intent_name) or {}).get("ranking") or []
            ranking = [{PREDICTED_CONFIDENCE_KEY: confidence, INTENT_RESPONSE_KEY: key},
                       *[r for r in previous if r[INTENT_RESPONSE_KEY] != key]]
        selector[intent_name] = {
            "response": {
                "responses": [{"text": faq["answer_zh"]}],
                PREDICTED_CONFIDENCE_KEY: confidence,
                INTENT_RESPONSE_KEY: key,
                "utter_action": f"utter_{key}",
            },
            "ranking": ranking,
        }
        message.set(RESPONSE_SELECTOR, selector, add_to_output=True)
