"""Limits on what the web app reads (docs/operators/security/limits.md).

* Body size: ``REQUEST_MAX_SIZE`` is ``settings.max_request_bytes`` (``KEFU_MAX_REQUEST_BYTES``,
  256 KB by default) instead of Sanic's 100 MB. Sanic reads the setting for every connection and
  refuses a larger ``Content-Length`` with 413 before reading the body (a chunked body is cut off
  at the limit); :mod:`web.errors` turns the refusal into a JSON error.
* Request targets: a path or query with NUL or another control character, a broken
  percent-escape or bytes that are not UTF-8 is answered 400 before any route sees it (a query
  parameter of an ``/api`` route: 422 naming it, as the contract has malformed input)
  (:func:`kefu.inputs.url_problem`); under the static roots such a path used to be a 500. A
  request line Sanic cannot parse at all (raw bytes) is a 400 too (:mod:`kefu.sanic_http`).
"""

from __future__ import annotations

from sanic import response

from kefu import sanic_http
from kefu.inputs import query_field, url_problem
from kefu.settings import Settings


def install(app, settings: Settings) -> None:
    """Applies the size limit and the request-target check to ``app``."""
    app.config.REQUEST_MAX_SIZE = settings.max_request_bytes
    sanic_http.install()  # a request line Sanic cannot parse: 400, not a dropped connection

    @app.middleware("request")
    async def refuse_broken_targets(request):
        problem = url_problem(request.path, request.query_string)
        if not problem:
            return None
        field = query_field(request.query_string) if not url_problem(request.path) else None
        if field and request.path.startswith("/api/"):
            # a bad query parameter of a JSON API is malformed input: 422 naming it (contract 5)
            return response.json({"error": f"{field}: {problem}", "field": field}, status=422)
        return response.json({"error": problem}, status=400)
