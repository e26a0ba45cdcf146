"""The demo storefront's stand-in for a shop login (demo only).

A real shop issues the customer token from its own login, server side, signed with its own
private key or its HS256 key (docs/security/tokens.md), and hands it to the widget
(``data-customer-token`` or ``KefuWidget.setCustomerToken``). The demo storefront has no login,
so it asks this endpoint for a token of one of the demo shop's customers, signed with the HS256
key customer tokens are checked with (409 when that is the shop's public key: Kefu cannot sign):

* ``GET /demo/customers`` → ``[{"customer_id", "name"}]``
* ``POST /demo/customer-token`` ``{"customer_id"}`` → ``{"customer_id", "name", "token", "expires_in"}``
  (422 for an id outside the demo shop).

These routes sit outside ``/api`` on purpose: shoppers are not staff, and every ``/api`` route
requires a staff token (contract section 5).
"""

from __future__ import annotations

from sanic import Blueprint, response

from kefu.tokens import CUSTOMER_TOKEN_LIFETIME, customer_tokens
from web.errors import conflict, invalid, json_body, require_text

bp = Blueprint("demo", url_prefix="/demo")


def _customers(request) -> dict[str, str]:
    return {c.customer_id: c.name for c in request.app.ctx.shop.list_customers()}


@bp.get("/customers")
async def customers(request):
    demo = await request.app.loop.run_in_executor(None, _customers, request)
    return response.json([{"customer_id": cid, "name": name} for cid, name in demo.items()])


@bp.post("/customer-token")
async def customer_token(request):
    body = json_body(request)
    customer_id = require_text(body, "customer_id", max_length=32)
    demo = await request.app.loop.run_in_executor(None, _customers, request)
    if customer_id not in demo:
        raise invalid("customer_id", f"'{customer_id}' is not a customer of the demo shop")
    tokens = customer_tokens(request.app.ctx.settings)
    if not tokens.can_sign:
        raise conflict("the demo login cannot sign customer tokens: they are checked with the shop's public key "
                       "(KEFU_CUSTOMER_TOKEN_PUBLIC_KEY)")
    token = tokens.issue(customer_id)
    return response.json({"customer_id": customer_id, "name": demo[customer_id], "token": token,
                          "expires_in": CUSTOMER_TOKEN_LIFETIME})
