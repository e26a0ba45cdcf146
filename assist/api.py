"""The agents' tools on the web app: ``/api/assist/...`` and the console's assist script.

The web app installs it with its auth and error helpers and the shop adapter (this package
imports only :mod:`kefu` and the domain packages)::

    assist.api.install(app, require_role=web.auth.require_role, shop=app.ctx.shop, faq_source=...,
                       follow_ups=...)

Routes (``agent`` role unless said; ``admin`` passes everywhere; 401 without a valid token, 403
for another role, 422 naming the field for bad input):

==================================================  ==========================================
``GET    /api/assist/canned``                       the team's canned replies
``POST   /api/assist/canned``                       ``{"shortcut", "title", "text_zh", "text_en"}``
                                                    → 201 (409 when the shortcut is taken)
``PUT    /api/assist/canned/{id}``                  the same fields
``DELETE /api/assist/canned/{id}``                  → 204
``GET    /api/assist/me``, ``PUT /api/assist/me``   ``{"language": "zh"|"en"}``: the agent's
                                                    summary language (default zh)
``GET    /api/assist/handoffs/{id}``                what the console shows with a conversation:
                                                    ``{"summary", "suggestions", "canned",
                                                    "shopper_language", "verified"}``
``GET    /api/assist/handoffs/{id}/summary``        ``{"language", "lines": [{"kind", "text"}]}``
``GET    /api/assist/handoffs/{id}/suggestions``    ``[{"source", "ref", "text", "score", "matched"}]``
``POST   /api/assist/handoffs/{id}/suggestions/outcome``  ``{"source", "ref", "outcome":
                                                    "sent"|"edited"|"ignored"}`` → 201
``GET    /api/assist/suggestions/rates?days=N``     (editor) the outcome rates, for the dashboard
``GET    /api/assist/drafts?status=``               (editor) FAQ drafts from agents' answers
``POST   /api/assist/drafts/{id}/use``              (editor) ``{"faq_id"}``: it became that FAQ
                                                    (or a variant of it)
``POST   /api/assist/drafts/{id}/dismiss``          (editor)
``GET    /assist/static/...``                       the console's assist script and styles
==================================================  ==========================================
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sanic import Blueprint, Request, Sanic, response
from sanic.response import HTTPResponse

from assist import canned, drafts, outcomes, preferences
from assist.canned import CannedReplies, CannedReplyNotFound, ShortcutTaken
from assist.conversation import Conversation, VerifiedData, load, verified_data
from assist.drafts import DraftNotFound
from assist.pairs import Pair
from assist.suggestions import FaqIndex, LiveFaqs, ReplyIndex, Suggestion, suggest
from assist.summary import FaqTitles, FollowUpsOf, summarize
from faq.live import live_content
from faq.model import ID_PATTERN
from handoff.models import Handoff
from kefu.db import session_scope
from kefu.inputs import InvalidInput, json_body, number_field
from kefu.routes import RoleGuard
from kefu.text import to_traditional
from shop.adapter import ShopAdapter

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "console"
FaqSource = Callable[[], Sequence[Any]]

#: The package's domain errors → HTTP (the web app registers these as its error handlers).
ERRORS: dict[type[Exception], int] = {CannedReplyNotFound: 404, DraftNotFound: 404, ShortcutTaken: 409}


class AssistApi:
    """State shared by the routes of one web app."""

    def __init__(self, settings: Any, *, shop: ShopAdapter | None, faq_source: FaqSource | None,
                 follow_ups: FollowUpsOf | None = None) -> None:
        self.settings = settings
        self.follow_ups = follow_ups
        self.database_url: str = settings.database_url
        self.shop = shop
        self.faq_source = faq_source or list
        self.canned = CannedReplies(self.database_url)
        self.faq_index = FaqIndex()
        self.replies = ReplyIndex(self.database_url, names_of=self.names_of_pair)

    async def call(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, functools.partial(function, *args, **kwargs))

    # ------------------------------------------------------------------ data the tools read
    def working_faqs(self) -> list[Any]:
        try:
            return list(self.faq_source())
        except Exception:  # a help: the tools work without FAQs
            logger.exception("assist: the FAQ content could not be read")
            return []

    def live_faqs(self) -> tuple[LiveFaqs, object]:
        """The published FAQs by id (and a key that changes with them); the content files when
        nothing was published (what the bot then answers from)."""
        content = live_content(self.database_url)
        if content is not None:
            return content.faqs, ("live", content.seq)
        faqs = self.working_faqs()
        return {faq.id: faq.as_dict() for faq in faqs}, ("files", tuple(faq.id for faq in faqs))

    def names_of_customer(self, customer_id: str | None) -> list[str]:
        if not customer_id or self.shop is None:
            return []
        try:
            customer = self.shop.get_customer(customer_id=customer_id)
        except Exception:
            logger.warning("assist: the shop could not be read for a customer's name", exc_info=True)
            return []
        return [customer.name] if customer is not None and customer.name else []

    def names_of_pair(self, pair: Pair) -> list[str]:
        with session_scope(self.database_url) as db:
            customer_id = db.execute(sa.select(Handoff.customer_id).where(
                Handoff.sender_id == pair.sender_id, Handoff.customer_id.is_not(None))
                .order_by(Handoff.id.desc()).limit(1)).scalar_one_or_none()
        return self.names_of_customer(customer_id)

    def verified(self, found: Conversation) -> VerifiedData:
        try:
            return verified_data(found, self.shop)
        except Exception:  # the shop is unreachable: nothing is verified
            logger.warning("assist: the shop could not be read for a conversation's verified data", exc_info=True)
            return VerifiedData()

    # ------------------------------------------------------------------ what the console shows
    def summary_of(self, found: Conversation, language: str) -> dict[str, Any]:
        faqs, _key = self.live_faqs()
        titles: FaqTitles = {faq_id: (str(faq.get("question_zh", "")), str(faq.get("question_en", "")))
                             for faq_id, faq in faqs.items()}
        lines = summarize(found, language=language, database_url=self.database_url, shop=self.shop, titles=titles,
                          follow_ups=self.follow_ups)
        return {"language": language, "lines": [line.as_json() for line in lines]}

    def suggestions_of(self, found: Conversation, verified: VerifiedData) -> list[Suggestion]:
        text = found.latest_customer_text()
        if not text:
            return []
        faqs, key = self.live_faqs()
        self.replies.refresh()
        return suggest(text, language=found.shopper_language(), faqs=faqs, faq_index=self.faq_index.index(faqs, key),
                       replies=self.replies, verified=verified, exclude_sender=found.handoff.sender_id)

    def canned_for(self, verified: VerifiedData, language: str) -> list[dict[str, Any]]:
        result = []
        for reply in self.canned.list():
            text, missing = canned.fill(canned.text_for(reply, language), verified)
            result.append({"id": reply["id"], "shortcut": reply["shortcut"], "title": reply["title"],
                           "text": to_traditional(text) if language == "zh-Hant" else text, "missing": missing})
        return result

    def view(self, handoff_id: int, username: str) -> dict[str, Any]:
        found = load(self.database_url, handoff_id)
        verified = self.verified(found)
        language = found.shopper_language()
        return {
            "handoff_id": handoff_id,
            "summary": self.summary_of(found, preferences.language_of(self.database_url, username)),
            "suggestions": [s.as_json() for s in self.suggestions_of(found, verified)],
            "canned": self.canned_for(verified, language),
            "shopper_language": language,
            "verified": {"name": verified.name is not None, "order": verified.order_id is not None},
        }

    def drafts(self, status: str) -> list[dict[str, Any]]:
        if status == "open":
            drafts.collect(self.database_url, self.working_faqs(), names_of=self.names_of_customer)
        return drafts.list_drafts(self.database_url, status=status)


def install(app: Sanic, *, require_role: RoleGuard, shop: ShopAdapter | None = None,
            faq_source: FaqSource | None = None, follow_ups: FollowUpsOf | None = None) -> AssistApi:
    """Registers the assist routes and the console script's static files on the web app.
    ``follow_ups`` gives a customer's open follow-ups for the summary (the web app composes it)."""
    state = AssistApi(app.ctx.settings, shop=shop, faq_source=faq_source, follow_ups=follow_ups)
    app.ctx.assist = state
    app.blueprint(blueprint(require_role=require_role))
    return state


def _handoff_id(raw: int) -> int:
    return number_field(raw, "handoff_id", low=1, high=2**31 - 1)


def blueprint(*, require_role: RoleGuard) -> Blueprint:
    bp = Blueprint("assist")
    agent = require_role("agent")
    editor = require_role("editor")

    def state_of(request: Request) -> AssistApi:
        state: AssistApi = request.app.ctx.assist
        return state

    def user(request: Request) -> str:
        return str(request.ctx.principal.username)

    # ------------------------------------------------------------------ canned replies
    @bp.get("/api/assist/canned")
    @agent
    async def list_canned(request: Request) -> HTTPResponse:
        return response.json(await state_of(request).call(state_of(request).canned.list))

    @bp.post("/api/assist/canned")
    @agent
    async def create_canned(request: Request) -> HTTPResponse:
        state = state_of(request)
        data = canned.reply_input(json_body(request))
        return response.json(await state.call(state.canned.create, data, user(request)), status=201)

    @bp.put("/api/assist/canned/<reply_id:int>")
    @agent
    async def update_canned(request: Request, reply_id: int) -> HTTPResponse:
        state = state_of(request)
        data = canned.reply_input(json_body(request))
        return response.json(await state.call(state.canned.update, reply_id, data, user(request)))

    @bp.delete("/api/assist/canned/<reply_id:int>")
    @agent
    async def delete_canned(request: Request, reply_id: int) -> HTTPResponse:
        state = state_of(request)
        await state.call(state.canned.delete, reply_id)
        return response.empty(status=204)

    # ------------------------------------------------------------------ the agent's preferences
    @bp.get("/api/assist/me")
    @agent
    async def get_me(request: Request) -> HTTPResponse:
        state = state_of(request)
        language = await state.call(preferences.language_of, state.database_url, user(request))
        return response.json({"username": user(request), "language": language})

    @bp.put("/api/assist/me")
    @agent
    async def put_me(request: Request) -> HTTPResponse:
        state = state_of(request)
        language = json_body(request).get("language")
        if language not in preferences.LANGUAGES:
            raise InvalidInput("language", "must be zh or en")
        await state.call(preferences.set_language, state.database_url, user(request), language)
        return response.json({"username": user(request), "language": language})

    # ------------------------------------------------------------------ one conversation
    @bp.get("/api/assist/handoffs/<handoff_id:int>")
    @agent
    async def view(request: Request, handoff_id: int) -> HTTPResponse:
        state = state_of(request)
        return response.json(await state.call(state.view, _handoff_id(handoff_id), user(request)))

    @bp.get("/api/assist/handoffs/<handoff_id:int>/summary")
    @agent
    async def summary(request: Request, handoff_id: int) -> HTTPResponse:
        state = state_of(request)
        found = await state.call(load, state.database_url, _handoff_id(handoff_id))
        language = await state.call(preferences.language_of, state.database_url, user(request))
        return response.json(await state.call(state.summary_of, found, language))

    @bp.get("/api/assist/handoffs/<handoff_id:int>/suggestions")
    @agent
    async def suggestions(request: Request, handoff_id: int) -> HTTPResponse:
        state = state_of(request)
        found = await state.call(load, state.database_url, _handoff_id(handoff_id))
        verified = await state.call(state.verified, found)
        found_suggestions = await state.call(state.suggestions_of, found, verified)
        return response.json([s.as_json() for s in found_suggestions])

    @bp.post("/api/assist/handoffs/<handoff_id:int>/suggestions/outcome")
    @agent
    async def outcome(request: Request, handoff_id: int) -> HTTPResponse:
        state = state_of(request)
        source, ref, what = outcomes.outcome_input(json_body(request))
        await state.call(load, state.database_url, _handoff_id(handoff_id))  # 404 for an unknown handoff
        await state.call(outcomes.record, state.database_url, handoff_id=handoff_id, username=user(request),
                         source=source, ref=ref, outcome=what)
        return response.json({"source": source, "ref": ref, "outcome": what}, status=201)

    @bp.get("/api/assist/suggestions/rates")
    @editor
    async def rates(request: Request) -> HTTPResponse:
        state = state_of(request)
        raw = request.args.get("days")
        days = number_field(raw.strip(), "days", low=1, high=366) if raw else 7
        return response.json(await state.call(outcomes.rates, state.database_url, days=days))

    # ------------------------------------------------------------------ FAQ drafts
    @bp.get("/api/assist/drafts")
    @editor
    async def list_drafts(request: Request) -> HTTPResponse:
        state = state_of(request)
        status = request.args.get("status") or "open"
        if status not in drafts.STATUSES:
            raise InvalidInput("status", f"must be one of {', '.join(drafts.STATUSES)}")
        return response.json(await state.call(state.drafts, status))

    @bp.post("/api/assist/drafts/<draft_id:int>/use")
    @editor
    async def use_draft(request: Request, draft_id: int) -> HTTPResponse:
        state = state_of(request)
        faq_id = json_body(request).get("faq_id")
        if not isinstance(faq_id, str) or not ID_PATTERN.match(faq_id):
            raise InvalidInput("faq_id", "is required: the id of the FAQ the draft became or joined")
        return response.json(await state.call(drafts.close_draft, state.database_url, draft_id, status="used",
                                              by=user(request), faq_id=faq_id))

    @bp.post("/api/assist/drafts/<draft_id:int>/dismiss")
    @editor
    async def dismiss_draft(request: Request, draft_id: int) -> HTTPResponse:
        state = state_of(request)
        return response.json(await state.call(drafts.close_draft, state.database_url, draft_id, status="dismissed",
                                              by=user(request)))

    bp.static("/assist/static", str(STATIC), name="assist_static")
    return bp
