"""KefuNLG: FAQ answers come from the published content, whatever spelling of the database URL."""

from __future__ import annotations

import asyncio

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

import faq.live
from bot.nlg import KefuNLG
from faq.store import FaqStore

EDITED = {"id": "return_policy", "category": "after_sales", "question_zh": "支持七天无理由退货吗？",
          "question_en": "Can I return within 7 days?", "examples_zh": ["能退货吗"], "examples_en": ["return it"],
          "answer_zh": "十二月退货免运费。", "answer_en": "Returns are free in December."}
DOMAIN = Domain.from_dict({"slots": {"language": {"type": "text", "mappings": [{"type": "custom"}]}},
                           "responses": {"utter_faq/return_policy": [{"text": "the answer the model was trained with"}]}})


def reply(utter_action: str, language: str) -> str | None:
    tracker = DialogueStateTracker.from_events("shopper", [SlotSet("language", language)], slots=DOMAIN.slots)
    response = asyncio.run(KefuNLG(domain=DOMAIN).generate(utter_action, tracker, "rest"))
    return response["text"] if response else None


@pytest.mark.postgres
def test_an_answer_published_on_postgres_given_as_postgres_url_is_what_the_bot_says(
        postgres_server, monkeypatch, tmp_path):
    """Issue 17: ``DATABASE_URL=postgres://...`` (Heroku's spelling, which the settings accept)
    left the Rasa server's live FAQ content unreadable, so an edited answer never went live."""
    from tests.databases import create_postgres_database, drop_postgres_database

    url = create_postgres_database(postgres_server, migrated=True)
    try:
        FaqStore(url).record_publication("editor", {"categories": [], "faqs": [EDITED]}, files_hash=None,
                                         detail="edited in the web editor")
        monkeypatch.setenv("KEFU_VAR_DIR", str(tmp_path))
        monkeypatch.setenv("DATABASE_URL", "postgres://" + url[len("postgresql://"):])
        faq.live._caches.clear()
        assert reply("utter_faq/return_policy", "en") == "Returns are free in December."
        assert reply("utter_faq/return_policy", "zh-Hant") == "十二月退貨免運費。"
    finally:
        faq.live._caches.clear()
        drop_postgres_database(postgres_server, url)
