"""First component of the pipeline: canonical text for NLU and the message's language."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from kefu.regional import detect_region
from kefu.text import detect_language, normalize

#: Entity carrying the language of the message; the ``language`` slot is filled from it.
LANGUAGE_ENTITY = "language"
#: Entity carrying the region of a Chinese message written in Cantonese (``hk``) or Taiwanese
#: usage (``tw``); the ``script`` slot is filled from it and picks the reply's character forms.
SCRIPT_ENTITY = "script"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False
)
class TextNormalizer(GraphComponent):
    """Rewrites the message text into the canonical form of :func:`kefu.text.normalize`.

    Full-width characters, traditional characters, control characters and stray whitespace
    are normalised before tokenisation, in training and at prediction alike. At prediction it
    also adds a ``language`` entity (``zh-Hans``, ``zh-Hant`` or ``en``) detected on the raw
    text, so that replies follow the language of the customer's latest message. A message
    without words (digits, emoji) adds none and the conversation keeps its language. A Chinese
    message written in Cantonese or Taiwanese usage also adds a ``script`` entity (``hk``, ``tw``:
    :func:`kefu.regional.detect_region`); most messages carry no sign of a region and add none,
    so the conversation keeps the one it has.
    """

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TextNormalizer:
        return cls()

    @staticmethod
    def supported_languages() -> list[str] | None:
        return None

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            if example.get(TEXT):
                example.set(TEXT, normalize(example.get(TEXT)))
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            raw = message.get(TEXT) or ""
            language = detect_language(raw)
            message.set(TEXT, normalize(raw))
            entities = []
            if language:
                entities.append(self._entity(LANGUAGE_ENTITY, language))
            region = detect_region(raw) if language in ("zh-Hans", "zh-Hant") else None
            if region:
                entities.append(self._entity(SCRIPT_ENTITY, region))
            if entities:
                message.set(ENTITIES, [*message.get(ENTITIES, []), *entities], add_to_output=True)
        return messages

    def _entity(self, name: str, value: str) -> dict[str, Any]:
        return {
            "entity": name,
            "value": value,
            "start": 0,
            "end": 0,
            "confidence_entity": 1.0,
            "extractor": self.__class__.__name__,
        }
