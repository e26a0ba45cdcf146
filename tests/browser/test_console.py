"""The agent console in headless Chromium (Debian's chromium through Playwright): an agent's shift."""

from __future__ import annotations

import pytest

from tests.browser.pages import sign_in
from tests.conversations.handoffs import new_sender, queue_entry, wait_for

pytestmark = [pytest.mark.stack, pytest.mark.browser]


def log_in(page, stack, username="agent", password=None):
    sign_in(page, stack, "/console", username, password)


def test_login_is_required_and_only_agents_get_in(stack, page):
    log_in(page, stack, password="wrong password")
    page.wait_for_function("document.querySelector('#login-error').textContent.includes('wrong user name')")
    log_in(page, stack, "editor")
    page.wait_for_function("document.querySelector('#login-error').textContent.includes('not an agent')")
    assert page.locator("#app-view").is_hidden()


def test_agent_claims_chats_and_resolves(stack, page):
    agent = stack.login("agent")
    calm, angry = new_sender("calm"), new_sender("angry")
    stack.say(calm, "转人工")
    stack.say(angry, "我要投诉，快递十天了还没到")
    stack.send(angry, "到底什么时候能到？")
    complaint = queue_entry(stack, agent, angry)

    log_in(page, stack)
    item = page.locator(f"[data-testid=queue-item][data-id='{complaint['id']}']")
    item.wait_for(timeout=15_000)
    assert "Complaint" in item.inner_text()
    # complaints come before the customer who merely asked for a human
    reasons = page.locator("[data-testid=queue-item]").evaluate_all("items => items.map(i => i.dataset.reason)")
    assert reasons.index("complaint") < reasons.index("customer_request")

    item.click()
    transcript = page.locator("#transcript")
    transcript.locator("li[data-role=customer]", has_text="到底什么时候能到？").wait_for(timeout=10_000)
    assert "Complaint" in page.locator("#detail-reason").inner_text()
    assert "我要投诉，快递十天了还没到" in page.locator("#detail-trigger").inner_text()
    assert "Delivery" in page.locator("#detail-ticket").inner_text()
    assert "Customer not identified" in page.locator("#detail-customer").inner_text()

    page.click("#claim")
    page.locator("#reply-text").wait_for(state="visible", timeout=10_000)
    assert page.locator("#conv-status").get_attribute("data-status") == "active"
    page.fill("#reply-text", "非常抱歉，我是小林，正在为您催件")
    page.click("#send")
    transcript.locator("li[data-role=agent]", has_text="正在为您催件").wait_for(timeout=10_000)

    # the shopper gets the agent's words on their next call; their answer shows up live
    replies = stack.send(angry, "好的谢谢")
    assert [r["text"] for r in replies] == ["非常抱歉，我是小林，正在为您催件"]
    transcript.locator("li[data-role=customer]", has_text="好的谢谢").wait_for(timeout=15_000)

    page.click("#resolve")
    page.wait_for_function("document.querySelector('#conv-status').dataset.status === 'resolved'", timeout=10_000)
    assert page.locator("#reply-form").is_hidden()
    # the status changes in the console first; Rasa is asked to resume and to ask for the rating
    # right after, so the question reaches the outbox a moment later
    wait_for(lambda: any("1–5 分" in r["text"] for r in stack.send(angry, "")), message="the rating question")
    assert stack.say(angry, "4") == "感谢您的评价（4 分）！还有其他可以帮您的吗？"
    page.locator("[data-tab=resolved]").click()
    page.locator(f"[data-testid=queue-item][data-id='{complaint['id']}']").click()
    page.wait_for_function("document.querySelector('#detail-rating').textContent.includes('4/5')", timeout=10_000)


def test_new_conversations_appear_without_reloading(stack, page):
    agent = stack.login("agent")
    log_in(page, stack)
    page.locator("#live-status.on").wait_for(timeout=15_000)
    shopper = new_sender("live")
    stack.say(shopper, "人工客服")
    entry = wait_for(lambda: queue_entry(stack, agent, shopper), message="the queue entry")
    page.locator(f"[data-testid=queue-item][data-id='{entry['id']}']").wait_for(timeout=15_000)


def test_a_session_whose_token_expires_returns_to_the_login_form(stack, page):
    """A kept token lets the agent straight in; when it expires, the live stream says so and the
    console shows the login form again, the token gone from the tab's storage."""
    from tests.security.test_tokens import staff_token

    token = staff_token(stack, lifetime=8)
    page.goto(f"{stack.web_url}/console")
    page.evaluate("""token => { sessionStorage.setItem("kefu.token", token);
                                sessionStorage.setItem("kefu.user", "agent"); }""", token)
    page.reload()
    page.locator("#live-status.on").wait_for(timeout=10_000)  # in, without logging in, live feed open
    assert page.locator("#me").inner_text() == "agent"
    page.locator("#login-view").wait_for(state="visible", timeout=20_000)  # the stream's "expired" event
    assert page.locator("#app-view").is_hidden()
    assert page.evaluate("sessionStorage.getItem('kefu.token')") is None
