"""The console's agents' tools in headless Chromium (Debian's chromium through Playwright), under the
staff pages' real CSP: the summary, a suggestion clicked into the reply box, /shortcut completion, the
dashboard's rates; on the running stack, a suggestion sent as it was and one edited, recorded."""

from __future__ import annotations

import pytest

from tests.browser.pages import sign_in, watched_page
from tests.conversations.handoffs import new_sender, queue_entry, wait_for, wait_in_transcript
from tests.unit.assist.test_assist_api import IDS, LI_WEI_ORDER, prepare
from tests.webapp import start_web

pytestmark = [pytest.mark.browser]

GREETING = {"shortcut": "hello", "title": "问候 Greeting", "text_zh": "{name}您好，订单{order}我来帮您看一下。",
            "text_en": "Hi {name}, let me look at order {order} for you."}


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    app = start_web(tmp_path_factory.mktemp("console-assist"), prepare=prepare)
    token = app.login("agent")
    assert app.api("POST", "/api/assist/canned", GREETING, token=token)[0] == 201
    assert app.api("POST", "/api/assist/canned", {"shortcut": "wait", "text_zh": "请稍等，我查一下。",
                                                  "text_en": "One moment please."}, token=token)[0] == 201
    yield app
    app.stop()


@pytest.fixture
def page(browser):
    with watched_page(browser, viewport={"width": 1366, "height": 900}, console_errors=True) as page:
        yield page


def open_conversation(page, web, handoff_id: int) -> None:
    sign_in(page, web, "/console", "agent")
    page.locator("[data-tab=active]").click()
    page.locator(f"[data-testid=queue-item][data-id='{handoff_id}']").click()


def test_summary_suggestion_and_shortcut(web, page):
    open_conversation(page, web, IDS["wash"])
    lines = page.locator("#assist-summary-lines li")
    lines.first.wait_for(timeout=15_000)
    texts = lines.all_inner_texts()
    assert texts[0].startswith("诉求：") and "转人工：机器人两次没听懂，“羽绒服能不能放洗衣机洗啊”" in texts
    assert any(t.startswith("客户：李伟") for t in texts)

    # a suggestion: one click puts it in the reply box, nothing is sent
    suggestion = page.locator("[data-testid=suggestion][data-source=agent_reply]")
    suggestion.wait_for(timeout=10_000)
    assert "客服答过" in suggestion.inner_text()
    suggestion.click()
    box = page.locator("#reply-text")
    assert box.input_value().startswith("李伟您好，这款羽绒服建议手洗")
    assert page.locator("#transcript li[data-role=agent]").count() == 0

    # /shortcut: the list narrows as one types; Enter puts the filled reply in the box, without sending
    box.fill("")
    box.type("/he")
    option = page.locator("#assist-canned li[data-shortcut=hello]")
    option.wait_for(timeout=5_000)
    assert page.locator("#assist-canned li").count() == 1
    box.press("Enter")
    assert box.input_value() == f"李伟您好，订单{LI_WEI_ORDER}我来帮您看一下。"
    assert page.locator("#assist-canned").is_hidden()
    assert page.locator("#transcript li[data-role=agent]").count() == 0

    # the summary in English for an agent who reads English
    page.select_option("#assist-language", "en")
    page.locator("#assist-summary-lines li", has_text="Wants:").wait_for(timeout=10_000)


def test_a_placeholder_without_verified_data_is_left_for_the_agent(web, page):
    open_conversation(page, web, IDS["english"])
    page.locator("#assist-summary-lines li").first.wait_for(timeout=15_000)
    box = page.locator("#reply-text")
    box.type("/hel")
    page.locator("#assist-canned li[data-shortcut=hello]").wait_for(timeout=5_000)
    box.press("Tab")
    assert box.input_value() == "Hi {name}, let me look at order {order} for you."
    assert "{name}" in page.locator("#action-error").inner_text()


def test_the_dashboard_shows_what_agents_did_with_suggestions(web, page):
    token = web.login("agent")
    for outcome in ("sent", "sent", "sent", "edited"):
        assert web.api("POST", f"/api/assist/handoffs/{IDS['wash']}/suggestions/outcome",
                       {"source": "faq", "ref": "payment_methods", "outcome": outcome}, token=token)[0] == 201
    sign_in(page, web, "/dashboard", "editor")
    row = page.locator("#table-suggestions tr", has_text="Sent as is")
    row.wait_for(timeout=15_000)
    assert row.inner_text().split("\t")[1:] == ["3", "75%"]
    assert "25%" in page.locator("#table-suggestions tr", has_text="Edited").inner_text()


@pytest.mark.stack
def test_sent_and_edited_suggestions_are_recorded(stack, page):
    agent, editor = stack.login("agent"), stack.login("editor")
    before = stack.api("GET", "/api/assist/suggestions/rates", token=editor)[1]["by_source"]["faq"]
    shopper = new_sender("assist-browser")
    stack.say(shopper, "转人工")
    stack.send(shopper, "运费怎么算啊")
    entry = queue_entry(stack, agent, shopper)
    wait_in_transcript(stack, agent, entry["id"], ("customer", "运费怎么算啊"))

    sign_in(page, stack, "/console", "agent")
    page.locator(f"[data-testid=queue-item][data-id='{entry['id']}']").click()
    page.click("#claim")
    suggestion = page.locator("[data-testid=suggestion][data-source=faq]").first
    suggestion.wait_for(timeout=15_000)
    suggestion.click()
    sent = page.input_value("#reply-text")
    page.click("#send")
    page.locator("#transcript li[data-role=agent]", has_text=sent[:20]).wait_for(timeout=10_000)
    assert [r["text"] for r in stack.send(shopper, "退货运费谁出呀")] == [sent]  # the shopper got it as it was

    page.locator("#assist-suggestions [data-testid=suggestion]", has_text="退货").first.wait_for(timeout=15_000)
    page.locator("#assist-suggestions [data-testid=suggestion]", has_text="退货").first.click()
    page.locator("#reply-text").press("End")
    page.locator("#reply-text").type(" 还有问题随时找我")
    page.click("#send")
    page.locator("#transcript li[data-role=agent]", has_text="还有问题随时找我").wait_for(timeout=10_000)

    def recorded():
        after = stack.api("GET", "/api/assist/suggestions/rates", token=editor)[1]["by_source"]["faq"]
        return after["sent"] - before["sent"] == 1 and after["edited"] - before["edited"] == 1

    wait_for(recorded, timeout=10, message="the outcomes on the dashboard's rates")
