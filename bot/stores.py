"""Rasa tracker and lock stores configured from Kefu's settings (DATABASE_URL, REDIS_URL).

``endpoints.yml`` names these classes instead of spelling out hosts and passwords, so that one
``DATABASE_URL`` configures the app database and Rasa's tracker store alike.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.engine import make_url

from kefu.settings import load_settings

logger = logging.getLogger(__name__)


class KefuTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store on the database named by Kefu's settings."""

    def __init__(self, domain=None, host: str | None = None, event_broker=None, **kwargs: Any) -> None:
        url = make_url(host or load_settings().tracker_store_url)
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
        logger.info("tracker store: %s", url.render_as_string(hide_password=True))


class KefuLockStore:
    """Chooses Rasa's Redis lock store when ``REDIS_URL`` is set, else the in-memory one."""

    def __new__(cls, endpoint_config: EndpointConfig | None = None) -> LockStore:  # type: ignore[misc]
        redis_url = (endpoint_config.url if endpoint_config else None) or load_settings().redis_url
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
