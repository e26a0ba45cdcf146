"""The web app's line to the Rasa server, for the two deliveries that reach a customer outside a
reply: an agent's message, and the rating question after a resolved handoff. Who holds the
conversation is not Rasa's business: the handoff record says it, and the channels' gate asks it
(docs/design.md, "Human handoff"); nothing here pauses or resumes the bot.

Every call goes through Rasa's HTTP API naming the handoff's own channel
(``output_channel=<handoff.channel>``, see :func:`reply_channel`), so Rasa records the message in
the transcript and sends it through ``get_output_channel()`` of the channel the customer was
handed over from (Socket.IO and Telegram push it; the REST channel keeps it in the outbox for the
customer's next call). Never ``output_channel=latest``: that is whoever wrote in the conversation
last, which may be someone else than the customer (a REST caller using the customer's id, a
message logged through the API without a channel). See docs/design.md, "Channels and agent
messages".
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import quote

from handoff.states import HandoffError

logger = logging.getLogger(__name__)

#: The intent the web app triggers when an agent resolves a handoff (rule: ask for a rating).
RESOLVED_INTENT = "EXTERNAL_handoff_resolved"
#: Sender id prefixes that name their channel (docs/design.md, "Channels and agent messages").
SENDER_PREFIXES = (("tg:", "telegram"), ("wx:", "wechat"), ("web:", "socketio"))
#: The channel of a sender id without a known prefix.
DEFAULT_CHANNEL = "rest"


def reply_channel(channel: str | None, sender_id: str) -> str:
    """The channel a handoff's messages go out on: the one recorded with the handoff, else the one
    its sender id names (``tg:`` Telegram, ``wx:`` WeChat, ``web:`` the widget), else REST."""
    if channel:
        return channel
    for prefix, name in SENDER_PREFIXES:
        if sender_id.startswith(prefix):
            return name
    return DEFAULT_CHANNEL


class BotUnavailable(HandoffError):
    """The Rasa server did not take the call; the message says what failed."""


class RasaConversations:
    """Async client of Rasa's conversation API (``/conversations/{sender}/...``)."""

    def __init__(self, bot_url: str, token: str, *, timeout: float = 15.0) -> None:
        self.bot_url = bot_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._session = None

    async def _client(self):
        import aiohttp

        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self._session

    async def _post(self, sender_id: str, path: str, body: Any, **params: str) -> Any:
        url = f"{self.bot_url}/conversations/{quote(sender_id, safe='')}/{path}"
        query = {"token": self.token, **params}
        try:
            session = await self._client()
            async with session.post(url, json=body, params=query) as reply:
                if reply.status >= 400:
                    detail = (await reply.text())[:300]
                    raise BotUnavailable(f"the bot answered {reply.status} to {path}: {detail}")
                return await reply.json(content_type=None)
        except BotUnavailable:
            raise
        except (OSError, asyncio.TimeoutError, Exception) as error:  # aiohttp.ClientError and friends
            raise BotUnavailable(f"the bot at {self.bot_url} could not be reached ({type(error).__name__})") from error

    async def send_agent_message(self, sender_id: str, text: str, agent_name: str, *,
                                 channel: str) -> None:
        """Delivers an agent's message through ``channel`` (the handoff's, :func:`reply_channel`)
        and records it."""
        await self._post(
            sender_id, "tracker/events",
            {"event": "bot", "text": text, "metadata": {"agent": agent_name}},
            output_channel=channel, execute_side_effects="true",
        )

    async def ask_for_rating(self, sender_id: str, *, channel: str, resume_old_pause: bool = False) -> None:
        """Has the bot ask for a rating (rule on :data:`RESOLVED_INTENT`) through ``channel`` (the
        handoff's, :func:`reply_channel`).

        Args:
            resume_old_pause: the conversation was handed over by a Kefu before migration 0007,
                which paused Rasa's tracker: resume it first (a paused tracker would not answer the
                intent). A resume is followed by ``action_listen``, so that the intent is read as a
                fresh turn, as rules expect.
        """
        if resume_old_pause:
            await self._post(sender_id, "tracker/events",
                             [{"event": "resume"}, {"event": "action", "name": "action_listen"}])
        await self._post(sender_id, "trigger_intent", {"name": RESOLVED_INTENT}, output_channel=channel)

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
