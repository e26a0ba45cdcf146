"""Jieba tokenisation that leaves whitespace out and keeps order numbers whole."""

from __future__ import annotations

import re

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

_NUMBER = re.compile(r"\d+")


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True
)
class ShopTokenizer(JiebaTokenizer):
    """Rasa's :class:`JiebaTokenizer` with two fixes for shop messages.

    Jieba returns every space as a token, so English text would be half spaces; those tokens
    are dropped. Long digit runs (order numbers, phone numbers) become a shape token
    (``<num12>``) so that the classifier learns "a 12-digit number" rather than one order.
    The shop's own vocabulary (花呗, 运费险, 七天无理由 ...) comes from ``dictionary_path``,
    a directory of jieba user dictionaries.
    """

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        tokens = []
        for token in super().tokenize(message, attribute):
            if not token.text.strip():
                continue
            if _NUMBER.fullmatch(token.text) and len(token.text) >= 4:
                token.lemma = f"<num{len(token.text)}>"
            tokens.append(token)
        return tokens
