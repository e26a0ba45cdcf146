"""Rasa tracker and lock stores configured from Kefu's settings (DATABASE_URL, REDIS_URL).

``endpoints.yml`` names these classes instead of spelling out hosts and passwords, so that one
``DATABASE_URL`` configures the app database and Rasa's tracker store alike.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.engine import make_url

from kefu.db import sqlite_engine
from kefu.events import without_secrets
from kefu.settings import load_settings

logger = logging.getLogger(__name__)


#: How long a retrieve's "no such conversation" is trusted by the save that follows it.
ABSENT_FOR = 30.0


class KefuTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store (same table, same events) on the database of Kefu's settings,
    made cheap per turn:

    * SQLite runs in WAL mode with ``synchronous=NORMAL`` (commits without a full fsync; readers
      never wait for the writer), so concurrent conversations don't queue on the file lock;
    * a save inserts the events added since the tracker was loaded or last saved, in one
      transaction, instead of first counting the stored events with a sub-query; new events are
      published to the event broker from that same list (Rasa's store re-reads the whole
      conversation to find them);
    * the tracker a turn leaves behind is kept in a per-process cache and handed to the next turn
      of that conversation when the newest event id in the database is still the one it saved —
      one indexed lookup instead of reading and replaying the session. Any other writer (another
      replica, the HTTP API) moves that id and the next retrieve reads the database as Rasa does.

    Credentials never reach the table or the event broker: each event is stored and published
    without the metadata entries whose key names a token, password or secret
    (:func:`kefu.events.without_secrets`: a signed-in shopper's ``customer_token``), on this
    store's own save and on the way through Rasa's. The tracker in memory keeps them, so the
    actions of the turn that brought the token still see it.
    """

    #: Conversations whose tracker is kept in memory per process (least recently used dropped).
    CACHE_SIZE = 5000

    def __init__(self, domain=None, host: str | None = None, event_broker=None, **kwargs: Any) -> None:
        url = make_url(host or load_settings().tracker_store_url)
        dialect = url.get_backend_name()
        self._cache: OrderedDict[str, _Known] = OrderedDict()
        # Conversations a retrieve just found empty: their first save inserts without asking again.
        # A turn holds the conversation's lock from retrieve to save, so nobody else writes between.
        self._absent: OrderedDict[str, float] = OrderedDict()
        super().__init__(
            domain=domain,
            dialect=dialect,
            host=url.host,
            port=url.port,
            db=url.database,
            username=url.username,
            password=url.password,
            event_broker=event_broker,
            query=dict(url.query),
            **kwargs,
        )
        if dialect == "sqlite":
            # Rasa's engine uses SQLAlchemy's default for SQLite files, which opens a new
            # connection for every session; a small pool of connections with WAL pragmas instead.
            self.engine.dispose()
            self.engine = sqlite_engine(self.engine.url, future=False)
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        else:
            # A database server that restarted or was unreachable for a while leaves dead
            # connections in the pool: checked before use, so the next turn after an outage works.
            from rasa.core.tracker_store import create_engine_kwargs

            engine_url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(engine_url, pool_pre_ping=True, **create_engine_kwargs(engine_url))
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        # SQL errors are logged; their bound parameters would carry the customers' messages.
        self.engine.hide_parameters = True
        # The statements of every turn, built once and run on a plain connection: an ORM session
        # and a freshly built query cost about 0.3 ms each time, the statement itself 0.03 ms.
        table = self.SQLEvent.__table__
        self._insert_events = table.insert()
        self._last_event_id = sa.select(sa.func.max(table.c.id)).where(table.c.sender_id == sa.bindparam("sender_id"))
        logger.info("tracker store: %s", url.render_as_string(hide_password=True))

    # Rasa assigns ``domain`` when a new model is loaded; trackers built for the old one go.
    @property
    def domain(self):
        return self._domain

    @domain.setter
    def domain(self, value) -> None:
        self._domain = value
        if hasattr(self, "_cache"):
            self._cache.clear()

    def _begin(self):
        """A connection in a transaction (committed when the block ends, rolled back if it raises)."""
        return self.engine.begin()

    async def retrieve(self, sender_id: str):
        with self._begin() as connection:
            last_id = connection.execute(self._last_event_id, {"sender_id": sender_id}).scalar()
        known = self._cache.get(sender_id)
        if known is not None and last_id is not None and known.last_id == last_id:
            self._cache.move_to_end(sender_id)
            return known.tracker
        if last_id is None:  # a new conversation: nothing to read, and the save needs no check
            self._cache.pop(sender_id, None)
            self._remember_absent(sender_id)
            return None
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
        if not rows or not self.domain:
            self._cache.pop(sender_id, None)
            return None
        tracker = DialogueStateTracker.from_events(sender_id, readable_events(sender_id, rows), self.domain.slots)
        self._remember(sender_id, _Known(tracker, last_id=rows[-1].id, stored=len(tracker.events)))
        return tracker

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool):
        """Rasa's, skipping rows that cannot be read (the HTTP API's full tracker comes here)."""
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id,
                                     fetch_events_from_all_sessions=fetch_events_from_all_sessions).all()
        if not rows or not self.domain:
            return None
        return DialogueStateTracker.from_events(sender_id, readable_events(sender_id, rows), self.domain.slots)

    async def save(self, tracker) -> None:
        sender_id = tracker.sender_id
        known = self._cache.get(sender_id)
        if known is None and (self._absent.get(sender_id, 0) > time.monotonic() - ABSENT_FOR
                              or not await self._has_events(sender_id)):
            known = _Known(tracker, last_id=0, stored=0)  # a new conversation: every event is new
        try:
            if known is None or known.tracker is not tracker or len(tracker.events) < known.stored:
                # not a tracker this store handed out: find its new events the way Rasa does
                await super().save(tracker)
                self._cache.pop(sender_id, None)
                self._absent.pop(sender_id, None)
                return
            new_events = list(itertools.islice(tracker.events, known.stored, None))
            if not new_events:
                return
            # each event serialised once (without credentials), for the event broker and the table alike
            dicts = [without_secrets(event.as_dict()) for event in new_events]
            if self.event_broker is not None:
                for data in dicts:
                    self.event_broker.publish({"sender_id": sender_id, **data})
            with self._begin() as connection:  # one executemany INSERT, not an ORM flush per event
                connection.execute(self._insert_events,
                                   [self._row(sender_id, event, data) for event, data in zip(new_events, dicts)])
                last_id = connection.execute(self._last_event_id, {"sender_id": sender_id}).scalar()
        except Exception:
            self._cache.pop(sender_id, None)
            self._absent.pop(sender_id, None)
            raise
        self._absent.pop(sender_id, None)  # stored now (an empty tracker keeps the mark until it is)
        # After a new session starts the cached tracker still holds the old session's events, which a
        # reload would not; Rasa applies only the events after the latest SessionStarted, so the
        # next turn predicts the same either way.
        self._remember(sender_id, _Known(tracker, last_id=last_id, stored=len(tracker.events)))

    def _additional_events(self, session, tracker):
        """Rasa's save (a tracker this store did not hand out) stores these: without credentials."""
        return (_Stored(event) for event in super()._additional_events(session, tracker))

    async def _stream_new_events(self, event_broker, new_events, sender_id: str) -> None:
        """Rasa's save publishes these: without credentials."""
        for event in new_events:
            event_broker.publish({"sender_id": sender_id, **without_secrets(event.as_dict())})

    async def _has_events(self, sender_id: str) -> bool:
        with self.session_scope() as session:
            return session.query(self.SQLEvent.id).filter(self.SQLEvent.sender_id == sender_id).first() is not None

    def _row(self, sender_id: str, event, data: dict[str, Any]):
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }

    def _remember_absent(self, sender_id: str) -> None:
        self._absent[sender_id] = time.monotonic()
        self._absent.move_to_end(sender_id)
        while len(self._absent) > self.CACHE_SIZE:
            self._absent.popitem(last=False)

    def _remember(self, sender_id: str, known: _Known) -> None:
        self._cache[sender_id] = known
        self._cache.move_to_end(sender_id)
        while len(self._cache) > self.CACHE_SIZE:
            self._cache.popitem(last=False)


def readable_events(sender_id: str, rows) -> list[Event]:
    """The events of tracker rows; a row that is not valid JSON or no known, well-formed event is
    logged (its id and type, never its content: it may hold the customer's words) and skipped."""
    result: list[Event] = []
    for row in rows:
        try:
            data = json.loads(row.data)
            event = Event.from_parameters(data) if isinstance(data, dict) else None
        except Exception as error:  # broken JSON, a known event with missing or wrong fields
            event, problem = None, type(error).__name__
        else:
            problem = "unknown event type" if isinstance(data, dict) else "not an event"
        if event is None:
            logger.error("tracker store: skipped unreadable event row %s (%s) of conversation %s…",
                         getattr(row, "id", "?"), problem, sender_id[:8])
            continue
        result.append(event)
    return result


class _Stored:
    """An event as Rasa's ``SQLTrackerStore.save`` writes it: its type and its data without
    credentials (the event itself, in the tracker, is left as it is)."""

    def __init__(self, event: Event) -> None:
        self.type_name = event.type_name
        self._data = without_secrets(event.as_dict())

    def as_dict(self) -> dict[str, Any]:
        return self._data


@dataclass
class _Known:
    """A tracker this process saved or loaded, and what of it is in the database."""

    tracker: Any
    last_id: int
    stored: int


class _OverdueTicketsServed:
    """Rasa's ticket lock, fixed for a holder that dies (a replica killed mid-turn).

    Its ticket stays in Redis until it expires (``TICKET_LOCK_LIFETIME``). Rasa's waiter then
    only goes ahead if its own ticket has not expired by that time; the waiter right behind a dead
    holder got its ticket a moment later, so both usually expire in the same one-second poll and
    Rasa waits forever (the lock is never empty of waiters, and "now serving" is nobody). Here a
    waiter goes ahead as soon as no live ticket older than its own is left.
    """

    async def _acquire_lock(self, conversation_id: str, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        while True:
            lock = self.get_lock(conversation_id)
            if lock is None:  # removed by a cleanup that saw no live ticket (ours had expired)
                return TicketLock(conversation_id)
            lock.remove_expired_tickets()
            if all(other.number >= ticket for other in lock.tickets):
                return lock
            await asyncio.sleep(wait_time_in_seconds)
            self.update_lock(conversation_id)


class KefuRedisLockStore(_OverdueTicketsServed, RedisLockStore):
    pass


class KefuInMemoryLockStore(_OverdueTicketsServed, InMemoryLockStore):
    pass


class KefuLockStore:
    """Chooses Rasa's Redis lock store when ``REDIS_URL`` is set, else the in-memory one."""

    def __new__(cls, endpoint_config: EndpointConfig | None = None) -> LockStore:  # type: ignore[misc]
        redis_url = (endpoint_config.url if endpoint_config else None) or load_settings().redis_url
        if not redis_url:
            return KefuInMemoryLockStore()
        url = make_url(redis_url)
        logger.info("lock store: redis://%s:%s/%s", url.host, url.port or 6379, url.database or 0)
        return KefuRedisLockStore(
            host=url.host or "localhost",
            port=url.port or 6379,
            db=int(url.database or 0),
            password=url.password,
            use_ssl=url.drivername == "rediss",
            key_prefix="kefu",
        )
