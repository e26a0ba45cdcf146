"""Headless Chromium for the staff pages' browser tests (Debian's chromium through Playwright)."""

from __future__ import annotations

import pytest

from tests.browser.pages import watched_page

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
    with watched_page(browser, viewport={"width": 1366, "height": 768}, bypass_csp=True) as page:
        yield page
