"""A question no FAQ answers is unanswered, not matched to the nearest FAQ.

The classifier spreads every message over the intents and the FAQ sub-intents; a shop question
that no FAQ answers ("你们有实体店吗") still ends up with ``faq`` on top, its probability shared
among several FAQs, and the best of them (here: authenticity) would be answered. Such a message
is not an FAQ question. :class:`FaqGate`, right after the intent classifier, looks at the
probability of the selected FAQ itself (the ``faq`` confidence times the selected sub-intent's
share): below ``min_probability`` the intent becomes ``out_of_scope``, so the bot says it has no
answer and offers a person (``utter_out_of_scope``), and the editor's inbox counts the message
as unanswered. The FAQ it was closest to stays in the parse result under ``faq_gate``; that trace
makes the message a low-confidence turn for the dialogue ("misunderstood twice → human",
``actions/human_handoff/unsure.py``), whatever the relabelled confidence says.

The threshold was chosen on the held-out sets (docs/developers/nlu.md, "Unanswered questions"):
the FAQ answers it withholds are wrong far more often than right. Content published after
training is judged after this gate by :class:`bot.nlu.faq_fastpath.FaqFastPath`, which may
still answer it.
"""

from __future__ import annotations

from typing import Any

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
)
from rasa.shared.nlu.training_data.message import Message

FAQ_GATE = "faq_gate"
RESPONSE_SELECTOR = "response_selector"


def selected_faq(intent: dict[str, Any], selector: dict[str, Any], retrieval_intent: str = "faq") -> tuple[str, float] | None:
    """The FAQ key a parse would answer with and its probability (``faq`` confidence × the
    key's share of it); ``None`` when the parse is not an FAQ answer."""
    if intent.get(INTENT_NAME_KEY) != retrieval_intent:
        return None
    response = (selector.get(retrieval_intent) or {}).get("response") or {}
    key = response.get(INTENT_RESPONSE_KEY)
    if not key:
        return None
    confidence = float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
    share = float(response.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
    return key, confidence * share


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class FaqGate(GraphComponent):
    """Turns an FAQ answer the model is not sure of into ``out_of_scope`` (unanswered)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"min_probability": 0.25, "retrieval_intent": "faq", "target_intent": "out_of_scope"}

    def __init__(self, config: dict[str, Any]) -> None:
        self._config = {**self.get_default_config(), **config}

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> FaqGate:
        return cls(config)

    @staticmethod
    def supported_languages() -> list[str] | None:
        return None

    def process(self, messages: list[Message]) -> list[Message]:
        retrieval = self._config["retrieval_intent"]
        for message in messages:
            intent = message.get(INTENT) or {}
            selector = message.get(RESPONSE_SELECTOR) or {}
            selected = selected_faq(intent, selector, retrieval)
            if selected is None or selected[1] >= float(self._config["min_probability"]):
                continue
            key, probability = selected
            message.set(FAQ_GATE, {"closest": key, "probability": round(probability, 4)}, add_to_output=True)
            target = {INTENT_NAME_KEY: self._config["target_intent"], PREDICTED_CONFIDENCE_KEY: round(1.0 - probability, 4)}
            message.set(INTENT, target, add_to_output=True)
            others = [r for r in message.get(INTENT_RANKING_KEY) or []
                      if r.get(INTENT_NAME_KEY) not in (retrieval, target[INTENT_NAME_KEY])]
            message.set(INTENT_RANKING_KEY, [dict(target), *others], add_to_output=True)
            message.set(RESPONSE_SELECTOR, {k: v for k, v in selector.items() if k != retrieval}, add_to_output=True)
        return messages
