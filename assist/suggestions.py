"""Reply suggestions for the shopper's latest message: up to 3, ranked by relevance.

Two sources, compared with the same similarity the FAQ fast path and the editor's checks use
(:class:`faq.similarity.QuestionIndex`, character n-gram TF-IDF cosine; no second model):

* ``faq``: the answer of a published FAQ (``faq.live``) whose question or variant is close;
* ``agent_reply``: what an agent answered a similar shopper message before (:mod:`assist.pairs`),
  with its personal data masked (:mod:`assist.masking`) and ``{name}`` / ``{order}`` filled with
  this conversation's verified data.

Each is given in the shopper's language (English, or Chinese, converted to traditional
characters for a shopper who writes them); a past reply in the other language is left out.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from assist.canned import fill
from assist.conversation import VerifiedData
from assist.masking import mask_personal
from assist.pairs import Pair, PairReader
from faq.similarity import QuestionIndex
from kefu.text import detect_language, to_traditional

logger = logging.getLogger(__name__)

MAX_SUGGESTIONS = 3
#: Similarity from which an FAQ's answer is suggested: the FAQ fast path's own ``similarity``
#: (bot/nlu/faq_fastpath.py); the bench's figures for others are in docs/operators/benchmarks.md ...
FAQ_THRESHOLD = 0.35
#: ... and, below the best FAQ's, the share of its similarity another FAQ needs.
FAQ_RELATIVE = 0.8
#: Similarity from which an agent's earlier reply is suggested.
REPLY_THRESHOLD = 0.35
#: How often (seconds) the index of agents' replies looks for new ones.
REFRESH_SECONDS = 10.0

#: A published FAQ as ``faq.live`` holds it (``question_zh``, ``examples_zh``, ``answer_zh`` ... by id).
LiveFaqs = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Suggestion:
    source: str
    ref: str
    text: str
    score: float
    #: what it was matched on: the FAQ's question, or the shopper message the agent answered
    matched: str

    def as_json(self) -> dict[str, Any]:
        return {"source": self.source, "ref": self.ref, "text": self.text, "score": round(self.score, 3),
                "matched": self.matched}


def family(language: str | None) -> str:
    return "en" if language == "en" else "zh"


def in_language(text: str, language: str) -> str:
    return to_traditional(text) if language == "zh-Hant" else text


class FaqIndex:
    """The published FAQs' questions, rebuilt when another publication is live."""

    def __init__(self) -> None:
        self._key: object = None
        self._index = QuestionIndex(())

    def index(self, faqs: LiveFaqs, key: object) -> QuestionIndex:
        if key != self._key:
            self._index = QuestionIndex(
                (faq_id, text) for faq_id, faq in faqs.items()
                for text in (faq.get("question_zh", ""), *(faq.get("examples_zh") or []), faq.get("question_en", ""),
                             *(faq.get("examples_en") or [])))
            self._key = key
        return self._index


class ReplyIndex:
    """Shopper messages that agents answered, with the replies (:class:`assist.pairs.PairReader`).

    The first :meth:`refresh` reads them (the request waits); from then on, every
    :data:`REFRESH_SECONDS`, a request starts a background read of the events that came since
    and goes on with the index as it is: a new agent reply is suggested once that read is done.
    The pairs and their index are swapped together (:meth:`snapshot`).
    """

    def __init__(self, database_url: str, *, names_of: Callable[[Pair], list[str]] | None = None) -> None:
        self.database_url = database_url
        self.names_of = names_of or (lambda pair: [])
        self.reader = PairReader(database_url)
        self._lock = threading.Lock()  # one read at a time
        self._checked = 0.0
        self._loaded = False
        self._background: threading.Thread | None = None
        self._snapshot: tuple[list[Pair], QuestionIndex] = ([], QuestionIndex(()))

    @property
    def pairs(self) -> list[Pair]:
        return self._snapshot[0]

    def snapshot(self) -> tuple[list[Pair], QuestionIndex]:
        """The pairs and the index of their questions (position ``i`` is ``pairs[i]``), of one read."""
        return self._snapshot

    def refresh(self, *, force: bool = False) -> None:
        """Reads the new agent replies: now (in this thread) the first time or with ``force``, else
        in the background when :data:`REFRESH_SECONDS` passed since the last look."""
        if force or not self._loaded:
            self._read()
            return
        now = time.monotonic()
        if now - self._checked < REFRESH_SECONDS or (self._background is not None and self._background.is_alive()):
            return
        self._checked = now
        self._background = threading.Thread(target=self._read_logged, name="assist-replies", daemon=True)
        self._background.start()

    def settle(self, timeout: float = 30.0) -> None:
        """Waits for a background read to finish (tests, a clean stop)."""
        if self._background is not None:
            self._background.join(timeout)

    def _read_logged(self) -> None:
        try:
            self._read()
        except Exception:  # a help: the suggestions go on with the replies read before
            logger.exception("assist: the agents' replies could not be read")

    def _read(self) -> None:
        with self._lock:
            self._checked = time.monotonic()
            if self.reader.read() or not self._loaded:
                pairs = list(self.reader.pairs)
                self._snapshot = (pairs, QuestionIndex((str(position), pair.question)
                                                       for position, pair in enumerate(pairs)))
            self._loaded = True


def suggest(text: str, *, language: str, faqs: LiveFaqs, faq_index: QuestionIndex, replies: ReplyIndex | None,
            verified: VerifiedData, exclude_sender: str | None = None, limit: int = MAX_SUGGESTIONS
            ) -> list[Suggestion]:
    """Up to ``limit`` replies for the shopper message ``text``, most relevant first.

    Args:
        language: the shopper's language (``zh-Hans``, ``zh-Hant`` or ``en``).
        exclude_sender: the conversation itself (its own replies are not suggested back).
    """
    found: list[Suggestion] = []
    ranked = faq_index.ranking(text, limit=limit)
    floor = max(FAQ_THRESHOLD, ranked[0].score * FAQ_RELATIVE) if ranked else FAQ_THRESHOLD
    for match in ranked:
        faq = faqs.get(match.faq_id)
        if faq is None or match.score < floor:
            continue
        answer = faq.get("answer_en") if language == "en" else faq.get("answer_zh")
        question = faq.get("question_en") if language == "en" else faq.get("question_zh")
        if answer:
            found.append(Suggestion("faq", match.faq_id, in_language(str(answer), language), match.score,
                                    in_language(str(question or match.text), language)))
    pairs, reply_index = replies.snapshot() if replies is not None else ([], QuestionIndex(()))
    if replies is not None and pairs:
        wanted = family(language)
        taken = 0
        for match in reply_index.ranking(text, limit=limit * 4):
            if match.score < REPLY_THRESHOLD or taken >= limit:
                break
            pair = pairs[int(match.faq_id)]
            if pair.sender_id == exclude_sender or family(detect_language(pair.reply)) != wanted:
                continue
            masked = mask_personal(pair.reply, names=replies.names_of(pair))
            filled, _missing = fill(masked, verified)
            found.append(Suggestion("agent_reply", str(pair.reply_event_id), in_language(filled, language),
                                    match.score, mask_personal(pair.question, names=replies.names_of(pair))))
            taken += 1
    found.sort(key=lambda s: -s.score)
    unique: list[Suggestion] = []
    for suggestion in found:
        if all(suggestion.text != kept.text for kept in unique):
            unique.append(suggestion)
    return unique[:limit]
