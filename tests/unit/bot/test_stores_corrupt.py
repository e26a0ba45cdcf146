"""KefuTrackerStore with rows it cannot read: broken JSON, an unknown event type, a known event
with wrong fields. Each is logged (row id and problem, never the row's content) and skipped; the
conversation goes on. On SQLite and PostgreSQL, with stock Rasa's retrieve and the patched one."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.stores import KefuTrackerStore
from tests.unit.bot.test_stores import DOMAIN, turn

SECRET_WORDS = "我家住在幸福路七号"

BAD_ROWS = [
    ("user", '{"event": "user", "text": "' + SECRET_WORDS + '", "parse_data": '),  # cut-off JSON
    ("kefu_unknown", '{"event": "kefu_unknown", "timestamp": 1, "text": "' + SECRET_WORDS + '"}'),
    ("user", '{"event": "user", "timestamp": 1, "parse_data": "' + SECRET_WORDS + '"}'),  # wrong fields
    ("user", '"just a string"'),
    ("user", "\x00\x01 not json"),
]


def insert_bad_rows(store: KefuTrackerStore, sender: str) -> None:
    table = store.SQLEvent.__table__
    with store.engine.begin() as connection:
        for type_name, data in BAD_ROWS:
            connection.execute(table.insert().values(sender_id=sender, type_name=type_name, timestamp=1.0,
                                                     data=data.replace("\x00", "")))


@pytest.fixture()
def url(database_url, store_mode):
    return database_url


async def test_unreadable_rows_are_logged_and_skipped(url, caplog):
    writer = KefuTrackerStore(domain=DOMAIN, host=url)
    await turn(writer, "broken-1", "你好")
    insert_bad_rows(writer, "broken-1")
    caplog.set_level(logging.INFO)
    reader = KefuTrackerStore(domain=DOMAIN, host=url)  # another replica: reads the rows
    tracker = await reader.retrieve("broken-1")
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == ["你好"]
    skipped = [r for r in caplog.records if "skipped unreadable event row" in r.getMessage()]
    assert len(skipped) == len(BAD_ROWS)
    assert all(r.levelno == logging.ERROR for r in skipped)
    assert SECRET_WORDS not in caplog.text and "broken-1"[:8] in caplog.text

    # the conversation goes on, on either store, and the full tracker (HTTP API) reads too
    await turn(reader, "broken-1", "运费怎么算")
    await turn(writer, "broken-1", "谢谢")
    for store in (reader, writer, KefuTrackerStore(domain=DOMAIN, host=url)):
        tracker = await store.retrieve("broken-1")
        assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == ["你好", "运费怎么算", "谢谢"]
        assert [e.text for e in tracker.events if isinstance(e, BotUttered)] == ["re: 你好", "re: 运费怎么算", "re: 谢谢"]
    full = await KefuTrackerStore(domain=DOMAIN, host=url).retrieve_full_tracker("broken-1")
    assert [e.text for e in full.events if isinstance(e, UserUttered)] == ["你好", "运费怎么算", "谢谢"]
    # the bad rows are still there (kept for inspection), just never read into a conversation
    with writer.engine.connect() as connection:
        count = connection.execute(sa.select(sa.func.count()).select_from(writer.SQLEvent.__table__)
                                   .where(writer.SQLEvent.__table__.c.sender_id == "broken-1")).scalar()
    assert count == 1 + 3 * 5 + len(BAD_ROWS)  # action_listen, then 5 events a turn


async def test_a_conversation_of_only_unreadable_rows_starts_afresh(url):
    store = KefuTrackerStore(domain=DOMAIN, host=url)
    insert_bad_rows(store, "broken-2")
    tracker = await store.retrieve("broken-2")
    assert tracker is None or not [e for e in tracker.events if isinstance(e, UserUttered)]
    await turn(store, "broken-2", "你好")
    again = await KefuTrackerStore(domain=DOMAIN, host=url).retrieve("broken-2")
    assert [e.text for e in again.events if isinstance(e, UserUttered)] == ["你好"]


async def test_a_tracker_from_elsewhere_is_saved_whole_past_unreadable_rows(url):
    """Saved the way Rasa's store saves a tracker it did not hand out (the HTTP API's; stock Rasa's
    every save): its new events are found by how many of the conversation's rows are stored, and
    the unreadable rows, not part of the tracker, must not count."""
    writer = KefuTrackerStore(domain=DOMAIN, host=url)
    await turn(writer, "broken-3", "你好")
    insert_bad_rows(writer, "broken-3")
    outsider = await KefuTrackerStore(domain=DOMAIN, host=url).retrieve("broken-3")
    outsider.update(UserUttered("还在吗", {"name": "greet", "confidence": 1.0}))
    await writer.save(outsider)
    again = await KefuTrackerStore(domain=DOMAIN, host=url).retrieve("broken-3")
    assert [e.text for e in again.events if isinstance(e, UserUttered)] == ["你好", "还在吗"]
    # a tracker no Kefu store read (built from events): its stored events are counted row by row
    built = DialogueStateTracker.from_events("broken-3", [*again.events, UserUttered("喂", {"name": "greet"})],
                                             DOMAIN.slots)
    await writer.save(built)
    again = await KefuTrackerStore(domain=DOMAIN, host=url).retrieve("broken-3")
    assert [e.text for e in again.events if isinstance(e, UserUttered)] == ["你好", "还在吗", "喂"]
