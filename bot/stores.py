"""Rasa tracker and lock stores configured from Kefu's settings (DATABASE_URL, REDIS_URL).

``endpoints.yml`` names these classes instead of spelling out hosts and passwords, so that one
``DATABASE_URL`` configures the app database and Rasa's tracker store alike. What is here holds
with stock Rasa too (``KEFU_STOCK_RASA``): the engine, credentials kept out of the table and the
event broker, unreadable rows skipped. The speed-ups and the lock fix are patches
(:mod:`bot.patches.tracker_cache`, :mod:`bot.patches.lock_tickets`) that ``bot.patches.install``
applies to these classes.
"""

from __future__ import annotations

import itertools
import json
import logging
from typing import Any

import sqlalchemy as sa
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.engine import make_url

from bot.brokers import settle
from kefu.db import server_engine, sqlite_engine
from kefu.events import without_secrets
from kefu.settings import current

logger = logging.getLogger(__name__)


class KefuTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store (same table, same events) on the database of Kefu's settings:

    * SQLite runs in WAL mode with ``synchronous=NORMAL`` on a small pool of connections
      (commits without a full fsync; readers never wait for the writer), so concurrent
      conversations don't queue on the file lock; a database server's pooled connections are
      checked before use unless given back a moment ago (:func:`kefu.db.ping_when_idle`), so
      the next turn after an outage works;
    * SQL errors are logged without their bound parameters (the customers' messages);
    * a row that cannot be read is logged (its id, never its content) and skipped
      (:func:`readable_events`);
    * credentials never reach the table or the event broker: each event is stored and published
      without the metadata entries whose key names a token, password or secret
      (:func:`kefu.events.without_secrets`: a signed-in shopper's ``customer_token``), on this
      store's own save and on the way through Rasa's. The tracker in memory keeps them, so the
      actions of the turn that brought the token still see it.

    With the patches installed (the default) it also keeps each conversation's tracker in a
    per-process cache and saves new events without Rasa's counting query
    (:mod:`bot.patches.tracker_cache`, which strips credentials on its own path too).
    """

    def __init__(self, domain=None, host: str | None = None, event_broker=None, **kwargs: Any) -> None:
        url = make_url(host or current().tracker_store_url)
        dialect = url.get_backend_name()
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
            # connections in the pool: checked before use unless given back a moment ago
            # (kefu.db.ping_when_idle), so the next turn after an outage works.
            from rasa.core.tracker_store import create_engine_kwargs

            engine_url = self.engine.url
            self.engine.dispose()
            self.engine = server_engine(engine_url, future=False, hide_parameters=False,
                                        **create_engine_kwargs(engine_url))
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        # SQL errors are logged; their bound parameters would carry the customers' messages.
        self.engine.hide_parameters = True
        logger.info("tracker store: %s", url.render_as_string(hide_password=True))

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool):
        """Rasa's, skipping rows that cannot be read (the HTTP API's full tracker comes here)."""
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id,
                                     fetch_events_from_all_sessions=fetch_events_from_all_sessions).all()
        if not rows or not self.domain:
            return None
        return tracker_from_rows(sender_id, rows, self.domain.slots)

    def _additional_events(self, session, tracker):
        """The events Rasa's save stores (every save with stock Rasa; with the patches, a tracker the
        store did not hand out): those after the ones already stored, without credentials.

        Rasa counts the session's rows to know how many of the tracker's events are stored; a
        tracker read without its unreadable rows has that many fewer (the rows are not read
        again: a turn holds the conversation's lock from retrieve to save).
        """
        unreadable = tracker.__dict__.get(UNREADABLE)
        if unreadable is None:  # not read by a Kefu store: count the readable rows themselves
            rows = self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False).all()
            stored = sum(1 for row in rows if _event_of(row)[0] is not None)
        else:
            stored = self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False).count()
            stored -= unreadable
        return (_Stored(event) for event in itertools.islice(tracker.events, stored, len(tracker.events)))

    async def _stream_new_events(self, event_broker, new_events, sender_id: str) -> None:
        """Rasa's save publishes these: without credentials; the turn ends once a confirming
        broker has them (:func:`settle`)."""
        for event in new_events:
            event_broker.publish({"sender_id": sender_id, **without_secrets(event.as_dict())})
        await settle(event_broker, sender_id)


#: Set on a tracker read from rows: how many of them could not be read (and are not in it).
UNREADABLE = "_kefu_unreadable_rows"


def tracker_from_rows(sender_id: str, rows, slots) -> DialogueStateTracker:
    """The tracker of a conversation's rows (:func:`readable_events`), marked with how many rows
    were skipped (the saves of Rasa's path count the stored rows to find the new events)."""
    events = readable_events(sender_id, rows)
    tracker = DialogueStateTracker.from_events(sender_id, events, slots)
    tracker.__dict__[UNREADABLE] = len(rows) - len(events)
    return tracker


def _event_of(row) -> tuple[Event | None, str]:
    """The event of a tracker row, or ``None`` and what is wrong with the row."""
    try:
        data = json.loads(row.data)
        event = Event.from_parameters(data) if isinstance(data, dict) else None
    except Exception as error:  # noqa: BLE001 - broken JSON, a known event with missing or wrong fields
        return None, type(error).__name__
    return event, "unknown event type" if isinstance(data, dict) else "not an event"


def readable_events(sender_id: str, rows) -> list[Event]:
    """The events of tracker rows; a row that is not valid JSON or no known, well-formed event is
    logged (its id and type, never its content: it may hold the customer's words) and skipped."""
    result: list[Event] = []
    for row in rows:
        event, problem = _event_of(row)
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


class KefuLockStore:
    """Chooses Rasa's Redis lock store when ``REDIS_URL`` is set, else the in-memory one.

    Rasa's ticket lock waits forever behind a holder that died (a replica killed mid-turn);
    :mod:`bot.patches.lock_tickets` fixes that for both."""

    def __new__(cls, endpoint_config: EndpointConfig | None = None) -> LockStore:  # type: ignore[misc]
        redis_url = (endpoint_config.url if endpoint_config else None) or current().redis_url
        if not redis_url:
            return InMemoryLockStore()
        url = make_url(redis_url)
        logger.info("lock store: redis://%s:%s/%s", url.host, url.port or 6379, url.database or 0)
        return RedisLockStore(
            host=url.host or "localhost",
            port=url.port or 6379,
            db=int(url.database or 0),
            password=url.password,
            use_ssl=url.drivername == "rediss",
            key_prefix="kefu",
        )
