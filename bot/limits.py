"""Limits on what the Rasa server reads (docs/operators/security/limits.md).

* Body size: ``REQUEST_MAX_SIZE`` (and ``WEBSOCKET_MAX_SIZE``, a widget frame) is
  ``settings.max_request_bytes`` (``KEFU_MAX_REQUEST_BYTES``, 256 KB by default) instead of
  Sanic's 100 MB. Sanic reads it for every connection and refuses a larger ``Content-Length`` with
  413 before reading the body; the app's errors are JSON (``FALLBACK_ERROR_FORMAT``).
* Request targets: NUL or other control characters, broken percent-escapes or bytes that are not
  UTF-8 in the path or query → 400 (:func:`kefu.inputs.url_problem`), on every route; a request
  line Sanic cannot parse at all (raw bytes) too (:mod:`kefu.sanic_http`).
* Bodies of Rasa's HTTP API: Rasa's handlers read ``request.json`` inside ``try`` blocks that turn
  any error into a 500 (malformed JSON on ``/model/parse``, ``[]`` on ``/trigger_intent`` ...).
  For a caller holding the API token, the body is checked here first
  (:mod:`bot.api_bodies`) and a bad one answered 400 in Rasa's own error format, naming the
  parameter. A caller without the token is left to Rasa, which answers 401 before any body is
  read. The channels (``/webhooks/...``, ``/socket.io``) check their own input, except for one
  thing checked here for every route: JSON nested more than 64 levels deep (400), on which
  Python's ``json`` raises ``RecursionError`` rather than ``ValueError``.
* Conversation ids in paths (``/conversations/<conversation_id:path>/...``): percent-decoded
  once before Rasa's handler sees them. Sanic 21.12 hands route parameters on as they came, so
  without this ``客户`` (sent as ``%E5%AE%A2%E6%88%B7``), ``a b`` or ``a/b`` (``a%2Fb``) would
  name another, empty conversation; :mod:`kefu.botapi` encodes the whole id.
"""

from __future__ import annotations

import hmac
import re
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

from sanic import response

from bot.api_bodies import check_body
from kefu import sanic_http
from kefu.inputs import url_problem
from kefu.settings import Settings


def rasa_error(status: int, message: str, *, parameter: str | None = None) -> response.HTTPResponse:
    """An error in the shape of Rasa's own (``rasa.server.ErrorResponse``)."""
    import rasa

    return response.json({
        "version": rasa.__version__, "status": "failure", "message": message,
        "reason": HTTPStatus(status).phrase.replace(" ", ""),
        "details": {"parameter": parameter, "in": "body"} if parameter else {}, "help": None, "code": status,
    }, status=status)


MAX_DEPTH = 64
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(rb"[\[\]{}]")


def too_deep(raw: bytes | None) -> bool:
    """Whether a (JSON-looking) body nests arrays and objects more than :data:`MAX_DEPTH` deep."""
    if not raw or raw.lstrip()[:1] not in (b"[", b"{") or raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return False
    depth = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub(b"", raw)):
        depth += 1 if bracket in (b"[", b"{") else -1
        if depth > MAX_DEPTH:
            return True
    return False


def _has_token(request, auth_token: str | None) -> bool:
    """Would Rasa's ``requires_auth`` let this request through with its ``?token=``?"""
    if not auth_token:
        return True
    given = request.args.get("token") or ""
    return hmac.compare_digest(given.encode("utf-8"), auth_token.encode("utf-8"))


def install(app, settings: Settings, *, auth_token: str | None) -> None:
    """Applies the size limit, the request-target check and the API body checks to ``app``."""
    app.config.REQUEST_MAX_SIZE = settings.max_request_bytes
    sanic_http.install()  # a request line Sanic cannot parse: 400, not a dropped connection
    app.config.WEBSOCKET_MAX_SIZE = settings.max_request_bytes

    @app.middleware("request")
    async def refuse_bad_input(request):
        problem = url_problem(request.path, request.query_string)
        if problem:
            return rasa_error(400, problem)
        route = getattr(request, "route", None)
        if route is None or (request.stream is not None and request.stream.request_body):
            # No route, or the body was not read: Sanic runs request middleware again while it
            # answers an error raised before the handler (such as the 413 of an oversized body).
            return None
        if too_deep(request.body):  # Python's json fails with RecursionError, which few catch
            return rasa_error(400, f"the body is JSON nested more than {MAX_DEPTH} levels deep", parameter="body")
        if not _has_token(request, auth_token):
            return None
        bad = check_body(request.method, route.path, _Body(request), agent=getattr(request.app.ctx, "agent", None))
        if bad is not None:
            status, parameter, message = bad
            return rasa_error(status, message, parameter=parameter)
        return None

    @app.middleware("request")
    async def decode_conversation_id(request):
        conversation = request.match_info.get("conversation_id")
        if isinstance(conversation, str) and "%" in conversation:
            request.match_info = {**request.match_info, "conversation_id": unquote(conversation)}


class _Body:
    """The request's body, parsed on demand the way Rasa's handlers will parse it."""

    def __init__(self, request) -> None:
        self.request = request

    @property
    def raw(self) -> bytes:
        return self.request.body or b""

    @property
    def content_type(self) -> str:
        return (self.request.headers.get("content-type") or "").split(";")[0].strip().lower()

    def json(self) -> Any:
        """The JSON value (Sanic's parser, as ``request.json``); raises ``ValueError`` if malformed."""
        try:
            return self.request.json
        except Exception as error:  # noqa: BLE001 - Sanic's InvalidUsage, or the parser's own error
            raise ValueError(str(error)) from None

    def arg(self, name: str) -> str | None:
        return self.request.args.get(name)
