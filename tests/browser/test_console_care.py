"""The console's customers-and-care parts in headless Chromium (issue 19): a waiting conversation's
clock, highlighted past 30 s and 3 min; the linked customer's record beside the conversation; the
at-risk tab."""

from __future__ import annotations

import pytest

from tests.browser.pages import sign_in
from tests.conversations.handoffs import new_sender, queue_entry

pytestmark = [pytest.mark.stack, pytest.mark.browser]


def log_in(page, stack) -> None:
    sign_in(page, stack, "/console", "agent")


def test_the_clock_and_the_linked_customers_record(stack, page):
    shopper = new_sender("record")
    stack.say(shopper, "我想查下订单261103004817")
    assert "运输中" in stack.say(shopper, "8123")
    stack.say(shopper, "唔該轉人工")
    agent = stack.login("agent")
    handoff = queue_entry(stack, agent, shopper)
    details = stack.api("GET", f"/api/handoffs/{handoff['id']}/details", token=agent)[1]
    assert details["customer_id"] == "C1004"  # linked by the order check
    # passed in this very conversation: proven, so the panel is verified (issue 19)
    assert details["customer_proven"] is True and details["customer"]["verified"] is True

    log_in(page, stack)
    item = page.locator(f"[data-testid=queue-item][data-id='{handoff['id']}']")
    item.wait_for(timeout=15_000)
    clock = item.locator("[data-testid=wait-clock]")
    page.wait_for_function(
        f"document.querySelector(\"[data-id='{handoff['id']}'] .clock\").textContent.startsWith('⏱')", timeout=5_000)
    # the clock of a conversation waiting 40 s, then 200 s (the page's own tick, every second)
    for seconds, wanted in ((40, "late30"), (200, "late3min")):
        page.evaluate("([id, seconds]) => { document.querySelector(`[data-id='${id}'] .clock`).dataset.since ="
                      " new Date(Date.now() - seconds * 1000).toISOString(); }", [handoff["id"], seconds])
        page.wait_for_function(f"document.querySelector(\"[data-id='{handoff['id']}'] .clock\").classList"
                               f".contains('{wanted}')", timeout=5_000)
    assert clock.inner_text().startswith("⏱ 3:")

    item.click()
    record = page.locator("[data-testid=customer-record]")
    record.locator("[data-testid=customer-channels]").wait_for(timeout=10_000)
    assert "刘洋" in page.locator("#detail-customer").inner_text()
    assert shopper in record.inner_text() and "Risk" in record.inner_text()
    assert "Last channel: REST" in record.locator("[data-testid=reach-note]").inner_text()

    # the at-risk tab lists what the API lists
    rows = stack.api("GET", "/api/care/at-risk?days=30", token=agent)[1]
    page.locator("[data-tab=atrisk]").click()
    if rows:
        page.locator(f"[data-testid=at-risk-item][data-customer='{rows[0]['customer_id']}']").wait_for(timeout=10_000)
    page.wait_for_function(f"document.querySelectorAll('[data-testid=at-risk-item]').length === {len(rows)}",
                           timeout=10_000)
