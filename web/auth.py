"""Login and role checks of the web APIs (contract section 5).

Every ``/api`` route except login is wrapped in :func:`require_role`: no or bad token → 401,
a valid token of another role → 403. The ``admin`` role may do everything.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from sanic import Blueprint, response

from kefu.auth import Principal, authenticate, issue_token, read_token
from kefu.ratelimit import login_limiter
from web.errors import ApiError, forbidden, json_body, require_text, unauthorized

bp = Blueprint("auth", url_prefix="/api/auth")


def _login_limiter(app):
    limiter = getattr(app.ctx, "login_limiter", None)
    if limiter is None:
        limiter = app.ctx.login_limiter = login_limiter(app.ctx.settings.redis_url)
    return limiter


@bp.post("/login")
async def login(request):
    # Brute force: failed logins per client IP are limited (behind a proxy, Sanic's
    # PROXIES_COUNT / REAL_IP_HEADER make remote_addr the client's address).
    limiter = _login_limiter(request.app)
    client = request.remote_addr or request.ip
    limit = await limiter.check(client)
    if not limit.allowed:
        seconds = max(1, round(limit.retry_after))
        raise ApiError(429, f"too many failed logins from your address; try again in {seconds} s",
                       retry_after=seconds)
    body = json_body(request)
    username = require_text(body, "username", max_length=64)
    password = require_text(body, "password", max_length=256)
    settings = request.app.ctx.settings
    principal = await request.app.loop.run_in_executor(
        None, authenticate, settings.database_url, username, password
    )
    if principal is None:
        await limiter.hit(client)
        raise unauthorized("wrong user name or password")
    return response.json({"token": issue_token(principal, settings.secret_key), "role": principal.role,
                          "username": principal.username})


def principal_of(request) -> Principal:
    """The caller of a request, from its bearer token (or an SSE/WebSocket ``token`` query)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        token = request.args.get("token", "") if request.method == "GET" else ""
        if not token:
            raise unauthorized()
    principal = read_token(token.strip(), request.app.ctx.settings.secret_key)
    if principal is None:
        raise unauthorized("the token is invalid or has expired; log in again")
    return principal


def require_role(*roles: str) -> Callable:
    """Decorator: the caller must hold one of ``roles`` (or be ``admin``)."""

    def decorate(handler: Callable) -> Callable:
        @functools.wraps(handler)
        async def wrapper(request, *args, **kwargs):
            principal = principal_of(request)
            if principal.role not in roles and principal.role != "admin":
                raise forbidden(principal.role)
            request.ctx.principal = principal
            return await handler(request, *args, **kwargs)

        return wrapper

    return decorate
