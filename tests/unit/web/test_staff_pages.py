"""The three staff pages (agent console, FAQ editor, dashboard) share one session script.

What a developer adding a staff page relies on: the page's head loads ``/static/staff/session.js``
(served by the web app from web/static/staff/) before its own script, no page carries an inline
script (the staff CSP allows same-origin scripts only), and login, logout, the token's storage and
the DOM helpers are written once, in the session script, not again in a page's script. How the
pages behave is tested in a browser (tests/browser/, tests/security/test_csp_browser.py).
"""

from __future__ import annotations

import re

import pytest

from kefu.settings import ROOT

SESSION = "/static/staff/session.js"
#: page → its own scripts, in the order its head loads them after the session script
PAGES = {
    "handoff/console/index.html": ["/console/static/console.js", "/assist/static/assist.js",
                                   "/console/static/care.js"],
    "faq/editor/index.html": ["/faq/static/editor.js"],
    "analytics/dashboard/index.html": ["/static/vendor/chart.js/chart.umd.min.js", "/dashboard/static/dashboard.js"],
}
PAGE_SCRIPTS = {
    "handoff/console/index.html": "handoff/console/static/console.js",
    "faq/editor/index.html": "faq/editor/static/editor.js",
    "analytics/dashboard/index.html": "analytics/dashboard/static/dashboard.js",
}


def test_the_session_script_is_where_the_web_app_serves_its_static_files():
    assert (ROOT / "web" / "static" / "staff" / "session.js").is_file()


@pytest.mark.parametrize("page", sorted(PAGES))
def test_each_page_head_loads_the_session_script_first_and_no_inline_script(page):
    html = (ROOT / page).read_text(encoding="utf-8")
    head = html.split("</head>", 1)[0]
    scripts = re.findall(r'<script src="([^"]+)" defer></script>', head)
    assert scripts == [SESSION, *PAGES[page]], scripts
    assert len(re.findall(r"<script", html)) == len(scripts)  # every script is in the head, none inline


@pytest.mark.parametrize("page", sorted(PAGE_SCRIPTS))
def test_no_page_script_repeats_the_session(page):
    script = (ROOT / PAGE_SCRIPTS[page]).read_text(encoding="utf-8")
    for repeated in ("sessionStorage", "/api/auth/login", "function el(", "const $ =", "Authorization"):
        assert repeated not in script, f"{PAGE_SCRIPTS[page]} repeats the staff session: {repeated}"
    assert "staffSession({" in script and "session.begin()" in script
