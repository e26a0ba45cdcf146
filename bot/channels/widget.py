"""The site widget's channel: Rasa's ``socketio`` channel, fixed and extended for Kefu.

Same events and payloads as Rasa's channel (``session_request`` → ``session_confirm``,
``user_uttered`` ``{"message", "session_id", "metadata"}`` → ``bot_uttered`` ``{"text",
"quick_replies"?}``), registered under the same name ``socketio``. Differences:

* The socket joins the session's room (Rasa 3.6 calls python-socketio 5's ``enter_room``
  coroutine without awaiting it, so with ``session_persistence`` no reply ever arrived), also
  when a reconnected socket's first event is a message.
* A message written by an agent carries ``"metadata": {"agent": "<name>"}`` so the widget can
  show it as the agent's; Rasa's channel drops message metadata.
* ``metadata.customer_token`` (the shop's signed customer token, :mod:`kefu.tokens`) is passed on
  only when the settings' verifier accepts it (signature, claims, expiry); a forged, tampered or
  expired token is removed, so the conversation stays anonymous.
* ``kefu_history`` ``{"session_id"}`` (with an acknowledgement) returns the conversation's
  messages, so a reconnecting widget shows what it missed (e.g. an agent's reply while offline).
* Malformed events are ignored instead of raising.

Sender id of a widget conversation: its Socket.IO session id (the widget makes 32 hex characters
and keeps them in the browser's localStorage; any client may bring its own, as with Rasa's channel).
"""

from __future__ import annotations

import json
import logging
import unicodedata
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, response
from socketio import AsyncServer

from bot.channels.common import agent_name
from kefu.ratelimit import TOO_FAST, shared_message_limiter
from kefu.settings import SettingsError, load_settings
from kefu.text import is_blank
from kefu.tokens import CustomerTokens, customer_tokens

logger = logging.getLogger(__name__)

MAX_SESSION_ID = 128
MAX_MESSAGE = 10_000
MAX_METADATA_BYTES = 4096
HISTORY_LIMIT = 200


def session_id_of(data: Any) -> str | None:
    """The ``session_id`` of an event's payload when it is usable as a sender id (printable
    text of at most 128 characters, as for REST senders; numbers are taken as text)."""
    value = data.get("session_id") if isinstance(data, dict) else None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > MAX_SESSION_ID or any(unicodedata.category(c).startswith("C") for c in value):
        return None
    return value


def clean_metadata(raw: Any, tokens: CustomerTokens | None) -> dict[str, Any]:
    """The message metadata a widget may send, with an invalid customer token removed."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    if not isinstance(raw, dict):
        return {}
    try:
        if len(json.dumps(raw)) > MAX_METADATA_BYTES:
            logger.info("widget: oversized message metadata dropped")
            return {}
    except (TypeError, ValueError):
        return {}
    metadata = dict(raw)
    if "customer_token" in metadata:
        token = metadata.pop("customer_token")
        if tokens is not None and tokens.read(token):
            metadata["customer_token"] = token
        else:
            logger.info("widget: a customer token with a bad signature or past its expiry was dropped")
    return metadata


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


class KefuSocketIOInput(SocketIOInput):
    """Rasa's ``socketio`` channel for the site widget (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app: Any = None
        self._customer_tokens: CustomerTokens | None = None

    def get_output_channel(self) -> OutputChannel | None:
        if self.sio is None:
            return None
        return KefuSocketIOOutput(self.sio, self.bot_message_evt)

    def customer_tokens(self) -> CustomerTokens | None:
        if self._customer_tokens is None:
            try:
                self._customer_tokens = customer_tokens(load_settings())
            except SettingsError as error:
                logger.error("widget: customer tokens cannot be checked (%s)", error)
                return None
        return self._customer_tokens

    async def history(self, session_id: str) -> list[dict[str, Any]]:
        agent = getattr(getattr(self.app, "ctx", None), "agent", None)
        if agent is None or agent.tracker_store is None:
            return []
        tracker = await agent.tracker_store.retrieve_full_tracker(session_id)
        return transcript(list(tracker.events)) if tracker else []

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        bp = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        namespace = self.namespace

        @bp.route("/", methods=["GET"])
        async def health(_request):
            return response.json({"status": "ok"})

        @bp.listener("before_server_start")
        async def keep_app(app, _loop) -> None:
            self.app = app

        async def join(sid: str, session_id: str) -> None:
            if self.session_persistence and session_id not in sio.rooms(sid, namespace=namespace):
                await sio.enter_room(sid, session_id, namespace=namespace)

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, _environ: dict, _auth: Any = None) -> bool:
            return True

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: Any = None) -> None:
            session_id = session_id_of(data) or uuid.uuid4().hex
            await join(sid, session_id)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: Any = None) -> None:
            if not isinstance(data, dict):
                return
            message = data.get("message")
            if not isinstance(message, str) or is_blank(message):
                return
            if self.session_persistence:
                session_id = session_id_of(data)
                if session_id is None:
                    logger.info("widget: message without a valid session_id ignored")
                    return
                await join(sid, session_id)
                sender = session_id
            else:
                sender = sid
            output = KefuSocketIOOutput(sio, self.bot_message_evt)
            limit = await shared_message_limiter().hit(f"widget:{sender}")
            if not limit.allowed:  # told once per flood, not once per message
                if limit.notify:
                    logger.warning("widget: a session exceeds the message rate limit; refusing for now")
                    await output.send_text_message(sender, TOO_FAST)
                return
            metadata = clean_metadata(data.get(self.metadata_key), self.customer_tokens())
            await on_new_message(UserMessage(message[:MAX_MESSAGE], output, sender,
                                             input_channel=self.name(), metadata=metadata))

        @sio.on("kefu_history", namespace=namespace)
        async def history(sid: str, data: Any = None) -> list[dict[str, Any]]:
            session_id = session_id_of(data)
            if session_id is None:
                return []
            try:
                return await self.history(session_id)
            except Exception:
                logger.warning("widget: could not read the history of a conversation", exc_info=True)
                return []

        return bp
