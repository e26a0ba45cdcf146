"""Rasa's HTTP calls to its endpoints (the action server above all) over kept-alive connections.

Rasa 3.6's ``EndpointConfig.request`` opens a new ``aiohttp.ClientSession`` for every call and
closes it after: each call to the action server paid a new TCP connection (``connect``, the
accept on the action server, the close on both sides). Installed on ``EndpointConfig.session``:
the session is still made per call, with Rasa's headers, authentication and timeout, but on one
connector per event loop that it does not own, so closing the session leaves the connection open
for the next call.

The connector keeps an idle connection :data:`KEEPALIVE` seconds, under the action server's
(Sanic's ``KEEP_ALIVE_TIMEOUT``, 5 s): the client gives a connection up before the server may
close it, so no call is ever sent on a connection the server is closing. It has no limit on
connections (Rasa's one connector per call had none in effect): concurrent calls never wait.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import aiohttp

from bot.patches import registry

#: Seconds an idle connection is kept (below Sanic's 5 s keep-alive timeout of the action server).
KEEPALIVE = 2.0

_connectors: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.TCPConnector] = (
    weakref.WeakKeyDictionary())


def connector() -> aiohttp.TCPConnector:
    """The running event loop's shared connector (a new one once the last was closed)."""
    loop = asyncio.get_running_loop()
    shared = _connectors.get(loop)
    if shared is None or shared.closed:
        shared = _connectors[loop] = aiohttp.TCPConnector(limit=0, keepalive_timeout=KEEPALIVE)
    return shared


async def close() -> None:
    """Closes the running event loop's shared connector (its kept connections), if it has one."""
    shared = _connectors.pop(asyncio.get_running_loop(), None)
    if shared is not None:
        await shared.close()


def session(self: Any) -> aiohttp.ClientSession:
    """Rasa's ``EndpointConfig.session`` (its headers, authentication and timeout) on the shared
    connector, which closing the session leaves open."""
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT

    auth = (aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
            if self.basic_auth else None)
    return aiohttp.ClientSession(headers=self.headers, auth=auth,
                                 timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                                 connector=connector(), connector_owner=False)


def install() -> None:
    """Gives ``rasa.utils.endpoints.EndpointConfig`` the session on the shared connector."""
    from rasa.utils.endpoints import EndpointConfig

    registry.replace(EndpointConfig, "session", session)
