"""Live updates for the agent console, learnt by polling the database.

One poller per web-app process reads what changed since its cursor (new handoff transitions,
new messages of conversations with a handoff) and hands it to every connected console as
server-sent events. Because the source is the database, it sees changes made by any process
(the Rasa servers' event broker, the action server, other web-app replicas), and nothing is lost
while no console is connected: a console that (re)connects loads the state through the REST API
and then follows the feed.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any

from handoff.transcripts import Transcripts
from kefu.clock import utcnow

logger = logging.getLogger(__name__)

POLL_INTERVAL = 1.0
QUEUE_LIMIT = 1000


@dataclass(frozen=True)
class FeedItem:
    """One server-sent event: ``event: <kind>`` with a JSON ``data`` line."""

    id: str
    kind: str
    data: dict[str, Any]

    def encode(self) -> str:
        return f"id: {self.id}\nevent: {self.kind}\ndata: {json.dumps(self.data, ensure_ascii=False)}\n\n"


class LiveFeed:
    """Fans database changes out to subscribed consoles."""

    def __init__(self, transcripts: Transcripts, *, interval: float = POLL_INTERVAL) -> None:
        self.transcripts = transcripts
        self.interval = interval
        self._subscribers: set[asyncio.Queue[FeedItem]] = set()
        self._task: asyncio.Task[None] | None = None
        self._cursor: tuple[int, int] | None = None

    def subscribe(self) -> asyncio.Queue[FeedItem]:
        queue: asyncio.Queue[FeedItem] = asyncio.Queue(maxsize=QUEUE_LIMIT)
        self._subscribers.add(queue)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())
        return queue

    def unsubscribe(self, queue: asyncio.Queue[FeedItem]) -> None:
        self._subscribers.discard(queue)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            if self._cursor is None:
                self._cursor = await loop.run_in_executor(None, self.transcripts.cursor)
            while self._subscribers:
                try:
                    items = await loop.run_in_executor(None, self._poll)
                except Exception:
                    logger.exception("live feed: polling the database failed")
                    items = []
                for item in items:
                    self._publish(item)
                await asyncio.sleep(self.interval)
        finally:
            # with nobody listening the feed stops; the next console starts from "now" (it loads
            # the state through the REST API first)
            self._task = None
            self._cursor = None

    def _poll(self) -> list[FeedItem]:
        assert self._cursor is not None  # set by _run before it polls
        transition_id, event_id = self._cursor
        transitions, messages = self.transcripts.changes_since(transition_id, event_id, now=utcnow())
        items = []
        for transition in transitions:
            items.append(FeedItem(f"t{transition.id}", "handoff", {
                "id": transition.handoff_id, "from": transition.from_status, "to": transition.to_status,
                "actor": transition.actor, "at": transition.at.isoformat() if transition.at else None,
            }))
            transition_id = max(transition_id, transition.id)
        for handoff_id, line in messages:
            items.append(FeedItem(f"e{line.event_id}", "message", {
                "handoff_id": handoff_id, "event_id": line.event_id, **line.as_json(),
                **({"agent": line.agent} if line.agent else {}),
            }))
            event_id = max(event_id, line.event_id)
        self._cursor = (transition_id, event_id)
        return items

    def _publish(self, item: FeedItem) -> None:
        for queue in list(self._subscribers):
            try:
                queue.put_nowait(item)
            except asyncio.QueueFull:  # a console that stopped reading: drop it, it will reconnect
                self._subscribers.discard(queue)
