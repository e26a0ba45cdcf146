"""Headless Chromium for the staff pages' browser tests (Debian's chromium through Playwright)."""

from __future__ import annotations

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A laptop-sized page; a JavaScript error on it fails the test.

    Playwright's string ``wait_for_function`` needs 'unsafe-eval', so the page bypasses the CSP;
    the CSP itself is tested with it enforced (tests/security/test_csp_browser.py, the dashboard).
    """
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors
