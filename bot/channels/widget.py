"""The site widget's channel: Rasa's ``socketio`` channel, fixed and extended for Kefu.

Same events and payloads as Rasa's channel (``session_request`` → ``session_confirm``,
``user_uttered`` ``{"message", "session_id", "metadata"}`` → ``bot_uttered`` ``{"text",
"quick_replies"?}``), registered under the same name ``socketio``. Differences:

* Sessions are issued by the server and signed (:mod:`bot.channels.widget_sessions`): the
  client holds the token ``<id>.<sig>`` that ``session_confirm`` carries (a plain string, as
  Rasa's channel sends it and clients such as rasa-webchat store it and send it back as
  ``session_id``); the conversation's sender id is ``web:<id>``. ``session_request`` with a
  valid token keeps that session; with none, a client-chosen, legacy or tampered one, it issues
  a fresh session.
* A socket is bound to one session (its python-socketio session): it joins only that session's
  room, ``user_uttered`` speaks only with a valid token of that session (a socket not bound yet,
  e.g. one that reconnected and resends a message first, is bound by it), and ``kefu_history``
  returns only that session's messages, whatever the payload names. Rooms are always used
  (``session_persistence`` is implied: replies go to the session's room).
* ``kefu_history`` ``{"session_id"}`` (with an acknowledgement) returns the socket's own
  conversation, so a reconnecting widget shows what it missed (e.g. an agent's reply while
  offline); at most :data:`HISTORY_PER_SOCKET_PER_MINUTE` calls a minute per socket and
  :data:`HISTORY_PER_ADDRESS_PER_MINUTE` per client address, else ``{"error", "retry_after"}``.
* The socket joins the session's room (Rasa 3.6 calls python-socketio 5's ``enter_room``
  coroutine without awaiting it, so with ``session_persistence`` no reply ever arrived).
* A message written by an agent carries ``"metadata": {"agent": "<name>"}`` so the widget can
  show it as the agent's; Rasa's channel drops message metadata.
* Message metadata keeps only the known keys (:mod:`bot.channels.metadata`); a
  ``customer_token`` (:mod:`kefu.tokens`) only when the settings' verifier accepts it
  and it has not expired, so with a forged or expired one the conversation stays anonymous.
* With ``REDIS_URL`` set (replicas), emits reach sockets held by the other replicas too
  (python-socketio's ``AsyncRedisManager``, :func:`client_manager`): an agent's message or a
  rating prompt is sent through whichever replica the web app calls, the shopper's socket may be
  on another. A replica delivers to its own sockets first, so Redis being down costs only the
  other replicas' copies.
* Socket.IO packets are capped at ``KEFU_MAX_REQUEST_BYTES`` (``max_http_buffer_size``).
* Malformed events are ignored instead of raising.
* Messages go through the channels' gate (:mod:`bot.channels.gate`): a session over the rate
  limit is told once per flood; while a human holds the conversation nothing is answered.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from rasa.shared.core.events import BotUttered, UserUttered
from redis.connection import parse_url
from sanic import Blueprint, response
from socketio import AsyncRedisManager, AsyncServer

from bot.channels.common import agent_name
from bot.channels.gate import GatedChannel
from bot.channels.metadata import cleaned_metadata, customer_token_key
from bot.channels.system_replies import system_reply
from bot.channels.widget_sessions import WidgetSession, issue_session, read_session
from kefu.keys import WIDGET_SESSIONS
from kefu.ratelimit import RateLimiter
from kefu.settings import Settings, SettingsError, current
from kefu.text import is_blank
from kefu.tokens import CustomerTokens

logger = logging.getLogger(__name__)

MAX_MESSAGE = 10_000
HISTORY_LIMIT = 200
#: ``kefu_history`` calls a socket may make a minute (a widget makes one per (re)connection)
HISTORY_PER_SOCKET_PER_MINUTE = 10
#: ``kefu_history`` calls a minute from one client address, all its sockets together
HISTORY_PER_ADDRESS_PER_MINUTE = 60
#: Socket.IO's buffer when the settings cannot be read (KEFU_MAX_REQUEST_BYTES's default)
DEFAULT_BUFFER_BYTES = 256 * 1024


def client_manager(settings: Settings | None) -> AsyncRedisManager | None:
    """The replicas' shared Socket.IO manager over ``REDIS_URL`` (``None``: this process only).

    Redis's publish/subscribe channels are the same in every database of a server, so the channel
    is named after the URL's database: stacks on different databases of one Redis stay apart."""
    if settings is None or not settings.redis_url:
        return None
    database = parse_url(settings.redis_url).get("db") or 0
    return AsyncRedisManager(settings.redis_url, channel=f"kefu-widget-{database}")


def client_address(environ: dict[str, Any]) -> str:
    """The client's address of a Socket.IO connection (behind a proxy, Sanic's PROXIES_COUNT /
    REAL_IP_HEADER make ``remote_addr`` the client's, as for the web app's login limit)."""
    request = environ.get("sanic.request")
    if request is not None:
        return request.remote_addr or request.ip or "unknown"
    return str(environ.get("REMOTE_ADDR") or "unknown")


class KefuSocketIOOutput(SocketIOOutput):
    """Rasa's Socket.IO output, keeping the agent's name on agent messages."""

    @staticmethod
    def _extra(kwargs: dict[str, Any]) -> dict[str, Any]:
        name = agent_name(kwargs)
        return {"metadata": {"agent": name}} if name else {}

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        extra = self._extra(kwargs)
        for part in text.strip().split("\n\n"):
            await self._send_message(recipient_id, {"text": part, **extra})

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]],
                                     **kwargs: Any) -> None:
        extra = self._extra(kwargs)
        parts = (text or "").strip().split("\n\n") or [text]
        messages: list[dict[str, Any]] = [{"text": part, "quick_replies": [], **extra} for part in parts]
        messages[-1]["quick_replies"] = [
            {"content_type": "text", "title": b.get("title"), "payload": b.get("payload")} for b in buttons
        ]
        for message in messages:
            await self._send_message(recipient_id, message)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """A product card (``{"product_card": {...}}``, actions/product_answers/card.py) goes to the
        widget as ``bot_uttered {"product_card": ...}``; other custom messages are not for the widget."""
        card = json_message.get("product_card")
        if isinstance(card, dict):
            await self._send_message(recipient_id, {"product_card": card})


def transcript(events: list[Any]) -> list[dict[str, Any]]:
    """The visible messages of a conversation, oldest first, as the widget renders them.

    A button's payload sent by the customer is shown with the button's title.
    """
    messages: list[dict[str, Any]] = []
    titles: dict[str, str] = {}
    for event in events:
        if isinstance(event, UserUttered):
            text = event.text or ""
            if not text or is_blank(text):
                continue
            messages.append({"role": "user", "text": titles.get(text, text), "ts": event.timestamp})
        elif isinstance(event, BotUttered):
            if not event.text:
                continue
            name = agent_name(event.metadata or {})
            buttons = (event.data or {}).get("buttons") or (event.data or {}).get("quick_replies") or []
            titles = {str(b.get("payload")): str(b.get("title")) for b in buttons if isinstance(b, dict)}
            parts = event.text.strip().split("\n\n")
            for index, part in enumerate(parts):
                item: dict[str, Any] = {"role": "agent" if name else "bot", "text": part, "ts": event.timestamp}
                if name:
                    item["agent"] = name
                if buttons and index == len(parts) - 1:
                    item["quick_replies"] = [{"title": b.get("title"), "payload": b.get("payload")}
                                             for b in buttons if isinstance(b, dict)]
                messages.append(item)
    return messages[-HISTORY_LIMIT:]


class KefuSocketIOInput(GatedChannel, SocketIOInput):
    """Rasa's ``socketio`` channel for the site widget (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app: Any = None
        self._settings: Settings | None = None
        self._session_key: bytes | None = None
        self._customer_key: CustomerTokens | None = None

    def gate_settings(self) -> Settings:
        return self.settings() or current()

    def get_output_channel(self) -> OutputChannel | None:
        if self.sio is None:
            return None
        return KefuSocketIOOutput(self.sio, self.bot_message_evt)

    def settings(self) -> Settings | None:
        if self._settings is None:
            try:
                self._settings = current()
            except SettingsError as error:
                logger.error("widget: the settings cannot be read: %s", error)
        return self._settings

    def session_key(self) -> bytes | None:
        """The key widget sessions are signed with; ``None`` (sessions refused) without one."""
        if self._session_key is None and self.settings() is not None:
            try:
                self._session_key = self._settings.key(WIDGET_SESSIONS)
            except SettingsError as error:
                logger.error("widget: no sessions can be issued: %s", error)
        return self._session_key

    def customer_key(self) -> CustomerTokens | None:
        if self._customer_key is None and self.settings() is not None:
            try:
                self._customer_key = customer_token_key(self._settings)
            except SettingsError as error:
                logger.error("widget: customer tokens cannot be checked (%s)", error)
        return self._customer_key

    async def history(self, sender_id: str) -> list[dict[str, Any]]:
        agent = getattr(getattr(self.app, "ctx", None), "agent", None)
        if agent is None or agent.tracker_store is None:
            return []
        tracker = await agent.tracker_store.retrieve_full_tracker(sender_id)
        return transcript(list(tracker.events)) if tracker else []

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        settings = self.settings()
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[],
                          max_http_buffer_size=settings.max_request_bytes if settings else DEFAULT_BUFFER_BYTES,
                          client_manager=client_manager(settings))
        bp = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        namespace = self.namespace
        per_socket = RateLimiter(name="widget-history-socket", per_minute=HISTORY_PER_SOCKET_PER_MINUTE,
                                 burst=HISTORY_PER_SOCKET_PER_MINUTE)
        per_address = RateLimiter(name="widget-history-address", per_minute=HISTORY_PER_ADDRESS_PER_MINUTE,
                                  burst=HISTORY_PER_ADDRESS_PER_MINUTE,
                                  redis_url=settings.redis_url if settings else None)

        @bp.route("/", methods=["GET"])
        async def health(_request):
            return response.json({"status": "ok"})

        @bp.listener("before_server_start")
        async def keep_app(app, _loop) -> None:
            self.app = app

        async def state_of(sid: str) -> dict[str, Any]:
            """The socket's own record: its client address and the sender id it is bound to."""
            return await sio.get_session(sid, namespace=namespace)

        async def bind(sid: str, session: WidgetSession) -> None:
            state = await state_of(sid)
            previous = state.get("sender")
            if previous and previous != session.sender_id:
                await sio.leave_room(sid, previous, namespace=namespace)
            state["sender"] = session.sender_id
            await sio.save_session(sid, state, namespace=namespace)
            if session.sender_id not in sio.rooms(sid, namespace=namespace):
                await sio.enter_room(sid, session.sender_id, namespace=namespace)

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, environ: dict, _auth: Any = None) -> bool:
            await sio.save_session(sid, {"address": client_address(environ)}, namespace=namespace)
            return True

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: Any = None) -> None:
            key = self.session_key()
            if key is None:
                return
            claimed = data.get("session_id") if isinstance(data, dict) else None
            session = read_session(claimed, key)
            if session is None:
                if claimed:
                    logger.info("widget: a session id the server did not issue was replaced by a new session")
                session = issue_session(key)
            await bind(sid, session)
            await sio.emit("session_confirm", session.token, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: Any = None) -> None:
            if not isinstance(data, dict):
                return
            message = data.get("message")
            if not isinstance(message, str) or is_blank(message):
                return
            key = self.session_key()
            session = read_session(data.get("session_id"), key) if key else None
            if session is None:
                logger.info("widget: a message without a session the server issued was ignored")
                return
            bound = (await state_of(sid)).get("sender")
            if bound not in (None, session.sender_id):
                logger.warning("widget: a socket tried to speak in another session than its own; refused")
                return
            if bound is None:  # e.g. a reconnected socket that resends a message before session_request
                await bind(sid, session)
            sender = session.sender_id
            output = KefuSocketIOOutput(sio, self.bot_message_evt)
            limit = await self.gate.admit(self.name(), sender)
            if not limit.allowed:  # told once per flood, not once per message
                if limit.notify:
                    await output.send_text_message(sender, system_reply("too_fast", text=message))
                return
            metadata = cleaned_metadata(data.get(self.metadata_key), self.customer_key())
            await self.gate.hand_over(UserMessage(message[:MAX_MESSAGE], output, sender, input_channel=self.name(),
                                                  metadata=metadata), on_new_message, self.app)

        @sio.on("kefu_history", namespace=namespace)
        async def history(sid: str, _data: Any = None) -> Any:
            state = await state_of(sid)
            for limiter, key in ((per_socket, sid), (per_address, state.get("address") or "unknown")):
                limit = await limiter.hit(key)
                if not limit.allowed:
                    if limit.notify:
                        logger.warning("widget: %s exceeds the history rate limit; refusing for now", limiter.name)
                    seconds = max(1, round(limit.retry_after))
                    return {"error": f"too many history requests; try again in {seconds} s", "retry_after": seconds}
            sender = state.get("sender")
            if sender is None:  # the socket has no session: nothing is its own
                return []
            try:
                return await self.history(sender)
            except Exception:
                logger.warning("widget: could not read the history of a conversation", exc_info=True)
                return []

        return bp
