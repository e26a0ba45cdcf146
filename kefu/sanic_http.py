"""Sanic 21.12's HTTP/1 reader, made to answer 400 to a request line it cannot parse.

A request line with raw bytes that are not UTF-8 (``GET /static/\\xff``) or raw control or
non-ASCII characters (``GET /a\\x01``) makes Sanic fail while building the request
(``UnicodeEncodeError`` or httptools' ``HttpParserInvalidURLError``), then fail again while
building the stand-in request its error handling needs, from the same URL: the connection is
dropped without an answer and "protocol.connection_task uncaught" is logged with a traceback.
:func:`install` wraps ``Http.error_response`` so that such a request is answered like any other
bad request: 400, through the app's own (JSON) error handlers. Both servers (the web app and
the Rasa server) install it; percent-encoded garbage in a URL that does parse is
:func:`kefu.inputs.url_problem`'s business.
"""

from __future__ import annotations

_installed = False


def _parses(url: str | None) -> bool:
    from httptools import parse_url

    if not url:
        return True
    try:
        parse_url(url.encode("utf-8"))
    except Exception:  # noqa: BLE001 - UnicodeEncodeError (surrogates) or httptools' HttpParserInvalidURLError
        return False
    return True


def install() -> None:
    """Patches ``sanic.http.Http.error_response`` (once per process)."""
    global _installed
    if _installed:
        return
    from sanic.exceptions import InvalidUsage
    from sanic.http import Http

    original = Http.error_response

    async def error_response(self: Http, exception: Exception) -> None:
        if self.request is None and not _parses(self.url):
            self.url = None  # the stand-in request gets Sanic's neutral "*" target
            exception = InvalidUsage("the request line is not a valid URL: percent-encode it")
        await original(self, exception)

    Http.error_response = error_response  # type: ignore[method-assign]  # the patch itself
    _installed = True
