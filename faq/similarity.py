"""How close two shopper questions are: cosine of character n-gram TF-IDF vectors.

Character n-grams (1-3, on the normalised text: simplified characters, half-width, lower case)
suit Chinese, which has no spaces, and survive typos and mixed Chinese/English. Used by the
editor's checks ("this variant is very close to entry X"), the FAQ fast path of the Rasa
pipeline (questions published after the model was trained) and the unanswered-questions inbox.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from faq.model import Faq


def normalise(text: str) -> str:
    from kefu.text import normalize

    return normalize(text).lower().strip()


@dataclass(frozen=True)
class Match:
    faq_id: str
    text: str
    score: float


class QuestionIndex:
    """Questions (each belonging to an FAQ id) that a text can be compared against."""

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self.items = [(faq_id, text) for faq_id, text in items if text and normalise(text)]
        self._vectorizer = None
        self._matrix = None
        if self.items:
            from sklearn.feature_extraction.text import TfidfVectorizer

            self._vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True,
                                               preprocessor=normalise)
            self._matrix = self._vectorizer.fit_transform([text for _, text in self.items])

    @classmethod
    def of_faqs(cls, faqs: Iterable[Faq]) -> QuestionIndex:
        return cls((faq.id, text) for faq in faqs for text in faq.training_examples())

    def __len__(self) -> int:
        return len(self.items)

    def scores(self, text: str) -> np.ndarray[Any, np.dtype[np.float64]]:
        if self._vectorizer is None or not normalise(text):
            return np.zeros(len(self.items))
        vector = self._vectorizer.transform([text])
        return np.asarray((self._matrix @ vector.T).todense()).reshape(-1)

    def best(self, text: str) -> Match | None:
        """The closest question, or None when the index is empty."""
        scores = self.scores(text)
        if not len(scores):
            return None
        position = int(scores.argmax())
        faq_id, question = self.items[position]
        return Match(faq_id, question, float(scores[position]))

    def ranking(self, text: str, limit: int = 5) -> list[Match]:
        """The best question of each of the ``limit`` closest FAQs."""
        scores = self.scores(text)
        best: dict[str, Match] = {}
        for position in np.argsort(-scores):
            faq_id, question = self.items[position]
            if faq_id not in best:
                best[faq_id] = Match(faq_id, question, float(scores[position]))
                if len(best) == limit:
                    break
        return list(best.values())
