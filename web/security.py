"""Security headers of every web-app response.

* ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin`` everywhere.
* The agent console, the FAQ editor and the dashboard (staff pages): a strict Content-Security-Policy (scripts
  and connections to this origin only) and ``frame-ancestors 'none'`` (no clickjacking by
  framing them), plus ``X-Frame-Options: DENY`` for old browsers.
* The storefront (``/``, the only path that serves its page: the page lives outside the static
  folder): its one inline script allowed by hash; the widget may connect to the Rasa server on
  another port or host (``connect-src`` http/https/ws/wss); framing by this origin only. The
  storefront's product pages (``/product/<sku>``, ``web.product_page``) get the same policy with no
  inline script allowed.
* JSON APIs and every other response, static files and ``/widget.js`` included:
  ``default-src 'none'; frame-ancestors 'none'``. A script or stylesheet a page loads is not
  governed by its own response's policy, so this costs the pages nothing, and an HTML file that
  ever lands in a static folder is inert (no script runs in it, nothing may frame it).
"""

from __future__ import annotations

import base64
import hashlib
import re

STAFF_PREFIXES = ("/console", "/faq", "/dashboard")

STAFF_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
             "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
OTHER_CSP = "default-src 'none'; frame-ancestors 'none'"


def inline_script_hashes(html: str) -> list[str]:
    """CSP ``'sha256-...'`` sources of the page's inline ``<script>`` elements."""
    hashes = []
    for body in re.findall(r"<script>(.*?)</script>", html, flags=re.DOTALL):
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        hashes.append(f"'sha256-{digest}'")
    return hashes


def storefront_csp(page: str) -> str:
    """The storefront's policy for its rendered HTML ``page`` (its inline script allowed by hash)."""
    scripts = " ".join(["'self'", *inline_script_hashes(page)])
    return (f"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self' http: https: ws: wss:; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'self'")


def install(app, *, storefront: str) -> None:
    """Adds the headers to every response of ``app`` (``storefront``: the page served at ``/``)."""
    store_policy = storefront_csp(storefront)
    product_policy = storefront_csp("")

    @app.middleware("response")
    async def security_headers(request, response) -> None:
        if response is None:
            return
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        path = request.path
        if path == "/":
            headers.setdefault("Content-Security-Policy", store_policy)
        elif path.startswith("/product/"):
            headers.setdefault("Content-Security-Policy", product_policy)
        elif path.startswith(STAFF_PREFIXES):
            headers.setdefault("Content-Security-Policy", STAFF_CSP)
            headers.setdefault("X-Frame-Options", "DENY")
        else:
            headers.setdefault("Content-Security-Policy", OTHER_CSP)
