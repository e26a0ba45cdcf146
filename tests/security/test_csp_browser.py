"""The web app's Content-Security-Policy, enforced in headless Chromium: the console and the
storefront with its widget work under it, and nothing they do is refused by it."""

from __future__ import annotations

import pytest

from tests.browser.pages import sign_in
from tests.conversations.handoffs import new_sender, queue_entry

pytestmark = [pytest.mark.stack, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def strict_page(browser):
    """A page with the CSP enforced (no bypass); collects page errors and CSP refusals.

    Only locators and function evaluations are used here: Playwright runs those outside the
    page's CSP, unlike its string-based ``wait_for_function``.
    """
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(20_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text else None)
    yield page, problems
    context.close()


def test_console_works_under_its_csp(stack, strict_page):
    page, problems = strict_page
    agent = stack.login("agent")
    sender = new_sender("csp")
    stack.say(sender, "转人工")
    entry = queue_entry(stack, agent, sender)
    sign_in(page, stack, "/console", "agent")
    page.locator(f"[data-testid=queue-item][data-id='{entry['id']}']").wait_for()  # API + live feed
    assert page.locator("#app-view").is_visible()
    assert problems == [], problems


def test_storefront_widget_works_under_its_csp(stack, strict_page):
    page, problems = strict_page
    page.goto(f"{stack.web_url}/")
    page.locator("[data-kefu=launcher]").click()
    page.locator("[data-kefu=input]").fill("运费怎么算")
    page.locator("[data-kefu=send]").click()
    page.locator("[data-kefu=message][data-role=bot]", has_text="99").first.wait_for()  # Socket.IO to :5005
    assert problems == [], problems


def test_console_cannot_be_framed(stack, strict_page):
    """frame-ancestors 'none': a page (even the storefront) cannot embed the console (clickjacking)."""
    page, problems = strict_page
    page.goto(f"{stack.web_url}/")
    page.evaluate("""url => { const f = document.createElement('iframe'); f.src = url;
                              document.body.appendChild(f); }""", f"{stack.web_url}/console")
    page.wait_for_timeout(2000)
    children = [frame for frame in page.frames if frame != page.main_frame]
    assert children and all(frame.query_selector("#login-username") is None for frame in children)
    assert any("frame-ancestors" in problem for problem in problems), problems
