"""The operator dashboard in headless Chromium (Debian's chromium through Playwright), under its real CSP."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.ingest import ingest
from kefu.events import record_events
from tests.browser.pages import sign_in, watched_page
from tests.unit.analytics.seed import ZONE, Conversation, local, seed
from tests.webapp import web_app_fixture

pytestmark = [pytest.mark.browser]

SNEAKY = '<img src=x onerror="document.body.dataset.pwned=1">花呗怎么分期'
CANVASES = ["chart-conversations", "chart-containment", "chart-handoffs", "chart-times", "chart-csat", "chart-faqs",
            "chart-unanswered", "chart-first-reply"]


def prepare(url: str) -> None:
    today = dt.datetime.now(ZONE).date()
    seed(url, today)
    sneaky = Conversation("shopper-html", "socketio", local(today, 8))
    sneaky.user(SNEAKY, "nlu_fallback", 0.2).fallback()
    record_events(url, sneaky.events)
    ingest(url, zone=ZONE)


web = web_app_fixture("dashboard-web", prepare=prepare)


@pytest.fixture
def page(browser):
    # no bypass_csp: the charts must draw under the staff pages' Content-Security-Policy
    with watched_page(browser, viewport={"width": 1366, "height": 900}, csp_reports=True) as page:
        yield page


def log_in(page, web, username: str) -> None:
    sign_in(page, web, "/dashboard", username)


def test_agents_are_turned_away(web, page):
    log_in(page, web, "agent")
    page.locator("#login-error", has_text="editor or admin only").wait_for(timeout=10_000)
    assert page.locator("#app-view").is_hidden()


def test_editor_sees_every_chart_and_the_figures_as_text(web, page):
    log_in(page, web, "editor")
    page.locator("body[data-loaded=true]").wait_for(timeout=15_000)
    assert page.locator("#login-view").is_hidden()

    for canvas_id in CANVASES:
        drawn = page.evaluate("""(id) => {
            const canvas = document.getElementById(id);
            const chart = Chart.getChart(canvas);
            const box = canvas.getBoundingClientRect();
            const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0;
            for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
            return {chart: !!chart, width: box.width, height: box.height, painted};
        }""", canvas_id)
        assert drawn["chart"] and drawn["width"] > 100 and drawn["height"] > 100 and drawn["painted"] > 500, \
            (canvas_id, drawn)

    assert page.text_content("#kpi-conversations") == "8"
    assert page.text_content("#kpi-containment") == "62.5%"
    assert page.text_content("#kpi-handoffs") == "3"
    assert page.text_content("#kpi-wait") == "1.5 分钟 min"
    assert page.text_content("#kpi-handling") == "7.5 分钟 min"
    assert page.text_content("#kpi-csat") == "4.00 / 5"
    assert "投诉 Complaint" in page.text_content("#table-handoffs")
    assert "(shipping_fee)" in page.text_content("#table-faqs")
    csat = page.locator("#table-csat tbody tr").all_inner_texts()
    assert [row.split("\t")[-1] for row in csat] == ["0", "0", "1", "0", "1", "4.00"]
    rows = page.locator("#table-unanswered tbody tr").all_inner_texts()
    assert rows[0].split("\t")[1] == "3" and "花呗" in rows[0]  # the 花呗 group first
    # a question holding HTML is shown as text, never run
    assert SNEAKY in page.text_content("#table-unanswered")
    assert page.locator("#table-unanswered img").count() == 0
    assert page.evaluate("document.body.dataset.pwned") is None
    # the per-day table sits in a closed <details>: read its cells' text
    assert page.locator("#table-conversations tbody tr").count() == 7
    today = page.locator("#table-conversations tbody tr").last.locator("td").all_text_contents()
    assert today[-1] == "3"  # shopper-f, shopper-a's second visit, the sneaky one
    # the first human reply after a handoff, per day and over the period (issue 19.4)
    first_reply = page.locator("#table-first-reply tbody tr").all_inner_texts()
    assert len(first_reply) == 8 and first_reply[-1].startswith("合计 All")
    # customers at risk are not for editors: the card stays hidden (and the editor stays logged in)
    assert page.locator("#at-risk-card").is_hidden() and page.locator("#app-view").is_visible()


def test_the_period_can_be_changed(web, page):
    log_in(page, web, "admin")
    page.locator("body[data-loaded=true]").wait_for(timeout=15_000)
    page.select_option("#days", "30")
    page.locator("#table-conversations tbody tr").nth(29).wait_for(state="attached", timeout=10_000)
    assert page.locator("#table-conversations tbody tr").count() == 30
    assert page.text_content("#kpi-conversations") == "9"  # the week-before conversation too
    page.locator("#at-risk-card").wait_for(timeout=10_000)  # an admin sees the at-risk list
