"""Checks of request input that the HTTP servers and the packages' APIs apply (no web framework here).

* :func:`url_problem`: a request target whose path or query holds NUL or another control
  character, a broken percent-escape (``%ZZ``, a lone ``%``) or bytes that are not UTF-8 text,
  or whose path has a segment longer than a file name may be (255 bytes).
  Left alone, such a target reaches the file system (``os.stat`` fails on NUL: a 500 under every
  static root) and the databases (PostgreSQL refuses NUL in text). Both servers answer it 400.
* :func:`whole_number`: a whole number written in ASCII digits. Python's ``str.isdigit`` says
  yes to ``²`` (which ``int`` then refuses) and ``int`` reads ``１５`` and ``٣`` as 15 and 3;
  a number from a request is ASCII digits or it is refused.
* :class:`InvalidInput`: bad input naming its field. Any route may raise it (the helpers below
  do: :func:`json_body`, :func:`require_text`, :func:`number_field`); the web app answers it
  422 ``{"error": "<field>: <what is wrong>", "field": "<field>"}`` (contract section 5) from
  :data:`ERRORS`.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote_to_bytes

_BROKEN_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ASCII_WHOLE = re.compile(r"\A[0-9]{1,18}\Z")
#: longest path segment (a file name: NAME_MAX; longer ones made the static roots fail with a 500)
MAX_SEGMENT = 255


def url_problem(path: str, query: str = "") -> str | None:
    """What is wrong with a request target, as a sentence for a 400, or ``None`` when it is fine.

    Args:
        path: the path as sent (percent-escapes not yet decoded).
        query: the query string as sent, without the ``?``.
    """
    if not path.isascii():
        return "the URL's path must be ASCII: percent-encode other characters"
    for part, name in ((path, "path"), (query, "query string")):
        if not part:
            continue
        if _BROKEN_ESCAPE.search(part):
            return f"the URL's {name} has a broken percent-escape: '%' must be followed by two hex digits"
        raw = unquote_to_bytes(part)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return f"the URL's {name} is not UTF-8 text once its percent-escapes are decoded"
        if _CONTROL.search(text) or _CONTROL.search(part):
            return f"the URL's {name} holds a control character (such as NUL, %00)"
    if any(len(unquote_to_bytes(segment)) > MAX_SEGMENT for segment in path.split("/")):
        return f"a segment of the URL's path is longer than {MAX_SEGMENT} bytes"
    return None


def query_field(query: str) -> str | None:
    """The name of the first query parameter whose name or value :func:`url_problem` refuses
    (``status`` in ``status=%00&days=7``), or ``None``."""
    for pair in query.split("&"):
        name, _, _value = pair.partition("=")
        if url_problem("", pair):
            decoded = unquote_to_bytes(name).decode("utf-8", "replace")
            return decoded if name and not url_problem("", name) else "query"
    return None


def whole_number(raw: object) -> int | None:
    """``raw`` as a whole number when it is one written in ASCII digits (an ``int`` is taken as
    it is, ``bool`` is not); otherwise ``None`` (``²``, ``１５``, ``-1``, ``1.0``, ``" 7"``)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and _ASCII_WHOLE.match(raw):
        return int(raw)
    return None


class InvalidInput(ValueError):
    """Malformed input: ``field`` names the culprit (a body field, a query parameter, ``body``).

    Attributes:
        field: the field, as the client sent it.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field

    @property
    def details(self) -> dict[str, Any]:
        return {"field": self.field}


#: The HTTP status of :class:`InvalidInput` (the web app answers it, ``web.errors.install``).
ERRORS: dict[type[Exception], int] = {InvalidInput: 422}


def json_body(request: Any) -> dict[str, Any]:
    """The request's JSON object, or :class:`InvalidInput` naming the body as the culprit."""
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - Sanic raises InvalidUsage on bad JSON, its parser anything else
        raise InvalidInput("body", "must be valid JSON") from None
    if not isinstance(body, dict):
        raise InvalidInput("body", "must be a JSON object")
    return body


def number_field(raw: Any, field: str, *, low: int, high: int) -> int:
    """A whole number of a query argument, header or JSON field: ASCII digits (or a JSON integer)
    from ``low`` to ``high``; :class:`InvalidInput` naming the field otherwise (``²``, ``１５``,
    ``1.5``, ``true``)."""
    value = whole_number(raw)
    if value is None or not low <= value <= high:
        raise InvalidInput(field, f"must be a whole number from {low} to {high}, in the digits 0-9")
    return value


def require_text(body: dict[str, Any], field: str, *, max_length: int = 10_000, allow_empty: bool = False) -> str:
    """A string field of a JSON body, stripped; :class:`InvalidInput` naming the field when missing or wrong."""
    value = body.get(field)
    if not isinstance(value, str):
        raise InvalidInput(field, "is required and must be a string")
    value = value.strip()
    if not value and not allow_empty:
        raise InvalidInput(field, "must not be empty")
    if len(value) > max_length:
        raise InvalidInput(field, f"must be at most {max_length} characters")
    return value
