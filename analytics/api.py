"""Analytics and the inbox on the web app, and the operator dashboard page.

The web app installs it with its role check (this package imports only :mod:`kefu`,
:mod:`handoff.models` and the FAQ content model)::

    analytics.api.install(app, require_role=web.auth.require_role)

Routes (roles ``editor`` and ``admin``; an ``agent`` token gets 403; malformed input raises
:class:`kefu.inputs.InvalidInput`, which the web app answers 422 naming the field):

=========================================  ===============================================
``GET  /api/analytics?days=N``             the dashboard's figures for the last N local days
                                           (1-366, default 7; :mod:`analytics.report`)
``GET  /api/inbox?status=&days=&limit=``   groups of similar unanswered questions (status
                                           open (default), resolved or dismissed)
``POST /api/inbox/resolve``                ``{"ids": [...]} or {"texts": [...]}, "faq_id"``:
                                           those items are now answered by that FAQ
``POST /api/inbox/dismiss``                ``{"ids": [...]} or {"texts": [...]}``: noise
``GET  /dashboard``                        the operator dashboard (static page + Chart.js)
=========================================  ===============================================

A background task ingests new conversation events every ``ANALYTICS_INTERVAL`` seconds
(default 5; 0 turns it off, e.g. when a separate worker runs :func:`analytics.ingest.ingest`).
FAQs for suggestions and names come from ``app.ctx.analytics.faq_source`` (a callable returning
entries with the catalogue's fields); by default the YAML files of ``faq/content``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar, overload

from sanic import Blueprint, Request, Sanic, response
from sanic.response import HTTPResponse

from analytics import inbox, report
from analytics.ingest import ingest
from faq.model import ID_PATTERN
from kefu.clock import utcnow
from kefu.inputs import InvalidInput, json_body, number_field
from kefu.routes import RoleGuard
from kefu.settings import Settings

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

DASHBOARD = Path(__file__).resolve().parent / "dashboard"
MAX_SELECTED = 5000
MAX_GROUPS = 200


class AnalyticsApi:
    """State shared by the routes of one web app: settings, FAQ source, the ingest task."""

    def __init__(self, settings: Settings, *, faq_source: inbox.FaqSource | None = None) -> None:
        self.settings = settings
        self.faq_source = faq_source or inbox.file_faqs(Path(settings.root) / "faq" / "content")
        self._task: asyncio.Task[None] | None = None

    async def call(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Runs blocking database work off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(None, functools.partial(function, *args, **kwargs))

    async def faqs(self) -> list[Any]:
        try:
            return list(await self.call(self.faq_source))
        except Exception:  # suggestions are a help; the inbox works without them
            logger.exception("analytics: the FAQ content could not be read")
            return []

    # ------------------------------------------------------------------ background ingest
    def start(self, app: Sanic) -> None:
        interval = self.settings.analytics_interval  # ANALYTICS_INTERVAL; 0: ingesting off
        if interval > 0 and self._task is None:
            self._task = app.loop.create_task(self._run(interval))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _run(self, interval: float) -> None:
        while True:
            try:
                result = await self.call(ingest, self.settings.database_url)
                if result.events or result.skipped:
                    logger.debug("analytics: %d events ingested, %d skipped", result.events, result.skipped)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("analytics: ingesting conversation events failed; retrying")
            await asyncio.sleep(interval)


def install(app: Sanic, *, require_role: RoleGuard, faq_source: inbox.FaqSource | None = None) -> AnalyticsApi:
    """Registers the analytics and inbox APIs, the dashboard page and the ingest task on the web app."""
    state = AnalyticsApi(app.ctx.settings, faq_source=faq_source)
    app.ctx.analytics = state
    for blueprint in blueprints(require_role=require_role):
        app.blueprint(blueprint)

    async def _start(app_: Sanic, _loop: asyncio.AbstractEventLoop) -> None:
        state.start(app_)

    app.listener(_start, "after_server_start")

    async def _stop(_app: Sanic, _loop: asyncio.AbstractEventLoop) -> None:
        await state.stop()

    app.listener(_stop, "before_server_stop")

    return state


@overload
def _int_arg(request: Request, name: str, *, default: int, low: int, high: int) -> int: ...
@overload
def _int_arg(request: Request, name: str, *, default: None, low: int, high: int) -> int | None: ...
def _int_arg(request: Request, name: str, *, default: int | None, low: int, high: int) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    return number_field(raw.strip(), name, low=low, high=high)


def _selection(body: dict[str, Any]) -> tuple[list[int], list[str]]:
    """``ids`` and/or ``texts`` of a resolve/dismiss body; 422 naming the field when malformed."""
    ids, texts = body.get("ids"), body.get("texts")
    if ids is not None and (
        not isinstance(ids, list) or len(ids) > MAX_SELECTED
        or not all(isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in ids)
    ):
        raise InvalidInput("ids", f"must be a list of at most {MAX_SELECTED} inbox item ids (positive integers)")
    if texts is not None and (
        not isinstance(texts, list) or len(texts) > MAX_SELECTED
        or not all(isinstance(t, str) and t.strip() and len(t) <= 2000 for t in texts)
    ):
        raise InvalidInput("texts", f"must be a list of at most {MAX_SELECTED} non-empty texts")
    if not ids and not texts:
        raise InvalidInput("ids", "give the items as 'ids' (inbox item ids) or 'texts' (their wording)")
    return list(ids or []), [t.strip() for t in texts or []]


def blueprints(*, require_role: RoleGuard) -> list[Blueprint]:
    api = Blueprint("analytics", url_prefix="/api")
    page = Blueprint("dashboard")
    editor = require_role("editor")

    def state_of(request: Request) -> AnalyticsApi:
        state: AnalyticsApi = request.app.ctx.analytics
        return state

    @api.get("/analytics")
    @editor
    async def analytics(request: Request) -> HTTPResponse:
        state = state_of(request)
        days = _int_arg(request, "days", default=7, low=1, high=report.MAX_DAYS)
        faqs = await state.faqs()
        figures = await state.call(report.dashboard, state.settings.database_url, days=days, faqs=faqs)
        return response.json(figures)

    @api.get("/inbox")
    @editor
    async def list_inbox(request: Request) -> HTTPResponse:
        state = state_of(request)
        status = request.args.get("status") or "open"
        if status not in ("open", "resolved", "dismissed"):
            raise InvalidInput("status", "must be open, resolved or dismissed")
        days = _int_arg(request, "days", default=None, low=1, high=report.MAX_DAYS)
        limit = _int_arg(request, "limit", default=50, low=1, high=MAX_GROUPS)
        since = utcnow() - dt.timedelta(days=days) if days else None
        faqs = await state.faqs()
        groups = await state.call(inbox.inbox_groups, state.settings.database_url, faqs, status=status,
                                  since=since, limit=limit)
        return response.json({"status": status, "groups": [group.as_json() for group in groups]})

    @api.post("/inbox/resolve")
    @editor
    async def resolve(request: Request) -> HTTPResponse:
        state = state_of(request)
        body = json_body(request)
        faq_id = body.get("faq_id")
        if not isinstance(faq_id, str) or not ID_PATTERN.match(faq_id):
            raise InvalidInput("faq_id", "is required: the id of the FAQ that now answers these questions "
                                         "(lower-case letters, digits and _, e.g. installment_payment)")
        ids, texts = _selection(body)
        changed = await state.call(inbox.resolve, state.settings.database_url, faq_id=faq_id, ids=ids, texts=texts,
                                   by=request.ctx.principal.username)
        return response.json({"resolved": changed, "faq_id": faq_id})

    @api.post("/inbox/dismiss")
    @editor
    async def dismiss(request: Request) -> HTTPResponse:
        state = state_of(request)
        ids, texts = _selection(json_body(request))
        changed = await state.call(inbox.dismiss, state.settings.database_url, ids=ids, texts=texts,
                                   by=request.ctx.principal.username)
        return response.json({"dismissed": changed})

    @page.get("/dashboard")
    async def dashboard_page(_request: Request) -> HTTPResponse:
        return await response.file(DASHBOARD / "index.html")

    page.static("/dashboard/static", str(DASHBOARD / "static"), name="dashboard_static")
    return [api, page]
