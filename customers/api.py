"""The customers and care API (contract section 8), composed into the web app by ``web/``.

Routes (every one for agents and admins, the privacy routes for admins only; 401 without a valid
token, 403 for another role):

* ``GET /api/customers/<customer_id>``: the customer record; 404 for a customer the shop does not know
* ``GET /api/care/at-risk?days=N``: customers with churn signals in the last N days (default 30)
* ``POST /api/care/follow-ups`` ``{"customer_id", "note", "due", "assignee"?}`` → 201
* ``POST /api/care/follow-ups/<id>/messages`` ``{"text"}``: sent on the customer's last channel;
  409 when they cannot be reached there now (WeChat's 48-hour window)
* ``POST /api/care/follow-ups/<id>/done`` ``{"outcome"}``
* ``GET /api/admin/customers/<customer_id>/export``, ``POST /api/admin/customers/<customer_id>/erase``
  ``{"confirm": "<customer_id>"}``

Editors see the aggregates of ``GET /api/analytics`` only. Nothing here logs a customer's data.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from sanic import Blueprint, Request, Sanic, response
from sanic.response import HTTPResponse

from customers import privacy
from customers.care import MAX_DAYS, CannotReach, Care, CustomerNotFound
from customers.followups import MAX_NOTE, FollowUpDone, FollowUpNotFound, follow_up_json
from kefu.auth import display_name
from kefu.botapi import BotApiError, BotServers
from kefu.inputs import InvalidInput, json_body, number_field, require_text
from kefu.routes import RoleGuard
from kefu.settings import Settings
from shop.adapter import ShopAdapter

DEFAULT_DAYS = 30


def _message(error: Exception) -> dict[str, Any]:
    return {"error": str(error)}


def _not_delivered(error: Exception) -> dict[str, Any]:
    return {"error": f"the message was not delivered: {error}"}


#: The package's errors → HTTP (registered by the web app with the others).
ERRORS: dict[type[Exception], tuple[int, Callable[[Exception], dict[str, Any]]]] = {
    CustomerNotFound: (404, _message),
    FollowUpNotFound: (404, _message),
    FollowUpDone: (409, _message),
    CannotReach: (409, _message),
    BotApiError: (502, _not_delivered),
}


async def in_thread(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(function, *args, **kwargs))


def _due(body: dict[str, Any]) -> dt.date | None:
    raw = body.get("due")
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise InvalidInput("due", "must be a date written YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(raw.strip()[:10])
    except ValueError:
        raise InvalidInput("due", "must be a date written YYYY-MM-DD") from None


def _customer_id(raw: str) -> str:
    if not raw or len(raw) > 64 or not raw.isprintable():
        raise InvalidInput("customer_id", "must be the shop's customer number (at most 64 characters)")
    return raw


def install(app: Sanic, *, require_role: RoleGuard, settings: Settings, shop: ShopAdapter,
            bots: BotServers) -> Care:
    """Registers the routes; returns the :class:`Care` they use (also ``app.ctx.care``)."""
    care = app.ctx.care = Care(settings.database_url, shop)
    app.blueprint(blueprint(care, require_role=require_role, settings=settings, bots=bots))
    return care


def blueprint(care: Care, *, require_role: RoleGuard, settings: Settings, bots: BotServers) -> Blueprint:
    bp = Blueprint("customers", url_prefix="/api")
    staff = require_role("agent")  # agents and admins
    admin = require_role("admin")

    @bp.get("/customers/<customer_id:str>")
    @staff
    async def customer_record(_request: Request, customer_id: str) -> HTTPResponse:
        return response.json(await in_thread(care.record, _customer_id(customer_id)))

    @bp.get("/care/at-risk")
    @staff
    async def at_risk(request: Request) -> HTTPResponse:
        raw = request.args.get("days")
        days = DEFAULT_DAYS if raw is None else number_field(raw, "days", low=1, high=MAX_DAYS)
        return response.json(await in_thread(care.at_risk, days=days))

    @bp.post("/care/follow-ups")
    @staff
    async def open_follow_up(request: Request) -> HTTPResponse:
        body = json_body(request)
        customer_id = _customer_id(require_text(body, "customer_id", max_length=64))
        note = require_text(body, "note", max_length=MAX_NOTE)
        assignee = body.get("assignee")
        if assignee is not None and (not isinstance(assignee, str) or not 0 < len(assignee.strip()) <= 64):
            raise InvalidInput("assignee", "must be a staff user name")
        follow_up = await in_thread(care.open_follow_up, customer_id, note=note, due=_due(body),
                                    by=request.ctx.principal.username, assignee=assignee and assignee.strip())
        return response.json(follow_up_json(follow_up), status=201)

    @bp.post("/care/follow-ups/<follow_up_id:int>/messages")
    @staff
    async def send(request: Request, follow_up_id: int) -> HTTPResponse:
        text = require_text(json_body(request), "text", max_length=MAX_NOTE)
        username = request.ctx.principal.username
        name = await in_thread(display_name, settings.database_url, username)

        async def deliver(sender_id: str, message: str, channel: str, _agent: str) -> object:
            return await bots.send_bot_message(sender_id, message, channel=channel,
                                               metadata={"agent": name, "follow_up": follow_up_id})

        sent = await care.send(follow_up_id, text, agent=username, deliver=deliver)
        return response.json({"follow_up_id": follow_up_id, "text": text, "channel": sent.channel,
                              "sender_id": sent.sender_id, "sent_at": sent.at.isoformat()}, status=201)

    @bp.post("/care/follow-ups/<follow_up_id:int>/done")
    @staff
    async def done(request: Request, follow_up_id: int) -> HTTPResponse:
        outcome = require_text(json_body(request), "outcome", max_length=MAX_NOTE)
        follow_up = await in_thread(care.follow_ups.done, follow_up_id, outcome=outcome, at=care.clock())
        messages = await in_thread(care.follow_ups.messages, follow_up_id)
        return response.json(follow_up_json(follow_up, messages))

    # ------------------------------------------------------------------ privacy (admins)
    @bp.get("/admin/customers/<customer_id:str>/export")
    @admin
    async def export(_request: Request, customer_id: str) -> HTTPResponse:
        customer_id = _customer_id(customer_id)
        record = await in_thread(care.record, customer_id)
        return response.json(await in_thread(privacy.export, settings.database_url, customer_id, record))

    @bp.post("/admin/customers/<customer_id:str>/erase")
    @admin
    async def erase(request: Request, customer_id: str) -> HTTPResponse:
        customer_id = _customer_id(customer_id)
        # erasure cannot be undone: the body names the customer again
        if json_body(request).get("confirm") != customer_id:
            raise InvalidInput("confirm", "must repeat the customer number to erase")
        erased = await in_thread(privacy.erase, settings.database_url, customer_id,
                                 tracker_store_url=settings.tracker_store_url)
        return response.json({"customer_id": customer_id, "erased": erased})

    return bp
