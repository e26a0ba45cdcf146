"""Login and role checks of the web APIs (contract section 5).

Every ``/api`` route except login is wrapped in :func:`require_role`: no or bad token → 401,
a valid token of another role → 403. The ``admin`` role may do everything.

* The token comes from the ``Authorization: Bearer`` header; only a route declared with
  ``require_role(..., query_token=True)`` (the console's live stream, which an ``EventSource``
  cannot give headers) also takes ``?token=``.
* A token's role is compared with the account's role as the database has it (read at most once
  per ``KEFU_STAFF_RECHECK_SECONDS``, default 60, per process): a deleted or demoted account gets
  401 within that time.
* Logins are limited per client IP and per user name (:mod:`kefu.ratelimit`): the attempt takes
  its tokens before the password is checked and gives them back when it succeeds.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable

from sanic import Blueprint, response

from kefu.auth import AccountRoles, Principal, authenticate
from kefu.ratelimit import Decision, account_key, account_login_limiter, login_limiter
from kefu.tokens import StaffTokens, staff_tokens
from web.errors import forbidden, json_body, require_text, unauthorized

bp = Blueprint("auth", url_prefix="/api/auth")


def _ctx(app, name: str, make: Callable):
    value = getattr(app.ctx, name, None)
    if value is None:
        value = make(app.ctx.settings)
        setattr(app.ctx, name, value)
    return value


def _staff_tokens(app) -> StaffTokens:
    return _ctx(app, "staff_tokens", staff_tokens)


def _roles(app) -> AccountRoles:
    return _ctx(app, "account_roles",
                lambda settings: AccountRoles(settings.database_url, max_age=settings.staff_recheck_seconds))


def _too_many(decision: Decision):
    # one answer for an address and for an account, whatever the password: nothing to learn from it
    seconds = max(1, round(decision.retry_after))
    return response.json({"error": f"too many failed logins; try again in {seconds} s", "retry_after": seconds},
                         status=429, headers={"Retry-After": str(seconds)})


@bp.post("/login")
async def login(request):
    # Brute force: attempts per client IP and per user name are limited (behind a proxy, Sanic's
    # PROXIES_COUNT / REAL_IP_HEADER make remote_addr the client's address).
    body = json_body(request)
    username = require_text(body, "username", max_length=64)
    password = require_text(body, "password", max_length=256)
    app, settings = request.app, request.app.ctx.settings
    by_ip, by_account = _ctx(app, "login_limiter", login_limiter), _ctx(app, "account_limiter", account_login_limiter)
    client, account = request.remote_addr or request.ip, account_key(username)
    decision = await by_ip.hit(client)
    if not decision.allowed:
        return _too_many(decision)
    decision = await by_account.hit(account)
    if not decision.allowed:  # locked: refused whether the password is right or not
        return _too_many(decision)
    guessed_wrong = False
    try:
        principal = await app.loop.run_in_executor(None, authenticate, settings.database_url, username, password)
        guessed_wrong = principal is None
    finally:
        if not guessed_wrong:  # a success (or our own failure) is no guess: the tokens come back
            await by_ip.give_back(client)
            await by_account.give_back(account)
    if principal is None:
        raise unauthorized("wrong user name or password")
    _roles(app).remember(principal.username, principal.role)
    return response.json({"token": _staff_tokens(app).issue(principal), "role": principal.role,
                          "username": principal.username})


async def account_matches(app, principal: Principal) -> bool:
    """Whether the account still exists with the token's role (database read at most once per
    ``KEFU_STAFF_RECHECK_SECONDS`` per account and process)."""
    roles = _roles(app)
    known, role = roles.fresh(principal.username)
    if not known:
        role = await app.loop.run_in_executor(None, roles.load, principal.username)
    return role == principal.role


async def principal_of(request, *, query_token: bool = False) -> Principal:
    """The caller of a request, from its bearer token (or, where allowed, a ``token`` query)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        token = request.args.get("token", "") if query_token and request.method == "GET" else ""
        if not token:
            raise unauthorized()
    principal = _staff_tokens(request.app).read(token.strip())
    if principal is None:
        raise unauthorized("the token is invalid or has expired; log in again")
    if not await account_matches(request.app, principal):
        raise unauthorized("the account was removed or its role changed; log in again")
    return principal


def require_role(*roles: str, query_token: bool = False) -> Callable:
    """Decorator: the caller must hold one of ``roles`` (or be ``admin``).

    Sets ``request.ctx.principal`` and ``request.ctx.still_valid``: an async callable telling a
    long-lived response (the live stream) whether its token is still unexpired and its account
    unchanged.

    Args:
        query_token: also accept ``?token=`` on GET (only for server-sent events).
    """

    def decorate(handler: Callable) -> Callable:
        @functools.wraps(handler)
        async def wrapper(request, *args, **kwargs):
            principal = await principal_of(request, query_token=query_token)
            if principal.role not in roles and principal.role != "admin":
                raise forbidden(principal.role)
            request.ctx.principal = principal
            request.ctx.still_valid = _still_valid(request.app, principal)
            return await handler(request, *args, **kwargs)

        return wrapper

    return decorate


def _still_valid(app, principal: Principal) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return time.time() < principal.expires_at and await account_matches(app, principal)

    return check
