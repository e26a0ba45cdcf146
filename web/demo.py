"""The demo storefront's stand-in for a shop login (demo only).

A real shop issues the customer token from its own login, server side, with
:func:`kefu.auth.issue_customer_token` and the shared ``KEFU_SECRET_KEY``, and hands it to the
widget (``data-customer-token`` or ``KefuWidget.setCustomerToken``). The demo storefront has
no login, so it asks this endpoint for a token of one of the demo shop's customers:

* ``GET /demo/customers`` → ``[{"customer_id", "name"}]``
* ``POST /demo/customer-token`` ``{"customer_id"}`` → ``{"customer_id", "name", "token", "expires_in"}``
  (422 for an id outside the demo shop).

These routes sit outside ``/api`` on purpose: shoppers are not staff, and every ``/api`` route
requires a staff token (contract section 5).
"""

from __future__ import annotations

from sanic import Blueprint, response

from kefu.auth import CUSTOMER_TOKEN_LIFETIME, issue_customer_token
from shop.repository import ShopRepository
from web.errors import invalid, json_body, require_text

bp = Blueprint("demo", url_prefix="/demo")


def _customers(request) -> dict[str, str]:
    repository = ShopRepository(request.app.ctx.settings.database_url)
    return {c.customer_id: c.name for c in repository.list_customers()}


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
    token = issue_customer_token(customer_id, request.app.ctx.settings.secret_key)
    return response.json({"customer_id": customer_id, "name": demo[customer_id], "token": token,
                          "expires_in": CUSTOMER_TOKEN_LIFETIME})
