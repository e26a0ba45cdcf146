"""Pages of the staff and shop web pages in headless Chromium, for the browser tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: The two screens staff and shoppers use: a laptop and a phone.
VIEWPORTS = {"laptop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


@contextmanager
def watched_page(browser, *, console_errors: bool = False, csp_reports: bool = False,
                 phone: bool = False, **options: Any) -> Iterator[Any]:
    """A page in a new browser context (``options``: viewport, timezone_id, bypass_csp ...). A
    JavaScript error on it fails the test at teardown; so does an error logged to the console
    (``console_errors``) or a Content-Security-Policy report (``csp_reports``). ``phone`` makes it
    a touch screen."""
    context = browser.new_context(**{"locale": "zh-CN", "is_mobile": phone, "has_touch": phone, **options})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    if console_errors or csp_reports:
        def on_console(message) -> None:
            if (console_errors and message.type == "error") or (
                    csp_reports and "Content Security Policy" in message.text):
                errors.append(message.text)

        page.on("console", on_console)
    try:
        yield page
    finally:
        context.close()
    assert not errors, errors


def sign_in(page, server, path: str, username: str, password: str | None = None) -> None:
    """Opens ``path`` (/console, /faq, /dashboard) on ``server`` (a Stack or a WebApp) and submits
    the login form as ``username`` (with its password unless another is given)."""
    page.goto(f"{server.web_url}{path}")
    page.fill("#login-username", username)
    page.fill("#login-password", password if password is not None else server.password(username))
    page.click("#login-submit")
