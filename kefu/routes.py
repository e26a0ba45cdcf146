"""Types of the web app's routes that the domain packages' APIs are written against.

The web app (``web/``) hands each package's ``install()`` its role check and its error helpers;
these say what they are, without the packages importing the web app.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from sanic.response import HTTPResponse

#: a Sanic route handler: ``async def handler(request, **path_parameters)``
Handler = Callable[..., Coroutine[Any, Any, HTTPResponse | None]]


class RoleGuard(Protocol):
    """``web.auth.require_role``: a decorator letting only the holders of ``roles`` (or admin) in."""

    def __call__(self, *roles: str, query_token: bool = False) -> Callable[[Handler], Handler]: ...


class ErrorHelpers(Protocol):
    """What ``web.errors`` offers a package's routes: the body read and checked, 4xx errors."""

    def invalid(self, field: str, message: str) -> Exception: ...

    def json_body(self, request: Any) -> dict[str, Any]: ...

    def require_text(self, body: dict[str, Any], field: str, *, max_length: int = 10_000,
                     allow_empty: bool = False) -> str: ...
