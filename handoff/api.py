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
``POST /api/handoffs/{id}/claim``         the agent takes it (409 when another agent holds it)
``POST /api/handoffs/{id}/messages``      ``{"text"}`` to the customer (422 empty/too long,
                                          409 unless the caller holds it)
``POST /api/handoffs/{id}/resolve``       done: the bot takes over and asks for a rating
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
"created_at", "claimed_by", "transcript": [{"role", "text", "ts"}]}``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import os
import time
from pathlib import Path
from typing import Any, Callable

from sanic import Blueprint, response

from handoff.live import LiveFeed
from handoff.models import ComplaintTicket, Handoff
from handoff.rasa_client import BotUnavailable, RasaConversations, reply_channel
from handoff.service import HandoffService, InvalidMessage, NotHolder
from handoff.states import Status
from handoff.store import HandoffConflict, HandoffNotFound
from kefu.clock import as_utc, utcnow

logger = logging.getLogger(__name__)

CONSOLE = Path(__file__).resolve().parent / "console"
LISTABLE = {s.value for s in Status} - {Status.BOT.value}
DEFAULT_LIST = ("waiting", "active", "callback")
#: Minutes a waiting customer may stay silent before the handoff counts as abandoned.
ABANDON_AFTER_MINUTES = 120
MAINTENANCE_INTERVAL = 30.0
SSE_KEEPALIVE = 15.0
#: How often an open live stream checks that its token and account are still good (seconds).
STREAM_CHECK = 1.0

CustomerPanel = Callable[..., dict[str, Any] | None]


def _iso(value: dt.datetime | None) -> str | None:
    return as_utc(value).isoformat() if value else None


def handoff_json(handoff: Handoff, transcript: list | None) -> dict[str, Any]:
    """The contract's handoff object."""
    return {
        "id": handoff.id,
        "sender_id": handoff.sender_id,
        "channel": handoff.channel,
        "reason": handoff.reason,
        "priority": handoff.priority,
        "status": handoff.status,
        "created_at": _iso(handoff.created_at),
        "claimed_by": handoff.claimed_by,
        "transcript": [line.as_json() for line in transcript or []],
    }


def ticket_json(ticket: ComplaintTicket | None) -> dict[str, Any] | None:
    if ticket is None:
        return None
    return {
        "id": ticket.id, "handoff_id": ticket.handoff_id, "sender_id": ticket.sender_id, "channel": ticket.channel,
        "customer_id": ticket.customer_id, "order_id": ticket.order_id, "category": ticket.category,
        "summary": ticket.summary, "status": ticket.status, "note": ticket.note, "transcript": ticket.transcript,
        "created_at": _iso(ticket.created_at), "updated_at": _iso(ticket.updated_at),
    }


class HandoffApi:
    """State shared by the routes of one web app: service, bot client, live feed."""

    def __init__(self, settings, *, customer_panel: CustomerPanel | None = None,
                 service: HandoffService | None = None, bot: RasaConversations | None = None) -> None:
        self.settings = settings
        self.service = service or HandoffService.create(settings.database_url)
        self._bot = bot
        self.feed = LiveFeed(self.service)
        self.customer_panel = customer_panel
        self._display_names: dict[str, str] = {}
        self._maintenance: asyncio.Task | None = None

    @property
    def bot(self) -> RasaConversations:
        if self._bot is None:
            self._bot = RasaConversations(self.settings.bot_url, self.settings.bot_api_token)
        return self._bot

    async def call(self, function: Callable, *args: Any, **kwargs: Any) -> Any:
        """Runs blocking database work off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(None, functools.partial(function, *args, **kwargs))

    def display_name(self, username: str) -> str:
        if username not in self._display_names:
            from sqlalchemy import select

            from kefu.auth import User
            from kefu.db import session_scope

            with session_scope(self.settings.database_url) as session:
                name = session.execute(select(User.display_name).where(User.username == username)).scalar()
            self._display_names[username] = name or username
        return self._display_names[username]

    def object_of(self, handoff: Handoff) -> dict[str, Any]:
        return handoff_json(handoff, self.service.transcript(handoff))

    # ------------------------------------------------------------------ background upkeep
    def start_maintenance(self, app) -> None:
        if self._maintenance is None:
            self._maintenance = app.loop.create_task(self._maintain())

    async def _maintain(self) -> None:
        quiet = dt.timedelta(minutes=int(os.environ.get("HANDOFF_ABANDON_AFTER_MINUTES") or ABANDON_AFTER_MINUTES))
        while True:
            await asyncio.sleep(MAINTENANCE_INTERVAL)
            try:
                await self.maintain_once(quiet)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("handoff upkeep failed")

    async def maintain_once(self, quiet: dt.timedelta) -> None:
        """Abandons waiting conversations gone quiet, and hands ended ones back to the bot."""
        for handoff in await self.call(self.service.abandon_stale, quiet_for=quiet):
            logger.info("handoff %s abandoned: the customer was quiet for %s", handoff.id, quiet)
        now = utcnow()
        for handoff in await self.call(self.service.store.pending_resumes, since=now - dt.timedelta(days=1)):
            if as_utc(handoff.ended_at) > now - dt.timedelta(seconds=30):
                continue  # its own request is still handing it back
            await self.hand_back(handoff)

    async def hand_back(self, handoff: Handoff) -> bool:
        """Resumes the bot in the conversation (and asks for a rating after a resolution)."""
        try:
            await self.bot.hand_back(handoff.sender_id, channel=reply_channel(handoff.channel, handoff.sender_id),
                                     ask_rating=handoff.status == Status.RESOLVED.value)
        except BotUnavailable as error:
            logger.warning("handoff %s: could not hand the conversation back to the bot yet: %s", handoff.id, error)
            return False
        await self.call(self.service.store.mark_bot_resumed, handoff.id, utcnow())
        return True


def install(app, *, require_role: Callable, errors, customer_panel: CustomerPanel | None = None) -> HandoffApi:
    """Registers the handoff API, the live feed and the console on the web app."""
    state = HandoffApi(app.ctx.settings, customer_panel=customer_panel)
    app.ctx.handoffs = state
    for blueprint in blueprints(require_role=require_role, errors=errors):
        app.blueprint(blueprint)

    @app.listener("after_server_start")
    async def _start(app_, _loop):
        state.start_maintenance(app_)

    @app.listener("before_server_stop")
    async def _stop(_app, _loop):
        if state._maintenance:
            state._maintenance.cancel()
        if state._bot is not None:
            await state._bot.close()

    return state


def blueprints(*, require_role: Callable, errors) -> list[Blueprint]:
    api = Blueprint("handoffs", url_prefix="/api")
    console = Blueprint("console")
    agent = require_role("agent")

    def state_of(request) -> HandoffApi:
        return request.app.ctx.handoffs

    async def load(request, handoff_id: int) -> Handoff:
        try:
            return await state_of(request).call(state_of(request).service.store.get, handoff_id)
        except HandoffNotFound:
            raise errors.not_found(f"handoff {handoff_id}") from None

    def conflict(error: Exception, handoff: Handoff | None = None):
        current = handoff or getattr(error, "handoff", None)
        extra = {"handoff_status": current.status, "claimed_by": current.claimed_by} if current is not None else {}
        return errors.conflict(str(error), **extra)

    # ------------------------------------------------------------------ queue
    @api.get("/handoffs")
    @agent
    async def list_handoffs(request):
        state = state_of(request)
        raw = request.args.get("status")
        statuses = DEFAULT_LIST
        if raw is not None:
            statuses = tuple(part.strip() for part in raw.split(",") if part.strip())
            unknown = [s for s in statuses if s not in LISTABLE]
            if not statuses or unknown:
                raise errors.invalid("status", f"must be one of {', '.join(sorted(LISTABLE))}")
        handoffs = await state.call(state.service.store.list, statuses, limit=200)
        transcripts = await state.call(state.service.store.transcripts, handoffs)
        return response.json([handoff_json(h, transcripts[h.id]) for h in handoffs])

    @api.get("/handoffs/<handoff_id:int>")
    @agent
    async def get_handoff(request, handoff_id: int):
        state = state_of(request)
        handoff = await load(request, handoff_id)
        return response.json(await state.call(state.object_of, handoff))

    @api.get("/handoffs/<handoff_id:int>/details")
    @agent
    async def details(request, handoff_id: int):
        state = state_of(request)
        handoff = await load(request, handoff_id)
        transitions = await state.call(state.service.store.transitions, handoff_id)
        ticket = await state.call(state.service.store.ticket_for, handoff_id)
        customer = None
        if state.customer_panel is not None:
            try:
                customer = await state.call(state.customer_panel, customer_id=handoff.customer_id,
                                            order_id=handoff.order_id)
            except Exception:  # the console works without it
                logger.exception("customer panel failed for handoff %s", handoff_id)
        return response.json({
            "handoff": await state.call(state.object_of, handoff),
            "language": handoff.language,
            "trigger_text": handoff.trigger_text,
            "customer_id": handoff.customer_id,
            "order_id": handoff.order_id,
            "callback_due_at": _iso(handoff.callback_due_at),
            "claimed_at": _iso(handoff.claimed_at),
            "ended_at": _iso(handoff.ended_at),
            "rating": handoff.rating,
            "transitions": [{"from": t.from_status, "to": t.to_status, "actor": t.actor, "note": t.note,
                             "at": _iso(t.at)} for t in transitions],
            "ticket": ticket_json(ticket),
            "customer": customer,
        })

    # ------------------------------------------------------------------ agent actions
    @api.post("/handoffs/<handoff_id:int>/claim")
    @agent
    async def claim(request, handoff_id: int):
        state = state_of(request)
        agent_name = request.ctx.principal.username
        before = await load(request, handoff_id)
        try:
            handoff = await state.call(state.service.claim, handoff_id, agent_name)
        except HandoffConflict as error:
            raise conflict(error) from None
        try:  # the bot stays silent while the agent holds it (a callback request was not paused)
            await state.bot.pause(handoff.sender_id)
        except BotUnavailable as error:
            if before.status == Status.CALLBACK.value:
                raise errors.ApiError(502, f"claimed, but the bot could not be paused ({error}); claim again") \
                    from None
            logger.warning("handoff %s: pause after claim failed: %s", handoff_id, error)
        return response.json(await state.call(state.object_of, handoff))

    @api.post("/handoffs/<handoff_id:int>/messages")
    @agent
    async def post_message(request, handoff_id: int):
        state = state_of(request)
        body = errors.json_body(request)
        await load(request, handoff_id)
        try:
            handoff, text = await state.call(state.service.check_can_write, handoff_id,
                                             request.ctx.principal.username, body.get("text"))
        except InvalidMessage as error:
            raise errors.invalid("text", str(error).removeprefix("text ")) from None
        except NotHolder as error:
            raise conflict(error) from None
        name = await state.call(state.display_name, request.ctx.principal.username)
        try:
            await state.bot.send_agent_message(handoff.sender_id, text, name,
                                               channel=reply_channel(handoff.channel, handoff.sender_id))
        except BotUnavailable as error:
            raise errors.ApiError(502, f"the message was not delivered: {error}") from None
        return response.json({"role": "agent", "text": text, "ts": utcnow().isoformat(), "agent": name}, status=201)

    @api.post("/handoffs/<handoff_id:int>/resolve")
    @agent
    async def resolve(request, handoff_id: int):
        state = state_of(request)
        await load(request, handoff_id)
        try:
            handoff = await state.call(state.service.resolve, handoff_id, request.ctx.principal.username)
        except (NotHolder, HandoffConflict) as error:
            raise conflict(error) from None
        await state.hand_back(handoff)  # if the bot is down, the upkeep task retries
        return response.json(await state.call(state.object_of, handoff))

    @api.post("/handoffs/<handoff_id:int>/release")
    @agent
    async def release(request, handoff_id: int):
        state = state_of(request)
        await load(request, handoff_id)
        try:
            handoff = await state.call(state.service.release, handoff_id, request.ctx.principal.username)
        except (NotHolder, HandoffConflict) as error:
            raise conflict(error) from None
        return response.json(await state.call(state.object_of, handoff))

    # ------------------------------------------------------------------ complaints
    @api.get("/complaints")
    @agent
    async def list_complaints(request):
        state = state_of(request)
        raw = request.args.get("status")
        statuses = [s.strip() for s in raw.split(",")] if raw else None
        if statuses and not set(statuses) <= {"open", "handled", "followed_up"}:
            raise errors.invalid("status", "must be one of open, handled, followed_up")
        tickets = await state.call(state.service.store.list_tickets, statuses)
        return response.json([ticket_json(t) for t in tickets])

    @api.post("/complaints/<ticket_id:int>/follow-up")
    @agent
    async def follow_up(request, ticket_id: int):
        state = state_of(request)
        note = errors.require_text(errors.json_body(request), "note", max_length=2000)
        ticket = await state.call(state.service.follow_up, ticket_id, request.ctx.principal.username, note)
        if ticket is None:
            raise errors.not_found(f"complaint {ticket_id}")
        return response.json(ticket_json(ticket))

    # ------------------------------------------------------------------ live feed
    @api.get("/handoffs/stream")
    @require_role("agent", query_token=True)  # an EventSource sends no headers: the only ?token= route
    async def stream(request):
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

    # ------------------------------------------------------------------ console
    @console.get("/console")
    async def console_page(_request):
        return await response.file(CONSOLE / "index.html", headers={"Cache-Control": "no-cache"})

    console.static("/console/static", str(CONSOLE / "static"), name="console_static")
    return [api, console]
