"""The index of agents' earlier replies grows with new replies by reading only the events since its
last read (not the newest 20,000 bot messages again), in the background once it is loaded."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from assist import suggestions
from assist.conversation import VerifiedData
from assist.pairs import PairReader
from assist.suggestions import ReplyIndex, suggest
from faq.similarity import QuestionIndex
from kefu.db import session_scope
from kefu.events import ConversationEvent
from tests.unit.assist.scripts import answered_by_agent

WASH = ("你们的羽绒服可以机洗吗", "这款羽绒服建议手洗，水温不超过30度。")
RETURN = ("退货的运费谁来出呢", "退货运费由本店承担，请放心寄回。")


def event_count(url: str) -> int:
    with session_scope(url) as db:
        return int(db.execute(sa.select(sa.func.count()).select_from(ConversationEvent)).scalar_one())


def replies_for(index: ReplyIndex, text: str) -> list[str]:
    found = suggest(text, language="zh-Hans", faqs={}, faq_index=QuestionIndex(()), replies=index,
                    verified=VerifiedData())
    return [s.text for s in found if s.source == "agent_reply"]


def test_a_new_agent_reply_is_suggested_and_only_the_new_events_are_read(database_url):
    answered_by_agent(database_url, "earlier-wash", *WASH)
    index = ReplyIndex(database_url)
    index.refresh()
    assert replies_for(index, "羽绒服能放洗衣机洗吗") == [WASH[1]]
    assert index.reader.rows_read == event_count(database_url)  # the first read: everything there is
    assert replies_for(index, "退货运费谁出") == []

    before = event_count(database_url)
    answered_by_agent(database_url, "earlier-return", *RETURN)
    index.refresh(force=True)
    assert replies_for(index, "退货运费谁出") == [RETURN[1]]
    assert replies_for(index, "羽绒服能放洗衣机洗吗") == [WASH[1]]  # the earlier ones stay
    assert index.reader.rows_read == event_count(database_url) - before  # that conversation's events only
    index.refresh(force=True)
    assert index.reader.rows_read == 0 and len(index.pairs) == 2


def test_once_loaded_a_request_does_not_wait_for_the_read(database_url, monkeypatch):
    answered_by_agent(database_url, "earlier-wash", *WASH)
    index = ReplyIndex(database_url)
    index.refresh()
    answered_by_agent(database_url, "earlier-return", *RETURN)
    monkeypatch.setattr(suggestions, "REFRESH_SECONDS", 0.0)
    lock = index._lock
    with lock:  # a read that takes its time: the request goes on with the index as it is
        index.refresh()
        assert replies_for(index, "退货运费谁出") == []
    index.settle()
    assert replies_for(index, "退货运费谁出") == [RETURN[1]]


def row(event_id: int, sender: str, kind: str, text: str, **values) -> ConversationEvent:
    return ConversationEvent(id=event_id, sender_id=sender, type=kind, text=text,
                             timestamp=dt.datetime.now(dt.timezone.utc), data={}, **values)


def test_a_question_committed_late_behind_a_fresh_gap_is_not_skipped(database_url):
    """Two writers: the question got id 1, another conversation's message id 2 and was committed
    first. The reader stops before the fresh gap and pairs the question once it is there."""
    reader = PairReader(database_url)
    with session_scope(database_url) as db:
        db.add(row(2, "other", "user", "你好", intent="greet"))
    assert not reader.read() and reader.after == 0
    with session_scope(database_url) as db:
        db.add(row(1, "late", "user", RETURN[0], intent="nlu_fallback"))
        db.add(row(3, "late", "bot", RETURN[1], event_metadata={"agent": "小林"}))
    assert reader.read() and reader.after == 3
    assert [(p.question_event_id, p.question, p.reply) for p in reader.pairs] == [(1, *RETURN)]
