"""The handoff queue on the web app: ``/api/handoffs`` (contract section 5), the live feed and the console.

The web app installs it with its own auth and error helpers (this package imports only
:mod:`kefu`)::

    handoff.api.install(app, require_role=web.auth.require_role, errors=web.errors,
                        customer_panel=web.customers.panel_of(shop_adapter))

Routes (every one needs an ``agent`` token; ``admin`` passes too):

========================================  =================================================
``GET  /api/handoffs?status=...``         handoff objects; ``status`` waiting, active, resolved
                                          (also callback, abandoned; comma-separated);
                                          without it the open ones (waiting, active, callback)
``GET  /api/handoffs/{id}``               one handoff object
``POST /api/handoffs/{id}/claim``         the agent takes it (409 when another agent holds it);
                                          one transition of the record: the bot is silent from
                                          then on, whether the Rasa server is reachable or not
``POST /api/handoffs/{id}/messages``      ``{"text"}`` to the customer (422 empty/too long,
                                          409 unless the caller holds it)
``POST /api/handoffs/{id}/resolve``       done: the bot takes over and asks for a rating (the
                                          question is sent again later if the Rasa server
                                          cannot be reached now, :mod:`handoff.upkeep`)
``POST /api/handoffs/{id}/release``       back to the queue
``GET  /api/handoffs/{id}/details``       transitions, complaint ticket, rating, customer panel
``GET  /api/handoffs/stream?token=...``   server-sent events: ``handoff`` and ``message``; the
                                          only route taking ``?token=``; ends with ``expired``
                                          when the token expires or the account changes
``GET  /api/complaints?status=...``       complaint tickets
``POST /api/complaints/{id}/follow-up``   ``{"note"}``: the complaint was followed up
``GET  /console``                         the agent console
========================================  =================================================

A handoff object is exactly ``{"id", "sender_id", "channel", "reason", "priority", "status",
"created_at", "claimed_by", "transcript": [{"role", "text", "ts"}]}`` (:mod:`handoff.serialize`).

The routes raise the package's domain errors; :data:`ERRORS` says how each is answered (status
and JSON body), and the web app registers that table as application-level error handlers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sanic import Blueprint, Request, Sanic, response
from sanic.response import HTTPResponse

from handoff.live import LiveFeed
from handoff.models import Handoff
from handoff.rasa_client import BotUnavailable, RasaConversations, reply_channel
from handoff.serialize import conflict_json, details_json, handoff_json, ticket_json
from handoff.service import HandoffService, InvalidMessage, NotHolder
from handoff.states import InvalidTransition, Status
from handoff.store import HandoffConflict, HandoffNotFound
from handoff.tickets import TicketNotFound
from handoff.upkeep import RatingRequests, Upkeep, in_thread
from kefu.auth import display_name
from kefu.botapi import BotServers
from kefu.clock import utcnow
from kefu.routes import ErrorHelpers, RoleGuard
from kefu.settings import Settings

logger = logging.getLogger(__name__)

CONSOLE = Path(__file__).resolve().parent / "console"
LISTABLE = {s.value for s in Status} - {Status.BOT.value}
DEFAULT_LIST = ("waiting", "active", "callback")
TICKET_STATUSES = ("open", "handled", "followed_up")
#: Minutes a waiting customer may stay silent before the handoff counts as abandoned.
ABANDON_AFTER_MINUTES = 120
SSE_KEEPALIVE = 15.0
#: How often an open live stream checks that its token and account are still good (seconds).
STREAM_CHECK = 1.0

CustomerPanel = Callable[..., dict[str, Any] | None]
#: How a domain error is answered: its HTTP status and its JSON body.
ErrorAnswer = tuple[int, Callable[[Exception], dict[str, Any]]]


def _message(error: Exception) -> dict[str, Any]:
    return {"error": str(error)}


def _invalid_text(error: Exception) -> dict[str, Any]:
    return {"error": f"text: {str(error).removeprefix('text ')}", "field": "text"}


def _not_delivered(error: Exception) -> dict[str, Any]:
    return {"error": f"the message was not delivered: {error}"}


#: The handoff package's domain errors → HTTP (the web app registers these as its error handlers;
#: a subclass is answered as its nearest listed class).
ERRORS: dict[type[Exception], ErrorAnswer] = {
    HandoffNotFound: (404, _message),
    TicketNotFound: (404, _message),
    HandoffConflict: (409, conflict_json),
    NotHolder: (409, conflict_json),
    InvalidTransition: (409, _message),
    InvalidMessage: (422, _invalid_text),
    BotUnavailable: (502, _not_delivered),
}


class HandoffApi:
    """State shared by the routes of one web app: service, Rasa client, live feed, upkeep."""

    def __init__(self, settings: Settings, *, customer_panel: CustomerPanel | None = None,
                 service: HandoffService | None = None, bot: RasaConversations | None = None) -> None:
        self.settings = settings
        self.service = service or HandoffService.create(settings.database_url)
        self._bot = bot
        self.feed = LiveFeed(self.service.transcripts)
        self.ratings = RatingRequests(self.service.store, lambda: self.bot)
        self.customer_panel = customer_panel
        self._display_names: dict[str, str] = {}
        self._upkeep: asyncio.Task[None] | None = None

    @property
    def bot(self) -> RasaConversations:
        if self._bot is None:
            self._bot = RasaConversations(BotServers.from_settings(self.settings))
        return self._bot

    def display_name(self, username: str) -> str:
        if username not in self._display_names:
            self._display_names[username] = display_name(self.settings.database_url, username)
        return self._display_names[username]

    def object_of(self, handoff: Handoff) -> dict[str, Any]:
        return handoff_json(handoff, self.service.transcript(handoff))

    def start_upkeep(self, app: Sanic) -> None:
        if self._upkeep is None:
            quiet = dt.timedelta(minutes=self.settings.handoff_abandon_after_minutes)
            self._upkeep = app.loop.create_task(Upkeep(self.service, self.ratings, abandon_after=quiet).run())

    async def stop(self) -> None:
        if self._upkeep is not None:
            self._upkeep.cancel()
        if self._bot is not None:
            await self._bot.close()


def install(app: Sanic, *, require_role: RoleGuard, errors: ErrorHelpers, customer_panel: CustomerPanel | None = None) -> HandoffApi:
    """Registers the handoff API, the live feed and the console on the web app (its domain errors
    are answered as :data:`ERRORS` says once the web app registers that table)."""
    state = HandoffApi(app.ctx.settings, customer_panel=customer_panel)
    app.ctx.handoffs = state
    for blueprint in blueprints(require_role=require_role, errors=errors):
        app.blueprint(blueprint)

    async def _start(app_: Sanic, _loop: asyncio.AbstractEventLoop) -> None:
        state.start_upkeep(app_)

    app.listener(_start, "after_server_start")

    async def _stop(_app: Sanic, _loop: asyncio.AbstractEventLoop) -> None:
        await state.stop()

    app.listener(_stop, "before_server_stop")

    return state


def blueprints(*, require_role: RoleGuard, errors: ErrorHelpers) -> list[Blueprint]:
    api = Blueprint("handoffs", url_prefix="/api")
    console = Blueprint("console")
    agent = require_role("agent")

    def state_of(request: Request) -> HandoffApi:
        state: HandoffApi = request.app.ctx.handoffs
        return state

    # ------------------------------------------------------------------ queue
    @api.get("/handoffs")
    @agent
    async def list_handoffs(request: Request) -> HTTPResponse:
        state = state_of(request)
        raw = request.args.get("status")
        statuses = DEFAULT_LIST
        if raw is not None:
            statuses = tuple(part.strip() for part in raw.split(",") if part.strip())
            unknown = [s for s in statuses if s not in LISTABLE]
            if not statuses or unknown:
                raise errors.invalid("status", f"must be one of {', '.join(sorted(LISTABLE))}")
        handoffs = await in_thread(state.service.store.list, statuses, limit=200)
        transcripts = await in_thread(state.service.transcripts.of_each, handoffs)
        return response.json([handoff_json(h, transcripts[h.id]) for h in handoffs])

    @api.get("/handoffs/<handoff_id:int>")
    @agent
    async def get_handoff(request: Request, handoff_id: int) -> HTTPResponse:
        state = state_of(request)
        handoff = await in_thread(state.service.store.get, handoff_id)
        return response.json(await in_thread(state.object_of, handoff))

    @api.get("/handoffs/<handoff_id:int>/details")
    @agent
    async def details(request: Request, handoff_id: int) -> HTTPResponse:
        state = state_of(request)
        handoff = await in_thread(state.service.store.get, handoff_id)
        transitions = await in_thread(state.service.store.transitions, handoff_id)
        ticket = await in_thread(state.service.tickets.of_handoff, handoff_id)
        transcript = await in_thread(state.service.transcript, handoff)
        customer = None
        if state.customer_panel is not None:
            try:
                customer = await in_thread(state.customer_panel, customer_id=handoff.customer_id,
                                           order_id=handoff.order_id, proven=handoff.customer_proven)
            except Exception:  # the console works without it
                logger.exception("customer panel failed for handoff %s", handoff_id)
        return response.json(details_json(handoff, transcript, transitions, ticket, customer))

    # ------------------------------------------------------------------ agent actions
    @api.post("/handoffs/<handoff_id:int>/claim")
    @agent
    async def claim(request: Request, handoff_id: int) -> HTTPResponse:
        state = state_of(request)
        handoff = await in_thread(state.service.claim, handoff_id, request.ctx.principal.username)
        return response.json(await in_thread(state.object_of, handoff))

    @api.post("/handoffs/<handoff_id:int>/messages")
    @agent
    async def post_message(request: Request, handoff_id: int) -> HTTPResponse:
        state = state_of(request)
        body = errors.json_body(request)
        handoff, text = await in_thread(state.service.check_can_write, handoff_id,
                                        request.ctx.principal.username, body.get("text"))
        name = await in_thread(state.display_name, request.ctx.principal.username)
        await state.bot.send_agent_message(handoff.sender_id, text, name,
                                           channel=reply_channel(handoff.channel, handoff.sender_id))
        return response.json({"role": "agent", "text": text, "ts": utcnow().isoformat(), "agent": name}, status=201)

    @api.post("/handoffs/<handoff_id:int>/resolve")
    @agent
    async def resolve(request: Request, handoff_id: int) -> HTTPResponse:
        state = state_of(request)
        handoff = await in_thread(state.service.resolve, handoff_id, request.ctx.principal.username)
        await state.ratings.send(handoff)  # when the Rasa server cannot take it now, the upkeep retries
        return response.json(await in_thread(state.object_of, handoff))

    @api.post("/handoffs/<handoff_id:int>/release")
    @agent
    async def release(request: Request, handoff_id: int) -> HTTPResponse:
        state = state_of(request)
        handoff = await in_thread(state.service.release, handoff_id, request.ctx.principal.username)
        return response.json(await in_thread(state.object_of, handoff))

    # ------------------------------------------------------------------ complaints
    @api.get("/complaints")
    @agent
    async def list_complaints(request: Request) -> HTTPResponse:
        state = state_of(request)
        raw = request.args.get("status")
        statuses = [s.strip() for s in raw.split(",")] if raw else None
        if statuses and not set(statuses) <= set(TICKET_STATUSES):
            raise errors.invalid("status", f"must be one of {', '.join(TICKET_STATUSES)}")
        tickets = await in_thread(state.service.tickets.list, statuses)
        return response.json([ticket_json(t) for t in tickets])

    @api.post("/complaints/<ticket_id:int>/follow-up")
    @agent
    async def follow_up(request: Request, ticket_id: int) -> HTTPResponse:
        state = state_of(request)
        note = errors.require_text(errors.json_body(request), "note", max_length=2000)
        ticket = await in_thread(state.service.follow_up, ticket_id, request.ctx.principal.username, note)
        return response.json(ticket_json(ticket))

    # ------------------------------------------------------------------ live feed
    @api.get("/handoffs/stream")
    @require_role("agent", query_token=True)  # an EventSource sends no headers: the only ?token= route
    async def stream(request: Request) -> HTTPResponse | None:
        # Ends when its token expires or the account is deleted or its role changes (checked
        # every STREAM_CHECK seconds through ``request.ctx.still_valid``, from the auth decorator).
        state = state_of(request)
        still_valid = request.ctx.still_valid
        queue = state.feed.subscribe()
        try:
            stream_response = await request.respond(
                content_type="text/event-stream; charset=utf-8",
                headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
            )
            await stream_response.send("retry: 3000\n: connected\n\n")
            quiet_since = time.monotonic()
            while await still_valid():
                try:
                    item = await asyncio.wait_for(queue.get(), timeout=STREAM_CHECK)
                except asyncio.TimeoutError:
                    if time.monotonic() - quiet_since >= SSE_KEEPALIVE:
                        await stream_response.send(": keep-alive\n\n")
                        quiet_since = time.monotonic()
                    continue
                await stream_response.send(item.encode())
                quiet_since = time.monotonic()
            await stream_response.send('event: expired\ndata: {"reason": "log in again"}\n\n')
            await stream_response.eof()
        finally:
            state.feed.unsubscribe(queue)
        return None  # the stream was the response

    # ------------------------------------------------------------------ console
    @console.get("/console")
    async def console_page(_request: Request) -> HTTPResponse:
        return await response.file(CONSOLE / "index.html", headers={"Cache-Control": "no-cache"})

    console.static("/console/static", str(CONSOLE / "static"), name="console_static")
    return [api, console]
