"""The FAQ content model: categories of entries, each answered in Chinese and English."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

#: Fields of an entry, as in the store's catalogue (``category`` comes from the file).
ENTRY_FIELDS = (
    "id",
    "question_zh",
    "question_en",
    "examples_zh",
    "examples_en",
    "answer_zh",
    "answer_en",
)
TEXT_FIELDS = ("question_zh", "question_en", "answer_zh", "answer_en")
LIST_FIELDS = ("examples_zh", "examples_en")
CATEGORY_FIELDS = ("category", "title_zh", "title_en", "faqs")

#: FAQ ids and category names: 2-63 lower-case letters, digits and underscores, starting with a
#: letter. A category names a file (``faq/content/<category>.yml``), so this also keeps it a plain
#: file name. ``\Z``, not ``$``: ``$`` would also match before a trailing newline.
ID_PATTERN = re.compile(r"\A[a-z][a-z0-9_]{1,62}\Z")


@dataclass
class Faq:
    """One question with its answers; the bot's retrieval intent is ``faq/<id>``."""

    id: str
    category: str
    question_zh: str
    question_en: str
    examples_zh: list[str]
    examples_en: list[str]
    answer_zh: str
    answer_en: str
    file: str = ""
    line: int = 0

    @property
    def intent(self) -> str:
        return f"faq/{self.id}"

    @property
    def utter_action(self) -> str:
        return f"utter_faq/{self.id}"

    def training_examples(self) -> list[str]:
        """The questions the bot learns to recognise: canonical questions, then variants."""
        return [self.question_zh, *self.examples_zh, self.question_en, *self.examples_en]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": self.category,
            **{name: getattr(self, name) for name in ENTRY_FIELDS if name != "id"},
        }


@dataclass
class Category:
    """One editor-owned file of FAQ entries."""

    name: str
    title_zh: str
    title_en: str
    faqs: list[Faq] = field(default_factory=list)
    file: str = ""


@dataclass
class Catalogue:
    """All categories of a shop's FAQ content."""

    categories: list[Category] = field(default_factory=list)

    @property
    def faqs(self) -> list[Faq]:
        return [faq for category in self.categories for faq in category.faqs]

    def get(self, faq_id: str) -> Faq | None:
        return next((faq for faq in self.faqs if faq.id == faq_id), None)
