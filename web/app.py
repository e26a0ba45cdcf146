"""The web app factory: one Sanic app, one blueprint per resource."""

from __future__ import annotations

from pathlib import Path

from sanic import Sanic, response

from analytics import api as analytics_api
from analytics import inbox
from faq import api as faq_api
from faq import errors as faq_errors
from handoff import api as handoff_api
from kefu.settings import Settings
from shop.adapter import load_adapter
from web import auth, customers, demo, errors, limits, security, widget

STATIC = Path(__file__).resolve().parent / "static"
#: the storefront's page, outside the static folder: it is served at ``/`` only, with its policy
STOREFRONT = Path(__file__).resolve().parent / "pages" / "storefront.html"


def create_app(settings: Settings, *, name: str = "kefu_web") -> Sanic:
    """Builds the web app for the given settings (nothing connects until it serves)."""
    app = Sanic(name)
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.ctx.settings = settings
    errors.install(app, faq_errors.ERRORS)  # domain errors → HTTP, once for every route
    limits.install(app, settings)
    security.install(app, storefront=STOREFRONT)
    app.blueprint(auth.bp)
    app.ctx.shop = load_adapter(settings)  # the shop adapter (SHOP_ADAPTER), as the actions use it
    handoff_api.install(app, require_role=auth.require_role, errors=errors,
                        customer_panel=customers.panel_of(app.ctx.shop))
    faq_api.install(app, require_role=auth.require_role)
    app.blueprint(widget.bp)
    # analytics: /api/analytics, /api/inbox, /dashboard and the event ingest task
    # inbox suggestions: the editors' working copy of the FAQ content (database), else the files
    files = inbox.file_faqs(settings.faq_dir or settings.root / "faq" / "content")
    analytics_api.install(app, require_role=auth.require_role,
                          faq_source=lambda: app.ctx.faq_store.draft_catalogue().faqs or files())
    if settings.demo_shop:  # mints customer tokens for any shop customer: demo only
        app.blueprint(demo.bp)

    @app.get("/healthz")
    async def healthz(_request):
        return response.json({"status": "ok"})

    @app.get("/")
    async def storefront(_request):
        return await response.file(STOREFRONT)

    app.static("/static", str(STATIC))
    return app
