"""Client of the WeChat Official Account API: access token and customer-service messages.

* ``GET {api}/cgi-bin/token?grant_type=client_credential&appid=...&secret=...`` gives an
  access token valid for ``expires_in`` seconds (7200). It is cached and fetched again
  :data:`REFRESH_MARGIN` seconds before it expires, or when WeChat says it is invalid; one lock
  makes concurrent senders share a single fetch.
* ``POST {api}/cgi-bin/message/custom/send?access_token=...`` (客服消息) sends a text to a
  follower who wrote within the last 48 hours.

Transient failures (network, HTTP 5xx, ``errcode -1`` "system busy") are retried with growing
pauses. Tokens and secrets never appear in the log.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx

from bot.channels.common import TransientError, retrying

logger = logging.getLogger(__name__)

#: Fetch a new access token this many seconds before the old one expires.
REFRESH_MARGIN = 300
#: errcodes meaning "this access token is not (or no longer) valid".
TOKEN_ERRORS = {40001, 40014, 41001, 42001}
#: WeChat's limit for a customer-service text (bytes of UTF-8).
MAX_TEXT_BYTES = 2000


class WeChatApiError(RuntimeError):
    """WeChat refused a call; ``errcode`` and ``errmsg`` say why."""

    def __init__(self, what: str, errcode: Any, errmsg: Any) -> None:
        super().__init__(f"{what}: WeChat errcode {errcode}: {errmsg}")
        self.errcode = errcode


def split_utf8(text: str, limit: int = MAX_TEXT_BYTES) -> list[str]:
    """Cuts ``text`` into as few pieces of at most ``limit`` UTF-8 bytes as it can, at line
    breaks where possible."""
    pieces: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        if len((current + line).encode("utf-8")) <= limit:
            current += line
            continue
        if current:
            pieces.append(current)
            current = ""
        while len(line.encode("utf-8")) > limit:  # a single over-long line: cut at a character boundary
            head = line.encode("utf-8")[:limit].decode("utf-8", "ignore")
            pieces.append(head)
            line = line[len(head):]
        current = line
    if current or not pieces:
        pieces.append(current)
    return [piece.rstrip("\n") for piece in pieces]


class WeChatClient:
    """Access token cache and customer-service messages of one Official Account."""

    def __init__(self, api_url: str, app_id: str, app_secret: str, *, timeout: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.api_url = api_url.rstrip("/")
        self._clock = clock
        self.app_id = app_id
        self._secret = app_secret
        self._timeout = timeout
        self._http: httpx.AsyncClient | None = None
        self._lock: asyncio.Lock | None = None
        self._token: str | None = None
        self._expires_at = 0.0
        self.token_fetches = 0  # how many times a token was fetched (shown in logs and tests)

    def _client(self) -> httpx.AsyncClient:
        if self._http is None or self._http.is_closed:
            self._http = httpx.AsyncClient(timeout=self._timeout)
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    async def _call(self, what: str, method: str, path: str, *, params: dict[str, str],
                    body: dict[str, Any] | None = None) -> dict[str, Any]:
        """One HTTP call; raises TransientError for failures worth retrying."""
        try:
            if body is None:
                reply = await self._client().request(method, f"{self.api_url}{path}", params=params)
            else:  # WeChat wants raw UTF-8, not \\u escapes
                reply = await self._client().request(
                    method, f"{self.api_url}{path}", params=params,
                    content=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                    headers={"Content-Type": "application/json; charset=utf-8"},
                )
        except httpx.HTTPError as error:
            raise TransientError(f"{what}: {type(error).__name__}") from None
        if reply.status_code >= 500 or reply.status_code == 429:
            raise TransientError(f"{what}: HTTP {reply.status_code}")
        try:
            data = reply.json()
        except ValueError:
            raise TransientError(f"{what}: HTTP {reply.status_code} without JSON") from None
        if not isinstance(data, dict):
            raise TransientError(f"{what}: unexpected answer")
        if data.get("errcode") in (-1, 45011):  # system busy; API minute-quota
            raise TransientError(f"{what}: errcode {data.get('errcode')} {data.get('errmsg')}")
        return data

    async def access_token(self, *, rejected: str | None = None) -> str:
        """The cached access token, fetched when missing, near expiry, or equal to ``rejected``
        (a token WeChat has just refused).

        Raises:
            WeChatApiError: when WeChat refuses the AppID/AppSecret.
            TransientError: when WeChat cannot be reached after the retries.
        """
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            fresh = self._token and self._clock() < self._expires_at - REFRESH_MARGIN
            if fresh and self._token != rejected:
                return self._token

            async def fetch() -> dict[str, Any]:
                return await self._call("wechat token", "GET", "/cgi-bin/token", params={
                    "grant_type": "client_credential", "appid": self.app_id, "secret": self._secret})

            data = await retrying(fetch, what="wechat access token")
            token = data.get("access_token")
            if not isinstance(token, str) or not token:
                raise WeChatApiError("wechat access token", data.get("errcode"), data.get("errmsg"))
            self.token_fetches += 1
            self._token = token
            self._expires_at = self._clock() + float(data.get("expires_in") or 7200)
            logger.info("wechat: access token fetched (valid for %s s)", data.get("expires_in") or 7200)
            return token

    async def send_text(self, openid: str, content: str) -> None:
        """Sends a customer-service text message (split when longer than WeChat allows).

        Raises:
            WeChatApiError: when WeChat refuses it (e.g. 45015: the follower has not written
                in 48 hours).
            TransientError: when WeChat cannot be reached after the retries.
        """
        for piece in split_utf8(content):
            await self._send(openid, {"touser": openid, "msgtype": "text", "text": {"content": piece}})

    async def _send(self, openid: str, body: dict[str, Any]) -> None:
        rejected: str | None = None
        for attempt in (1, 2):
            token = await self.access_token(rejected=rejected)

            async def post(token: str = token) -> dict[str, Any]:
                return await self._call("wechat custom send", "POST", "/cgi-bin/message/custom/send",
                                        params={"access_token": token}, body=body)

            data = await retrying(post, what="wechat customer-service message")
            errcode = data.get("errcode", 0)
            if errcode == 0:
                return
            if errcode in TOKEN_ERRORS and attempt == 1:
                rejected = token
                logger.info("wechat: access token rejected (errcode %s); fetching a new one", errcode)
                continue
            raise WeChatApiError("wechat customer-service message", errcode, data.get("errmsg"))
