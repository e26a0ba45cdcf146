"""bot.patches.tracker_cache: Kefu's tracker store with a per-process cache and a fast save gives
what Rasa's retrieve and save give.

Every test compares against what a fresh store reads from the database, on SQLite and PostgreSQL,
and runs with the patch and without it (``store_mode``: the same checks hold for stock Rasa).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

from bot.patches import registry
from bot.stores import KefuTrackerStore
from tests.unit.bot.test_stores import DOMAIN, RecordingBroker, dump, store, turn


@pytest.fixture()
def url(database_url, store_mode):
    return database_url


async def test_the_next_turn_gets_the_tracker_the_last_one_left(url, store_mode):
    replica = store(url)
    tracker = await turn(replica, "c0", "你好")
    again = await replica.retrieve("c0")
    if store_mode == "patched":
        assert again is tracker  # from the cache: no read, no replay
    else:
        assert again is not tracker and dump(again) == dump(tracker)  # Rasa reads and replays it


async def test_cached_tracker_equals_a_fresh_read(url):
    replica = store(url)
    for text in ("你好", "运费怎么算", "谢谢"):
        await turn(replica, "c1", text)
    cached = await replica.retrieve("c1")
    fresh = await store(url).retrieve("c1")
    assert dump(cached) == dump(fresh)
    assert [e.text for e in fresh.events if isinstance(e, UserUttered)] == ["你好", "运费怎么算", "谢谢"]
    assert fresh.get_slot("language") == "zh-Hans"


async def test_two_replicas_alternating_on_one_conversation_lose_nothing(url):
    first, second = store(url), store(url)
    for i in range(6):
        await turn(first if i % 2 == 0 else second, "c2", f"m{i}")
    for replica in (first, second, store(url)):
        tracker = await replica.retrieve("c2")
        assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == [f"m{i}" for i in range(6)]
        bot = [e.text for e in tracker.events if isinstance(e, BotUttered)]
        assert bot == [f"re: m{i}" for i in range(6)]


async def test_no_event_is_written_twice(url):
    replica = store(url)
    tracker = await turn(replica, "c3", "a")
    await replica.save(tracker)  # nothing new
    await replica.save(tracker)
    fresh = await store(url).retrieve("c3")
    assert dump(fresh) == dump(tracker)


async def test_a_tracker_from_elsewhere_is_saved_the_rasa_way(url):
    replica = store(url)
    await turn(replica, "c4", "a")
    outsider = await store(url).retrieve("c4")  # e.g. built by the HTTP API in another process
    outsider.update(UserUttered("b", {"name": "greet", "confidence": 1.0}))
    await replica.save(outsider)
    assert [e.text for e in (await store(url).retrieve("c4")).events if isinstance(e, UserUttered)] == ["a", "b"]
    assert [e.text for e in (await replica.retrieve("c4")).events if isinstance(e, UserUttered)] == ["a", "b"]


async def test_after_a_new_session_the_cached_tracker_predicts_like_a_fresh_read(url):
    replica = store(url)
    tracker = await turn(replica, "c5", "old session")
    tracker.update(SessionStarted())
    tracker.update(SlotSet("language", "en"))  # carried over
    tracker.update(ActionExecuted("action_listen"))
    await replica.save(tracker)
    await turn(replica, "c5", "new session")
    again = await replica.retrieve("c5")
    fresh = await store(url).retrieve("c5")
    applied = lambda t: [{k: v for k, v in e.as_dict().items() if k != "timestamp"} for e in t.applied_events()]
    assert applied(again) == applied(fresh)
    assert [e.text for e in fresh.events if isinstance(e, UserUttered)] == ["new session"]
    assert again.get_slot("language") == fresh.get_slot("language") == "zh-Hans"


async def test_failed_save_forgets_the_tracker_and_publishes_nothing(url, store_mode, monkeypatch):
    broker = RecordingBroker()
    replica = KefuTrackerStore(domain=DOMAIN, host=url, event_broker=broker)
    tracker = await turn(replica, "c6", "a")
    tracker.update(UserUttered("lost?", {"name": "greet", "confidence": 1.0}))

    def broken(*_args, **_kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(replica, "session_scope", broken)
    monkeypatch.setattr(sa.pool.Pool, "connect", broken)  # no pool of the process gets a connection
    published = len(broker.published)
    with pytest.raises(RuntimeError):
        await replica.save(tracker)
    monkeypatch.undo()
    if store_mode == "patched":  # stock Rasa publishes before it stores
        assert len(broker.published) == published  # transcripts never get the turn that was not stored
    reread = await replica.retrieve("c6")
    assert reread is not tracker
    assert [e.text for e in reread.events if isinstance(e, UserUttered)] == ["a"]


async def test_saves_of_every_size_store_every_event_as_written(url, store_mode):
    # the save's INSERT is compiled once per number of rows (and built each time past COMPILED_ROWS):
    # whatever the size, and with characters a driver's SQL must not take as its own, every event
    # is stored once, in order, and the next turn still continues from the cached tracker
    from bot.patches.tracker_cache import COMPILED_ROWS

    replica = store(url)
    tracker = await turn(replica, "c7", "100% 'sure' %(x)s ?")
    for size in (1, 3, 3, 1, COMPILED_ROWS + 5, COMPILED_ROWS + 5):
        for i in range(size):
            tracker.update(BotUttered(f"{size}/{i}: 50% off, %s, ':x'"))
        await replica.save(tracker)
        assert dump(await store(url).retrieve("c7")) == dump(tracker)
    if store_mode == "patched":  # the newest id the save returned is the newest stored: the cache holds
        assert await replica.retrieve("c7") is tracker


async def test_a_replica_that_never_saw_the_conversation_reads_what_rasas_query_reads(url, store_mode):
    """The full read (a replica without the conversation cached) returns the rows of Rasa's own
    query: the newest session's, or every row of a conversation without a session start."""
    writer = store(url)
    await turn(writer, "c9", "no session start")
    await turn(writer, "c9", "still none")
    tracker = await turn(writer, "c10", "old session")
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    await writer.save(tracker)
    await turn(writer, "c10", "new session")
    rasa_read = registry.original(KefuTrackerStore, "retrieve")  # stock mode: the same function
    for sender, texts in (("c9", ["no session start", "still none"]), ("c10", ["new session"])):
        fresh = await store(url).retrieve(sender)
        assert [e.text for e in fresh.events if isinstance(e, UserUttered)] == texts
        assert dump(fresh) == dump(await rasa_read(store(url), sender))
