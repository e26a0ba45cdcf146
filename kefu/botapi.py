"""The one client of the Rasa servers' HTTP API (token-protected, ``enable_api``), replica-aware.

The web app talks to the Rasa servers through :class:`BotServers`, configured from the settings
(:meth:`BotServers.from_settings`: ``KEFU_BOT_URLS``, else ``BOT_REPLICAS`` servers from
``BOT_PORT`` on this host; the token ``BOT_API_TOKEN``):

* **the model** — :meth:`~BotServers.parse` a text on one server (the FAQ editor's preview) or on
  :meth:`each <BotServers.parse_each>` (the FAQ publisher's confirmation that every server
  answers with a publication), :meth:`~BotServers.load_model` on every server (``PUT /model``:
  the retrained model's hot swap);
* **a conversation** — :meth:`~BotServers.post_events`, :meth:`~BotServers.send_bot_message`
  (an agent's message: ``{"event": "bot", ..., "metadata": {"agent": <name>}}``) and
  :meth:`~BotServers.trigger_intent`, always naming the channel the message goes out on
  (``output_channel=<channel>``, never ``latest``; docs/design.md, "Channels and agent
  messages"). These go to one server, and to the next when it cannot be connected to (the
  request was not sent): every replica shares the tracker and lock stores, so any of them can
  serve any conversation. The server that answered last is asked first next time.

Sender ids are percent-encoded whole (``quote(id, safe="")``: ``/``, ``%``, ``?``, spaces, Chinese)
into Rasa's ``/conversations/<conversation_id:path>/...`` route; the Rasa server decodes them
once (:mod:`bot.limits`), as Sanic 21.12 hands route parameters on undecoded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import yarl

from kefu.settings import Settings

#: Seconds to wait for a TCP connection to a server before trying the next one.
CONNECT_SECONDS = 3.0
#: Seconds a call may take by default; loading a model takes longer (:data:`LOAD_MODEL_SECONDS`).
DEFAULT_SECONDS = 15.0
LOAD_MODEL_SECONDS = 300.0


class BotApiError(Exception):
    """A Rasa server did not do what was asked; the message names the server and what failed."""

    def __init__(self, message: str, *, server: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.server = server
        self.status = status


class BotUnreachable(BotApiError):
    """The call could not be made: no server answered (refused, unknown host, timeout)."""


def conversation_path(sender_id: str, tail: str) -> str:
    """``conversations/<sender id, percent-encoded whole>/<tail>``."""
    return f"conversations/{quote(sender_id, safe='')}/{tail}"


def _never_sent(error: BaseException) -> bool:
    """Whether the request failed before it reached the server (so another server may take it)."""
    if isinstance(error, aiohttp.ClientConnectorError):
        return True
    # aiohttp 3.9 reports a connect timeout as ServerTimeoutError("Connection timeout to host ...")
    return isinstance(error, aiohttp.ServerTimeoutError) and str(error).startswith("Connection timeout")


class BotServers:
    """Async client of the Rasa servers' HTTP API.

    Args:
        urls: base URLs of the servers (``http://host:port``), all serving the same bot.
        token: the API token (``?token=``), or a function returning it when first needed.
        timeout: seconds a call may take unless it says otherwise.
    """

    def __init__(self, urls: Sequence[str], token: str | Callable[[], str], *,
                 timeout: float = DEFAULT_SECONDS) -> None:
        if not urls:
            raise ValueError("at least one Rasa server URL is needed")
        self.urls = tuple(url.rstrip("/") for url in urls)
        self._token = token
        self.timeout = timeout
        self._preferred = 0
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> BotServers:
        """The servers of these settings (:attr:`kefu.settings.Settings.bot_urls`) and their token."""
        return cls(settings.bot_urls, lambda: settings.bot_api_token, **options)

    @property
    def token(self) -> str:
        return self._token if isinstance(self._token, str) else self._token()

    # ------------------------------------------------------------------ the model
    async def parse(self, text: str, *, server: str | None = None, timeout: float | None = None) -> dict[str, Any]:
        """What the bot makes of ``text`` (``POST /model/parse``): on ``server``, else on the first
        server that can be reached.

        Raises:
            BotApiError: the server answered with an error; BotUnreachable: none could be reached.
        """
        parsed: dict[str, Any]
        if server is not None:
            parsed = await self._call(server, "POST", "model/parse", {"text": text}, timeout=timeout)
        else:
            parsed = await self._any("POST", "model/parse", {"text": text}, timeout=timeout)
        return parsed

    async def parse_each(self, text: str, *, timeout: float | None = None) -> dict[str, dict[str, Any] | BotApiError]:
        """``text`` parsed by every server at once: server URL → its parse, or what went wrong."""
        results = await asyncio.gather(*(self.parse(text, server=url, timeout=timeout) for url in self.urls),
                                       return_exceptions=True)
        return {url: _failure(url, result) or _parsed(result) for url, result in zip(self.urls, results)}

    async def load_model(self, model_file: Path | str, *,
                         timeout: float = LOAD_MODEL_SECONDS) -> dict[str, BotApiError | None]:
        """Has every server load ``model_file`` (``PUT /model``; a path the servers can read):
        server URL → ``None`` when it loaded it, else what went wrong."""
        body = {"model_file": str(model_file)}
        results = await asyncio.gather(*(self._call(url, "PUT", "model", body, timeout=timeout) for url in self.urls),
                                       return_exceptions=True)
        return {url: _failure(url, result) for url, result in zip(self.urls, results)}

    # ------------------------------------------------------------------ a conversation
    async def post_events(self, sender_id: str, events: dict[str, Any] | list[dict[str, Any]], *,
                          output_channel: str | None = None, execute_side_effects: bool = False) -> Any:
        """Appends ``events`` to the conversation (``POST .../tracker/events``). With
        ``execute_side_effects`` a ``bot`` event is also sent to the customer through
        ``output_channel`` (the channel's name: ``rest``, ``socketio``, ``telegram``, ``wechat``)."""
        params: dict[str, str] = {}
        if output_channel is not None:
            params["output_channel"] = _named(output_channel)
        if execute_side_effects:
            params["execute_side_effects"] = "true"
        return await self._any("POST", conversation_path(sender_id, "tracker/events"), events, params=params)

    async def send_bot_message(self, sender_id: str, text: str, *, channel: str,
                               metadata: dict[str, Any] | None = None) -> Any:
        """Sends ``text`` to the customer through ``channel`` and records it as the bot's message
        (``metadata``, such as ``{"agent": "小林"}`` for an agent's message, kept with it)."""
        event: dict[str, Any] = {"event": "bot", "text": text}
        if metadata:
            event["metadata"] = metadata
        return await self.post_events(sender_id, event, output_channel=channel, execute_side_effects=True)

    async def trigger_intent(self, sender_id: str, name: str, *, channel: str,
                             entities: dict[str, Any] | None = None) -> Any:
        """Runs the bot as if the customer had expressed intent ``name``; its replies go out
        through ``channel`` (``POST .../trigger_intent``)."""
        body: dict[str, Any] = {"name": name}
        if entities:
            body["entities"] = entities
        return await self._any("POST", conversation_path(sender_id, "trigger_intent"), body,
                               params={"output_channel": _named(channel)})

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    # ------------------------------------------------------------------ HTTP
    async def _client(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            self._session = aiohttp.ClientSession()
            self._loop = loop
        return self._session

    async def _any(self, method: str, path: str, body: Any, *, params: dict[str, str] | None = None,
                   timeout: float | None = None) -> Any:
        """The call on the preferred server, else on the next one that can be connected to."""
        order = self.urls[self._preferred:] + self.urls[:self._preferred]
        failures = []
        for url in order:
            try:
                result = await self._call(url, method, path, body, params=params, timeout=timeout, fail_over=True)
            except _NotConnected as error:
                failures.append(f"{url} ({error})")
                continue
            self._preferred = self.urls.index(url)
            return result
        raise BotUnreachable(f"no Rasa server could be reached: {', '.join(failures)}")

    async def _call(self, url: str, method: str, path: str, body: Any, *, params: dict[str, str] | None = None,
                    timeout: float | None = None, fail_over: bool = False) -> Any:
        target = yarl.URL(f"{url}/{path}", encoded=True).update_query({**(params or {}), "token": self.token})
        limits = aiohttp.ClientTimeout(total=timeout or self.timeout, connect=CONNECT_SECONDS)
        what = "/conversations/..." if path.startswith("conversations/") else f"/{path}"  # no sender ids in logs
        try:
            session = await self._client()
            async with session.request(method, target, json=body, timeout=limits) as reply:
                if reply.status >= 400:
                    detail = (await reply.text())[:300]
                    raise BotApiError(f"{url} answered {reply.status} to {method} {what}: {detail}",
                                      server=url, status=reply.status)
                if reply.status == 204:
                    return None
                return await reply.json(content_type=None)
        except BotApiError:
            raise
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError) as error:
            name = type(error).__name__
            if fail_over and _never_sent(error):
                raise _NotConnected(name) from error
            raise BotUnreachable(f"{url} did not answer {method} {what} ({name})", server=url) from error


class _NotConnected(Exception):
    """The request was not sent: the server could not be connected to."""


def _named(channel: str) -> str:
    if not channel or channel == "latest":
        raise ValueError("name the conversation's own channel (rest, socketio, telegram, wechat), never 'latest'")
    return channel


def _parsed(result: dict[str, Any] | BaseException) -> dict[str, Any]:
    """A parse of :meth:`BotServers.parse_each` that did not fail (:func:`_failure` said so)."""
    assert not isinstance(result, BaseException)
    return result


def _failure(url: str, result: Any) -> BotApiError | None:
    """What went wrong in one server's part of a call to every server (``None``: nothing)."""
    if isinstance(result, asyncio.CancelledError):
        raise result
    if isinstance(result, BotApiError):
        return result
    if isinstance(result, BaseException):
        return BotApiError(f"{url}: {type(result).__name__}", server=url)
    return None
