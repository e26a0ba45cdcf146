"""What the web app does for the handoff queue in the background, and the rating question.

* :class:`RatingRequests` sends the rating question after a resolved handoff (Rasa's
  ``trigger_intent EXTERNAL_handoff_resolved`` on the handoff's channel). The resolve route sends
  it at once; when the Rasa server cannot be reached, the handoff stays resolved (the bot answers
  the customer again either way, the record says so) and the question is sent again by the
  upkeep until it is delivered, for :data:`RATING_WINDOW`. Each attempt is taken with a
  conditional UPDATE (``rating_requesting_since``), so two web processes never both ask; when it
  reached the Rasa server, ``rating_requested_at`` says so.
* :class:`Upkeep` runs every :data:`UPKEEP_INTERVAL` seconds: it marks waiting customers who
  went quiet ``abandoned`` (the bot then answers them again: nothing is sent) and retries the
  rating questions not delivered yet.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from handoff.models import Handoff
from handoff.rasa_client import BotUnavailable, RasaConversations, reply_channel
from handoff.service import Clock, HandoffService
from handoff.store import HandoffStore
from kefu.clock import utcnow

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Seconds between two rounds of upkeep.
UPKEEP_INTERVAL = 5.0
#: How long after the resolution a rating question is still worth sending.
RATING_WINDOW = dt.timedelta(days=1)


async def in_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Runs blocking database work off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(function, *args, **kwargs))


class RatingRequests:
    """Sends the rating question of resolved handoffs, each once."""

    def __init__(self, store: HandoffStore, bot: Callable[[], RasaConversations], *, clock: Clock = utcnow) -> None:
        """
        Args:
            bot: gives the client of the Rasa server (created on first use).
        """
        self.store = store
        self.bot = bot
        self.clock = clock

    async def send(self, handoff: Handoff) -> bool:
        """Asks the customer for a rating; True once the Rasa server took it (or it was taken
        already), False when it must be tried again (logged)."""
        if not await in_thread(self.store.start_rating_request, handoff.id, self.clock()):
            return False  # sent already, or another process is sending it now
        try:
            channel = reply_channel(handoff.channel, handoff.sender_id)
            await self.bot().ask_for_rating(handoff.sender_id, channel=channel,
                                            resume_old_pause=bool(handoff.tracker_paused))
        except BotUnavailable as error:
            logger.warning("handoff %s: the rating question could not be sent yet: %s", handoff.id, error)
            await in_thread(self.store.finish_rating_request, handoff.id, None)
            return False
        except BaseException:
            await in_thread(self.store.finish_rating_request, handoff.id, None)
            raise
        await in_thread(self.store.finish_rating_request, handoff.id, self.clock())
        return True

    async def retry(self) -> int:
        """Sends the rating questions still owed; returns how many went out."""
        now = self.clock()
        sent = 0
        for handoff in await in_thread(self.store.ratings_to_request, since=now - RATING_WINDOW, now=now):
            sent += await self.send(handoff)
        return sent


class Upkeep:
    """The handoff queue's background work on one web process (every replica runs one; the
    database decides who does each piece)."""

    def __init__(self, service: HandoffService, ratings: RatingRequests, *, abandon_after: dt.timedelta,
                 interval: float = UPKEEP_INTERVAL) -> None:
        self.service = service
        self.ratings = ratings
        self.abandon_after = abandon_after
        self.interval = interval

    async def run_once(self) -> None:
        """Abandons waiting conversations gone quiet, and sends the rating questions still owed."""
        for handoff in await in_thread(self.service.abandon_stale, quiet_for=self.abandon_after):
            logger.info("handoff %s abandoned: the customer was quiet for %s", handoff.id, self.abandon_after)
        await self.ratings.retry()

    async def run(self) -> None:
        """Runs :meth:`run_once` every :attr:`interval` seconds until cancelled."""
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("handoff upkeep failed")
