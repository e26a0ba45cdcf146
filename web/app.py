"""The web app factory: one Sanic app, one blueprint per resource.

It is the web process's composition: it builds what the packages' blueprints are handed (the
settings, the one client of the Rasa servers, the FAQ publisher's retrainer) from the settings.
"""

from __future__ import annotations

from pathlib import Path

from sanic import Sanic, response

from analytics import api as analytics_api
from analytics import inbox
from assist import api as assist_api
from bot.stack.training import RasaRetrainer
from customers import api as customers_api
from faq import api as faq_api
from faq import errors as faq_errors
from handoff import api as handoff_api
from kefu.botapi import BotServers
from kefu.settings import Settings
from shop.adapter import load_adapter
from web import auth, customers, demo, errors, limits, product_page, security, shop_stock, storefront, widget

STATIC = Path(__file__).resolve().parent / "static"


def create_app(settings: Settings, *, name: str = "kefu_web") -> Sanic:
    """Builds the web app for the given settings (nothing connects until it serves)."""
    app = Sanic(name)
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.ctx.settings = settings
    # domain errors → HTTP, once for every route
    errors.install(app, faq_errors.ERRORS, handoff_api.ERRORS, assist_api.ERRORS, customers_api.ERRORS)
    limits.install(app, settings)
    # the storefront's page, outside the static folder: served at ``/`` only, with its policy figures
    # from faq/shop.yml and the agents' hours (web.storefront), rendered once
    page = storefront.storefront_page(settings)
    security.install(app, storefront=page)
    app.blueprint(auth.bp)
    app.ctx.shop = load_adapter(settings)  # the shop adapter (SHOP_ADAPTER), as the actions use it
    handoff_api.install(app, require_role=auth.require_role, errors=errors,
                        customer_panel=customers.panel_of(app.ctx.shop))
    faq_api.install(app, require_role=auth.require_role, bots=_bot_servers(app, settings),
                    retrainer=RasaRetrainer(settings) if settings.faq_retrain else None)
    # customers and care: the customer record, at-risk list, follow-ups, privacy export/erase
    customers_api.install(app, require_role=auth.require_role, settings=settings, shop=app.ctx.shop,
                          bots=app.ctx.bots)
    app.blueprint(widget.bp)
    app.blueprint(shop_stock.bp)  # POST /api/shop/stock: the demo shop's stock (contract section 7)
    app.blueprint(product_page.bp)  # /product/<sku>: the storefront's product pages (contract section 7)
    # analytics: /api/analytics, /api/inbox, /dashboard and the event ingest task
    # inbox suggestions: the editors' working copy of the FAQ content (database), else the files
    files = inbox.file_faqs(settings.faq_dir or settings.root / "faq" / "content")
    analytics_api.install(app, require_role=auth.require_role,
                          faq_source=lambda: app.ctx.faq_store.draft_catalogue().faqs or files())
    # the agents' tools: canned replies, summaries, suggestions (/api/assist), FAQ drafts for the editors
    assist_api.install(app, require_role=auth.require_role, shop=app.ctx.shop,
                       faq_source=lambda: app.ctx.faq_store.draft_catalogue().faqs or files(),
                       follow_ups=customers.open_follow_ups(settings.database_url))
    if settings.demo_shop:  # mints customer tokens for any shop customer: demo only
        app.blueprint(demo.bp)

    @app.get("/healthz")
    async def healthz(_request):
        return response.json({"status": "ok"})

    @app.get("/")
    async def storefront_route(_request):
        return response.html(page)

    app.static("/static", str(STATIC))
    return app


def _bot_servers(app: Sanic, settings: Settings) -> BotServers:
    """The web app's one client of the Rasa servers (``KEFU_BOT_URLS``), closed when it stops."""
    bots = app.ctx.bots = BotServers.from_settings(settings)

    @app.listener("after_server_stop")
    async def _close(_app, _loop):
        await bots.close()

    return bots
