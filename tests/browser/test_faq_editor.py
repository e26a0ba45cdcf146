"""The FAQ editor in headless Chromium: an editor's change from typing to live answer."""

from __future__ import annotations

import pytest

from tests.browser.pages import sign_in

pytestmark = [pytest.mark.stack, pytest.mark.browser]

XSS = '<img src=x onerror="window.__kefu_xss=1">'


def log_in(page, stack, username="editor"):
    sign_in(page, stack, "/faq", username)


def test_only_editors_get_in(faq_stack, page):
    log_in(page, faq_stack, "agent")
    page.wait_for_function("document.querySelector('#login-error').textContent.includes('not an editor')")
    assert page.locator("#app-view").is_hidden()


def test_editor_edits_sees_problems_while_typing_publishes_and_restores(faq_stack, page):
    log_in(page, faq_stack)
    page.locator("#categories button[data-category=shipping]").click()
    page.locator("#faq-list button[data-faq=shipping_fee]").click()
    page.wait_for_function("document.querySelector('#f-id').value === 'shipping_fee'")
    original = page.input_value("#f-answer_zh")

    # validation as you type: an empty answer, then a variant another entry already teaches
    page.fill("#f-answer_zh", "")
    page.locator("#problems li.error[data-field=answer_zh]").wait_for(timeout=10_000)
    page.fill("#f-answer_zh", f"满99元包邮，偏远地区除外。{XSS}")
    page.locator("#problems li.error[data-field=answer_zh]").wait_for(state="detached", timeout=10_000)
    page.fill("#f-examples_zh", page.input_value("#f-examples_zh") + "\n怎么开发票？")
    problem = page.locator("#problems li.error", has_text="invoice_request")
    problem.wait_for(timeout=10_000)
    page.fill("#f-examples_zh", page.input_value("#f-examples_zh").replace("\n怎么开发票？", ""))
    problem.wait_for(state="detached", timeout=10_000)

    page.click("#save")
    page.wait_for_function("document.querySelector('#form-message').textContent.includes('Saved')")
    assert "version 2" in page.inner_text("#form-version")
    page.locator("#history li[data-version='2']").wait_for(timeout=10_000)

    page.click("#publish")
    page.wait_for_function("document.querySelector('#publish-status').textContent.includes('Live')", timeout=60_000)
    reply = faq_stack.say("editor-browser-1", "运费怎么算")
    assert "满99元包邮" in reply and XSS in reply  # the bot sends the text as written

    page.fill("#preview-text", "运费怎么算呀")
    page.click("#preview-button")
    page.wait_for_function("document.querySelector('#preview-result').textContent.includes('shipping_fee')")
    assert XSS in page.inner_text("#preview-result")  # shown as text ...
    assert page.evaluate("window.__kefu_xss") is None  # ... never run

    # restore the first version and publish again
    page.locator("#history li", has_text="v1").get_by_role("button").click()
    page.wait_for_function("document.querySelector('#form-message').textContent.includes('Restored')")
    assert page.input_value("#f-answer_zh") == original
    page.click("#publish")
    page.wait_for_function("document.querySelector('#publish-status').textContent.includes('Live')", timeout=60_000)
    assert original[:10] in faq_stack.say("editor-browser-2", "运费怎么算")


def test_an_inbox_group_becomes_a_new_faq_that_the_bot_answers(faq_stack, page):
    for number, text in enumerate(["你们老板是谁", "公司老板叫什么名字", "老闆是誰呀"]):
        faq_stack.say(f"inbox-shopper-{number}", text)
    log_in(page, faq_stack)
    page.locator("#app-view").wait_for(state="visible")
    group = page.locator("#inbox li[data-group]", has_text="老板")

    def grouped() -> bool:  # the web app ingests conversation events every few seconds
        return bool(group.count()) and int(group.first.locator(".count").inner_text()) >= 2

    for _ in range(30):
        page.click("[data-tab=inbox]")
        page.wait_for_timeout(2_000)
        if grouped():
            break
    assert grouped(), page.inner_text("#inbox")  # similar questions, one group with its count
    group_id = group.first.get_attribute("data-group")
    group.first.get_by_role("button", name="新建 FAQ New FAQ").click()  # click 1: a prefilled form
    prefilled = page.input_value("#f-question_zh") + page.input_value("#f-examples_zh")
    assert "老板" in prefilled and "老闆" in prefilled  # the group's questions, as shoppers wrote them
    page.fill("#f-id", "shop_operator")
    page.fill("#f-category", "store")
    page.fill("#f-question_en", "Who runs this shop?")
    page.fill("#f-examples_en", "who owns the shop\nwhich company runs this store\nwho is your boss")
    page.fill("#f-answer_zh", "本店由明镜科技有限公司运营，营业执照见页面底部。")
    page.fill("#f-answer_en", "The shop is run by Lumen Technology Co., Ltd.")
    page.click("#save")  # click 2: saved, and the group leaves the inbox
    page.wait_for_function("document.querySelector('#form-message').textContent.includes('Saved')")
    page.click("[data-tab=inbox]")
    page.locator(f"#inbox li[data-group='{group_id}']").wait_for(state="detached", timeout=10_000)

    page.click("#publish")
    page.wait_for_function("document.querySelector('#publish-status').textContent.includes('Live')", timeout=60_000)
    assert "明镜科技有限公司" in faq_stack.say("inbox-shopper-9", "你们老板是谁啊")
