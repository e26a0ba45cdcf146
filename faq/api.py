"""The FAQ content API and the editor page on the web app (contract section 5).

Installed by the web app with its role check, its client of the Rasa servers and the retrainer
the publisher is handed (none when ``KEFU_FAQ_RETRAIN`` is off)::

    faq.api.install(app, require_role=web.auth.require_role,
                    bots=BotServers.from_settings(settings), retrainer=RasaRetrainer(settings))

Editors (role ``editor``; ``admin`` passes everywhere) write; agents may read. The routes let the
store's errors through; the web app answers them from :data:`faq.errors.ERRORS` (404 not found,
409 with ``current``, 422 with ``field`` and ``problems``) and bad input
(:class:`kefu.inputs.InvalidInput`) with 422 naming the field.

==========================================  ==================================================
``GET    /api/faqs[?category=]``             the entries (fields of the catalogue, plus
                                             ``version``, ``updated_by``, ``updated_at``)
``POST   /api/faqs``                         a new entry → 201 (422 names field and fix)
``GET    /api/faqs/{id}``                    one entry
``PUT    /api/faqs/{id}``                    change fields; with ``"version"`` (or ``If-Match``)
                                             a save based on an older version is refused:
                                             409 "changed by X at T"
``DELETE /api/faqs/{id}[?version=]``         remove (kept in the history)
``GET    /api/faqs/{id}/history``            every version, newest first
``POST   /api/faqs/{id}/restore``            ``{"version"}`` becomes current again
``GET    /api/faqs/categories``              categories with titles and entry counts
``POST   /api/faqs/check``                   validation while typing: ``{"problems": [...]}``
``POST   /api/faqs/preview``                 ``{"text"}``: which FAQ the live bot picks, how sure
``POST   /api/faqs/publish``                 → 202 ``{"job", "status"}`` (a queued publish is
                                             reused, never doubled)
``GET    /api/faqs/publish/{job}``           ``{"status": running|live|failed, "detail", ...}``
``GET    /api/faqs/publications``            the latest publications
``GET    /faq``                              the editor page
==========================================  ==================================================
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from sanic import Blueprint, Request, Sanic, response
from sanic.response import HTTPResponse

from faq.problems import Problem
from faq.publishing import Publisher, Retrainer
from faq.store import FaqStore
from kefu.botapi import BotApiError, BotServers, BotUnreachable
from kefu.inputs import InvalidInput, json_body, number_field, require_text
from kefu.routes import RoleGuard

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

EDITOR_PAGE = Path(__file__).resolve().parent / "editor"
#: Path segments under /api/faqs that are routes, so no FAQ may be called that.
RESERVED_IDS = {"categories", "check", "preview", "publish", "publications"}
PREVIEW_TIMEOUT = 10.0


def install(app: Sanic, *, require_role: RoleGuard, bots: BotServers | None = None,
            retrainer: Retrainer | None = None) -> Publisher:
    """Registers the FAQ API, the publisher task and the editor page.

    Args:
        bots: the Rasa servers (the preview asks one, publications are confirmed by each); default
            the settings' servers.
        retrainer: what the publisher retrains the model with after a publication (none: no retrain).
    """
    settings = app.ctx.settings
    bots = bots or BotServers.from_settings(settings)
    store = FaqStore(settings.database_url)
    publisher = Publisher(settings, bots=bots, retrainer=retrainer)
    app.ctx.faq_store, app.ctx.faq_publisher = store, publisher

    async def _start(app_: Sanic, _loop: asyncio.AbstractEventLoop) -> None:
        app_.ctx.faq_publisher_task = app_.add_task(publisher.run_forever(), name="faq_publisher")

    app.listener(_start, "after_server_start")

    api = Blueprint("faq_api", url_prefix="/api/faqs")
    readers = require_role("editor", "agent")
    writers = require_role("editor")

    async def call(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await asyncio.get_running_loop().run_in_executor(None, functools.partial(function, *args, **kwargs))

    def expected_version(request: Request, body: dict[str, Any] | None = None) -> int | None:
        raw = (body or {}).get("version")
        if raw is None:
            raw = request.headers.get("if-match", "").strip('"') or request.args.get("version")
        if raw in (None, ""):
            return None
        # the whole number the entry had when the editor loaded it (ASCII digits: int() would
        # read "１５" as 15 and fail on "²")
        return number_field(raw, "version", low=1, high=2**62)

    def checked_id(faq_id: str) -> str:
        if faq_id in RESERVED_IDS:
            raise InvalidInput("id", f"'{faq_id}' is reserved; choose another id")
        return faq_id

    def author(request: Request) -> str:
        username: str = request.ctx.principal.username
        return username

    def with_warnings(entry: dict[str, Any], problems: Iterable[Problem]) -> dict[str, Any]:
        return {**entry, "warnings": [p.as_dict() for p in problems if p.level == "warning"]}

    @api.get("", strict_slashes=False)
    @readers
    async def list_faqs(request: Request) -> HTTPResponse:
        return response.json(await call(store.entries, category=request.args.get("category") or None))

    @api.get("/categories")
    @readers
    async def categories(_request: Request) -> HTTPResponse:
        return response.json(await call(store.categories))

    @api.post("", strict_slashes=False)
    @writers
    async def create(request: Request) -> HTTPResponse:
        body = json_body(request)
        if isinstance(body.get("id"), str):
            checked_id(body["id"])
        entry, problems = await call(store.create, body, author(request))
        return response.json(with_warnings(entry, problems), status=201)

    @api.get("/<faq_id:str>")
    @readers
    async def get(_request: Request, faq_id: str) -> HTTPResponse:
        return response.json(await call(store.get, faq_id))

    @api.put("/<faq_id:str>")
    @writers
    async def put(request: Request, faq_id: str) -> HTTPResponse:
        body = json_body(request)
        version = expected_version(request, body)
        entry, problems = await call(store.update, faq_id, body, author(request), expected_version=version)
        return response.json(with_warnings(entry, problems))

    @api.delete("/<faq_id:str>")
    @writers
    async def delete(request: Request, faq_id: str) -> HTTPResponse:
        version = expected_version(request)
        await call(store.delete, faq_id, author(request), expected_version=version)
        return response.json({"deleted": faq_id})

    @api.get("/<faq_id:str>/history")
    @writers
    async def history(_request: Request, faq_id: str) -> HTTPResponse:
        return response.json(await call(store.history, faq_id))

    @api.post("/<faq_id:str>/restore")
    @writers
    async def restore(request: Request, faq_id: str) -> HTTPResponse:
        body = json_body(request)
        version = body.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise InvalidInput("version", "is required: the number of the version to restore")
        entry, problems = await call(store.restore, faq_id, version, author(request))
        return response.json(with_warnings(entry, problems))

    @api.post("/check")
    @writers
    async def check(request: Request) -> HTTPResponse:
        body = json_body(request)
        existing = body.pop("existing", None)  # the id of the entry being edited, if any
        if existing is not None and not isinstance(existing, str):
            raise InvalidInput("existing", "must be the id of the entry being edited")
        _faq, problems = await call(store.check, body, faq_id=existing)
        if isinstance(body.get("id"), str) and body["id"] in RESERVED_IDS:
            return response.json({"problems": [{"file": "api", "line": 0, "entry": body["id"], "field": "id",
                                                "message": f"'{body['id']}' is reserved.",
                                                "fix": "choose another id.", "level": "error"}]})
        return response.json({"problems": [p.as_dict() for p in problems]})

    @api.post("/preview")
    @writers
    async def preview(request: Request) -> HTTPResponse:
        body = json_body(request)
        text = require_text(body, "text", max_length=500)
        return response.json(await _preview(bots, settings.database_url, text))

    @api.post("/publish")
    @writers
    async def publish(request: Request) -> HTTPResponse:
        publication = await call(store.request_publish, author(request))
        publisher.wake()
        return response.json(publication.as_json(), status=202)

    @api.get("/publish/<job:str>")
    @writers
    async def publish_status(_request: Request, job: str) -> HTTPResponse:
        return response.json((await call(store.publication, job)).as_json())

    @api.get("/publications")
    @writers
    async def publications(_request: Request) -> HTTPResponse:
        return response.json([p.as_json() for p in await call(store.publications)])

    page = Blueprint("faq_editor")

    @page.get("/faq")
    async def editor(_request: Request) -> HTTPResponse:
        return await response.file(EDITOR_PAGE / "index.html")

    page.static("/faq/static", str(EDITOR_PAGE / "static"), name="faq_static")
    app.blueprint(api)
    app.blueprint(page)
    return publisher


async def _preview(bots: BotServers, database_url: str, text: str) -> dict[str, Any]:
    """What the running bot makes of ``text`` (Rasa's ``/model/parse`` on one server), for the editor."""
    from faq.live import live_content

    try:
        parsed = await bots.parse(text, timeout=PREVIEW_TIMEOUT)
    except BotUnreachable:
        return {"available": False, "error": "the bot is not reachable; is it running?"}
    except BotApiError as error:
        return {"available": False, "error": f"the bot answered HTTP {error.status}"}
    intent = parsed.get("intent") or {}
    selected = ((parsed.get("response_selector") or {}).get("faq") or {}).get("response") or {}
    key = selected.get("intent_response_key") or ""
    faq_id = key.split("/", 1)[1] if intent.get("name") == "faq" and "/" in key else None
    content = live_content(database_url)
    faq = content.faqs.get(faq_id) if content and faq_id else None
    ranking = ((parsed.get("response_selector") or {}).get("faq") or {}).get("ranking") or []
    return {
        "available": True,
        "intent": intent.get("name"),
        "confidence": intent.get("confidence"),
        "faq": {"id": faq_id, "confidence": selected.get("confidence"),
                "question_zh": faq["question_zh"] if faq else None,
                "answer_zh": faq["answer_zh"] if faq else None,
                "answer_en": faq["answer_en"] if faq else None} if faq_id else None,
        "alternatives": [{"id": r.get("intent_response_key", "").split("/", 1)[-1], "confidence": r.get("confidence")}
                         for r in ranking[1:4]],
    }
