"""``POST /api/shop/stock`` (contract section 7): sets a variant's stock in the demo shop.

``{"variant_sku": "LM-AP-001-BK-M", "stock": 5}`` → ``{"variant_sku", "stock"}``; roles ``editor`` or
``admin``; 404 for an unknown variant (or a shop adapter that takes no stock updates: only the demo
shop does, a real shop keeps its stock in its own system), 422 for a stock that is not a whole
number ≥ 0. The bot reads stock through the adapter on every question, so the next answer states it.

Stock above 0 tells the conversations waiting for the variant ("到货通知我", :mod:`products.restock`)
that it is back, once each, before the answer returns.
"""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, response

from products.restock import RestockRequests, notify_restocked
from web.auth import require_role
from web.errors import invalid, json_body, not_found, require_text

bp = Blueprint("shop_stock", url_prefix="/api/shop")

#: the largest stock the demo takes (a sanity cap, far above any demo number)
MAX_STOCK = 1_000_000


def _stock(body: dict[str, Any]) -> int:
    value = body.get("stock")
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid("stock", "must be a whole number")
    if value < 0 or value > MAX_STOCK:
        raise invalid("stock", f"must be between 0 and {MAX_STOCK}")
    return value


@bp.post("/stock")
@require_role("editor")
async def set_stock(request):
    body = json_body(request)
    variant_sku = require_text(body, "variant_sku", max_length=40)
    stock = _stock(body)
    setter = getattr(request.app.ctx.shop, "set_stock", None)
    if setter is None:
        raise not_found("stock updates (the configured shop adapter keeps its stock itself)")
    variant = await request.app.loop.run_in_executor(None, lambda: setter(variant_sku=variant_sku, stock=stock))
    if variant is None:
        raise not_found(f"variant {variant_sku}")
    if variant.stock > 0:
        await notify_restocked(RestockRequests(request.app.ctx.settings.database_url), request.app.ctx.bots,
                               product_sku=variant.sku, variant_sku=variant.variant_sku)
    return response.json({"variant_sku": variant.variant_sku, "stock": variant.stock})
