"""The web app's line to the Rasa server, for the two deliveries that reach a customer outside a
reply: an agent's message, and the rating question after a resolved handoff. Who holds the
conversation is not Rasa's business: the handoff record says it, and the channels' gate asks it
(docs/design.md, "Human handoff"); nothing here pauses or resumes the bot.

Every call goes through Rasa's HTTP API (:class:`kefu.botapi.BotServers`, the one client of the Rasa
servers: to any replica, the next one when a server cannot be reached) naming the handoff's own channel
(``output_channel=<handoff.channel>``, see :func:`reply_channel`), so Rasa records the message in
the transcript and sends it through ``get_output_channel()`` of the channel the customer was
handed over from (Socket.IO and Telegram push it; the REST channel keeps it in the outbox for the
customer's next call). Never ``output_channel=latest``: that is whoever wrote in the conversation
last, which may be someone else than the customer (a REST caller using the customer's id, a
message logged through the API without a channel). See docs/design.md, "Channels and agent
messages".
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from handoff.states import HandoffError
from kefu.botapi import BotApiError, BotServers

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
    """The Rasa servers did not take the call; the message says what failed."""


class RasaConversations:
    """The handoff's two deliveries, over :class:`~kefu.botapi.BotServers`; a failure of the Rasa
    servers (an error answer, none reachable) raises :class:`BotUnavailable`."""

    def __init__(self, bots: BotServers) -> None:
        self.bots = bots

    async def send_agent_message(self, sender_id: str, text: str, agent_name: str, *,
                                 channel: str) -> None:
        """Delivers an agent's message through ``channel`` (the handoff's, :func:`reply_channel`)
        and records it."""
        await self._delivered(self.bots.send_bot_message(sender_id, text, channel=channel,
                                                         metadata={"agent": agent_name}))

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
            await self._delivered(self.bots.post_events(
                sender_id, [{"event": "resume"}, {"event": "action", "name": "action_listen"}]))
        await self._delivered(self.bots.trigger_intent(sender_id, RESOLVED_INTENT, channel=channel))

    async def close(self) -> None:
        await self.bots.close()

    @staticmethod
    async def _delivered(call: Coroutine[Any, Any, Any]) -> None:
        try:
            await call
        except BotApiError as error:
            raise BotUnavailable(f"the bot did not take it: {error}") from error
