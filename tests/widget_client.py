"""A shopper's chat widget as a plain Socket.IO client (python-socketio), as any Rasa client speaks
the ``socketio`` channel: ``session_request`` → ``session_confirm`` (the session token the
server issued), ``user_uttered`` → ``bot_uttered``, Kefu's ``kefu_history``.

:func:`widget_sender` is the test's own reading of a token: the conversation (tracker key,
handoff ``sender_id``) of the token ``<id>.<sig>`` is ``web:<id>``.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import aiohttp
import socketio

#: what a server-issued session token looks like: ``<id>.<sig>``
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{22,}\.[A-Za-z0-9_-]{16,}")

#: ``session_request`` without a ``session_id``: the client asks for a new session.
NEW = object()


def widget_sender(token: str) -> str:
    """The sender id of the conversation of a widget session token (``<id>.<sig>`` → ``web:<id>``)."""
    return "web:" + token.split(".", 1)[0]


class WidgetClient:
    """One browser tab's socket.

    Args:
        url: the Rasa server (``stack.bot_url``).
        source_ip: the loopback address this client connects from (``127.0.0.x``), so that tests
            of per-address limits do not spend the budget of the other tests' ``127.0.0.1``.
    """

    def __init__(self, url: str, *, source_ip: str | None = None) -> None:
        self.url = url
        self.source_ip = source_ip
        self.token: str | None = None
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.confirms: asyncio.Queue = asyncio.Queue()
        self._http: aiohttp.ClientSession | None = None
        self.client: socketio.AsyncClient | None = None

    @classmethod
    async def open(cls, url: str, session_id: Any = NEW, *, source_ip: str | None = None) -> WidgetClient:
        """A connected client that asked for a session (a new one, or ``session_id``)."""
        widget = cls(url, source_ip=source_ip)
        await widget.connect()
        await widget.request_session(session_id)
        return widget

    async def connect(self) -> None:
        kwargs: dict[str, Any] = {"reconnection": False}
        if self.source_ip:
            self._http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(self.source_ip, 0)))
            kwargs["http_session"] = self._http
        self.client = socketio.AsyncClient(**kwargs)
        self.client.on("bot_uttered", self.inbox.put_nowait)
        self.client.on("session_confirm", self.confirms.put_nowait)
        # engineio's websocket client needs a newer aiohttp than Rasa pins: long-polling
        await self.client.connect(self.url, socketio_path="/socket.io", transports=["polling"])

    async def request_session(self, session_id: Any = NEW, *, timeout: float = 10) -> str:
        """Sends ``session_request`` and returns what ``session_confirm`` carried."""
        await self.client.emit("session_request", {} if session_id is NEW else {"session_id": session_id})
        self.token = await asyncio.wait_for(self.confirms.get(), timeout)
        return self.token

    @property
    def sender(self) -> str:
        return widget_sender(self.token)

    async def say(self, text: str, session_id: Any = None, **extra: Any) -> None:
        await self.client.emit("user_uttered", {"message": text, "session_id": session_id or self.token, **extra})

    async def history(self, session_id: Any = None, *, timeout: float = 10) -> Any:
        return await self.client.call("kefu_history", {"session_id": session_id or self.token}, timeout=timeout)

    async def next(self, timeout: float = 15) -> dict[str, Any]:
        return await asyncio.wait_for(self.inbox.get(), timeout)

    async def quiet_for(self, seconds: float) -> bool:
        """True when nothing arrives for ``seconds``."""
        try:
            await asyncio.wait_for(self.inbox.get(), seconds)
            return False
        except asyncio.TimeoutError:
            return True

    async def close(self) -> None:
        # A plain disconnect waits for the pending long-poll (up to the 25 s ping interval).
        if self.client is not None:
            await self.client.eio.disconnect(abort=True)
        if self._http is not None:
            await self._http.close()
