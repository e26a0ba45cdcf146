"""Grouping of similar customer questions, Chinese and English alike.

Each text is normalised (:func:`kefu.text.normalize`: full-width → half-width, traditional →
simplified, lower case) and cut into character n-grams: single characters and bigrams of Han runs (Chinese has no
spaces, and colloquial variants share their content characters and words: 花呗能分期吗 /
能不能用花呗分期; trigrams measurably split such variants apart),
and for Latin words the word itself plus its 3-grams with word boundaries. The n-grams are
weighted by TF-IDF (sublinear term frequency; document frequencies over the questions being
grouped plus the FAQ examples, so that particles such as 吗 or "the" weigh little) and compared
by cosine similarity.

Grouping is leader clustering: distinct questions, most frequent first, join the group whose
centroid is most similar when that similarity reaches :data:`GROUP_THRESHOLD`, else start a new
group. A group's suggested FAQ is the one with the example closest to the group's centroid, when
it reaches :data:`SUGGEST_THRESHOLD`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kefu.text import normalize

#: Cosine similarity from which a question joins a group.
GROUP_THRESHOLD = 0.35
#: Cosine similarity from which a group suggests an existing FAQ.
SUGGEST_THRESHOLD = 0.5
#: Example texts shown per group.
MAX_EXAMPLES = 5

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9]+")
#: Chinese particles that say nothing about the question.
_PARTICLES = frozenset("的了吗呢啊吧呀哦嘛么啦哈")

Vector = dict[str, float]


def question_key(text: str) -> str:
    """The form in which two questions count as the same one (normalised, no punctuation or spaces)."""
    return "".join(ch for ch in normalize(text) if ch.isalnum())


def ngrams(text: str) -> list[str]:
    """The character n-grams of a question (see the module docstring)."""
    norm = normalize(text)
    grams: list[str] = []
    for run in _HAN.findall(norm):
        grams.extend(c for c in run if c not in _PARTICLES)
        grams.extend(run[i:i + 2] for i in range(len(run) - 1))
    for word in _WORD.findall(norm):
        grams.append(f"w:{word}")
        padded = f" {word} "
        grams.extend(padded[i:i + 3] for i in range(len(padded) - 2))
    return grams


class Vectorizer:
    """TF-IDF over character n-grams, fitted on a set of documents."""

    def __init__(self, documents: Iterable[str]) -> None:
        df: Counter[str] = Counter()
        count = 0
        for document in documents:
            df.update(set(ngrams(document)))
            count += 1
        self._count = count
        self._idf = {gram: math.log((1 + count) / (1 + n)) + 1.0 for gram, n in df.items()}
        self._unseen = math.log(1 + count) + 1.0

    def vector(self, text: str) -> Vector:
        counts = Counter(ngrams(text))
        weights = {gram: (1.0 + math.log(n)) * self._idf.get(gram, self._unseen) for gram, n in counts.items()}
        return normalized(weights)


def normalized(vector: Vector) -> Vector:
    norm = math.sqrt(sum(w * w for w in vector.values()))
    return {k: w / norm for k, w in vector.items()} if norm else {}


def cosine(a: Vector, b: Vector) -> float:
    """Cosine similarity of two unit vectors."""
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(k, 0.0) for k, w in a.items())


@dataclass
class Question:
    """One unanswered message to group: its id, masked text, kind and time."""

    id: int
    text: str
    kind: str = "fallback"
    at: dt.datetime | None = None
    channel: str = ""


@dataclass
class Group:
    """Similar questions: ``text`` is the most frequent wording."""

    id: str
    text: str
    questions: list[Question] = field(default_factory=list)
    suggested_faq: dict[str, Any] | None = None
    _sum: Vector = field(default_factory=dict, repr=False)

    @property
    def count(self) -> int:
        return len(self.questions)

    @property
    def last_seen(self) -> dt.datetime | None:
        times = [q.at for q in self.questions if q.at is not None]
        return max(times) if times else None

    @property
    def first_seen(self) -> dt.datetime | None:
        times = [q.at for q in self.questions if q.at is not None]
        return min(times) if times else None

    def centroid(self) -> Vector:
        return normalized(self._sum)

    def examples(self, limit: int = MAX_EXAMPLES) -> list[str]:
        """Distinct wordings, most frequent first."""
        counts = Counter(q.text for q in self.questions)
        return [text for text, _ in counts.most_common(limit)]

    def as_json(self) -> dict[str, Any]:
        kinds = Counter(q.kind for q in self.questions)
        channels = Counter(q.channel for q in self.questions if q.channel)
        return {
            "id": self.id,
            "count": self.count,
            "text": self.text,
            "examples": self.examples(),
            "kinds": dict(sorted(kinds.items())),
            "channels": dict(sorted(channels.items())),
            "item_ids": sorted(q.id for q in self.questions),
            "first_seen": self.first_seen.isoformat() if self.first_seen else None,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
            "suggested_faq": self.suggested_faq,
        }


def faq_texts(faq: Any) -> list[str]:
    """The questions and examples of an FAQ entry (any object with the catalogue's fields)."""
    texts = [getattr(faq, "question_zh", ""), getattr(faq, "question_en", "")]
    texts += list(getattr(faq, "examples_zh", None) or []) + list(getattr(faq, "examples_en", None) or [])
    return [t for t in texts if isinstance(t, str) and t.strip()]


def group_questions(questions: Sequence[Question], faqs: Sequence[Any] = (), *,
                    threshold: float = GROUP_THRESHOLD, suggest_threshold: float = SUGGEST_THRESHOLD) -> list[Group]:
    """Groups similar questions; the biggest groups come first (then the most recent).

    Args:
        questions: the messages to group (their ``text`` already masked).
        faqs: FAQ entries (``id``, ``question_zh``, ``question_en``, ``examples_zh``, ``examples_en``)
            to suggest from; empty for no suggestions.
    """
    by_key: dict[str, list[Question]] = {}
    for question in questions:
        key = question_key(question.text)
        if key:
            by_key.setdefault(key, []).append(question)
    faq_examples = [(faq, text) for faq in faqs for text in faq_texts(faq)]
    vectorizer = Vectorizer([q.text for q in questions] + [text for _, text in faq_examples])

    def recency(members: list[Question]) -> float:
        times = [q.at.timestamp() for q in members if q.at is not None]
        return max(times) if times else 0.0

    ordered = sorted(by_key.values(), key=lambda members: (-len(members), -recency(members), members[0].id))
    groups: list[Group] = []
    for members in ordered:
        vector = vectorizer.vector(members[0].text)
        best, best_score = None, threshold
        for group in groups:
            score = cosine(vector, group.centroid())
            if score >= best_score:
                best, best_score = group, score
        if best is None:
            best = Group(id="", text=members[0].text)
            groups.append(best)
        best.questions.extend(members)
        for gram, weight in vector.items():
            best._sum[gram] = best._sum.get(gram, 0.0) + weight * len(members)

    faq_vectors = [(faq, vectorizer.vector(text)) for faq, text in faq_examples]
    for group in groups:
        group.id = f"g{min(q.id for q in group.questions)}"
        group.text = Counter(q.text for q in group.questions).most_common(1)[0][0]
        centroid = group.centroid()
        scored = [(cosine(centroid, vector), faq) for faq, vector in faq_vectors]
        if scored:
            score, faq = max(scored, key=lambda pair: pair[0])
            if score >= suggest_threshold:
                group.suggested_faq = {
                    "id": faq.id, "question_zh": getattr(faq, "question_zh", ""),
                    "question_en": getattr(faq, "question_en", ""), "score": round(score, 3),
                }
    groups.sort(key=lambda g: (-g.count, -(g.last_seen.timestamp() if g.last_seen else 0.0), g.id))
    return groups
