"""The published FAQ content as the Rasa servers see it.

Each Rasa process keeps the newest published content (``faq_publications``) in memory and asks
the database at most every :data:`REFRESH_SECONDS` whether a newer one exists (one indexed
query); the content itself is loaded only when it changed. The publisher waits longer than that
before it reports a publication ``live``, so a ``live`` job is answered by every server.

When the database cannot be read the last known content stays in use (and is logged once);
with no publication at all (a database never prepared by ``make run``) there is no live
content and the bot answers from its trained model's responses.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from faq.similarity import QuestionIndex
from kefu.settings import current

logger = logging.getLogger(__name__)

#: How often (seconds) a Rasa process looks for a newer publication.
REFRESH_SECONDS = 1.0


@dataclass
class LiveContent:
    """One publication's content, indexed for the bot."""

    seq: int
    content_hash: str
    faqs: dict[str, dict[str, Any]]
    _indexes: dict[frozenset[str], tuple[QuestionIndex, np.ndarray[Any, np.dtype[np.bool_]]]] = field(
        default_factory=dict, repr=False)

    def answer(self, faq_id: str, language: str | None) -> str | None:
        faq = self.faqs.get(faq_id)
        if faq is None:
            return None
        answer: str = faq["answer_en"] if language == "en" else faq["answer_zh"]
        return answer

    def question_index(self, trained: frozenset[str]) -> tuple[QuestionIndex, np.ndarray[Any, np.dtype[np.bool_]]]:
        """Every published question, and which of them a model trained on ``trained``
        (normalised example keys per FAQ id: ``"<id>\\0<key>"``) has not learnt (new entries,
        new variants)."""
        if trained not in self._indexes:
            from faq.loader import example_key

            index = QuestionIndex(
                (faq_id, text) for faq_id, faq in self.faqs.items()
                for text in (faq["question_zh"], *faq["examples_zh"], faq["question_en"], *faq["examples_en"]))
            mask = np.array([f"{faq_id}\0{example_key(text)}" not in trained for faq_id, text in index.items],
                            dtype=bool)
            self._indexes = {trained: (index, mask)}
        return self._indexes[trained]


class LiveContentCache:
    """The newest published content of one database, refreshed lazily."""

    def __init__(self, database_url: str | None) -> None:
        self.database_url = database_url
        self._content: LiveContent | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self._failing = False

    def get(self) -> LiveContent | None:
        if not self.database_url:
            return None
        now = time.monotonic()
        if now - self._checked < REFRESH_SECONDS:
            return self._content
        with self._lock:
            if now - self._checked < REFRESH_SECONDS:
                return self._content
            self._checked = now
            try:
                self._refresh()
                if self._failing:
                    logger.info("FAQ content: the database answers again")
                self._failing = False
            except Exception as error:  # noqa: BLE001 - any database failure: keep answering with what we have
                if not self._failing:
                    logger.warning("FAQ content: cannot read the published content (%s); keeping publication %s",
                                   type(error).__name__, self._content.seq if self._content else "none")
                self._failing = True
        return self._content

    def _refresh(self) -> None:
        import sqlalchemy as sa

        from faq.tables import FaqPublicationRow
        from kefu.db import session_scope

        assert self.database_url  # only called with a database (see content())
        with session_scope(self.database_url) as session:
            head = session.execute(
                sa.select(FaqPublicationRow.seq, FaqPublicationRow.content_hash)
                .where(FaqPublicationRow.published_at.is_not(None))
                .order_by(FaqPublicationRow.seq.desc()).limit(1)).first()
            if head is None:
                self._content = None
                return
            if self._content is not None and self._content.seq == head.seq:
                return
            content = session.execute(sa.select(FaqPublicationRow.content)
                                      .where(FaqPublicationRow.seq == head.seq)).scalar_one()
        faqs = {faq["id"]: faq for faq in (content or {}).get("faqs", [])}
        self._content = LiveContent(head.seq, head.content_hash or "", faqs)
        logger.info("FAQ content: publication %s is live here (%d entries)", head.seq, len(faqs))


_caches: dict[str, LiveContentCache] = {}


def live_content(database_url: str | None = None) -> LiveContent | None:
    """The live content of the app database (default: the process's settings' ``DATABASE_URL``,
    as the settings read it: ``postgres://`` is understood), or None."""
    url = database_url or current().database_url
    if url not in _caches:
        _caches[url] = LiveContentCache(url)
    return _caches[url].get()
