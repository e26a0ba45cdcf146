"""The FAQ editor's drafts from agents' answers in headless Chromium, under the staff pages' real CSP:
a draft becomes a new FAQ (form prefilled, the editor completes it) or a variant of the close FAQ."""

from __future__ import annotations

from pathlib import Path

import pytest

from faq.loader import load_catalogue
from faq.store import FaqStore
from tests.browser.pages import sign_in, watched_page
from tests.unit.assist.test_drafts_api import prepare as prepare_drafts
from tests.webapp import web_app_fixture

pytestmark = [pytest.mark.browser]
CONTENT = Path(__file__).resolve().parents[2] / "faq" / "content"


def prepare(url: str) -> None:
    FaqStore(url).import_catalogue(load_catalogue(CONTENT)[0], "test")
    prepare_drafts(url)


web = web_app_fixture("editor-drafts", prepare=prepare)


@pytest.fixture
def page(browser):
    with watched_page(browser, viewport={"width": 1366, "height": 900}) as page:
        yield page


def open_inbox(page, web) -> None:
    sign_in(page, web, "/faq", "editor")
    page.locator("[data-tab=inbox]").click()


def test_a_draft_becomes_a_new_faq_and_another_a_variant(web, page):
    open_inbox(page, web)
    wash = page.locator("#drafts li", has_text="羽绒服可以机洗吗")
    wash.wait_for(timeout=15_000)
    assert "****" in wash.inner_text() and "13812345678" not in wash.inner_text()
    wash.get_by_role("button", name="新建 FAQ New FAQ").click()
    assert page.input_value("#f-question_zh") == "羽绒服可以机洗吗？我手机****，订单{order}"
    assert page.input_value("#f-answer_zh").startswith("{name}您好，羽绒服建议手洗")
    # the editor completes it: an id, the question without the masked parts, the English side
    page.fill("#f-id", "down_jacket_washing")
    page.fill("#f-category", "store")
    page.fill("#f-question_zh", "羽绒服可以机洗吗？")
    page.fill("#f-answer_zh", "羽绒服建议手洗，水温不超过30度。")
    page.fill("#f-question_en", "Can I machine-wash a down jacket?")
    page.fill("#f-answer_en", "Hand-wash it below 30 °C.")
    page.click("#save")
    page.locator("#form-message", has_text="Saved").wait_for(timeout=10_000)

    token = web.login("editor")
    used = web.api("GET", "/api/assist/drafts?status=used", token=token)[1]
    assert [d["faq_id"] for d in used] == ["down_jacket_washing"]

    page.locator("[data-tab=inbox]").click()
    paypal = page.locator("#drafts li", has_text="paypal ok for paying?")
    paypal.wait_for(timeout=10_000)
    page.locator("#drafts li", has_text="羽绒服").wait_for(state="detached", timeout=10_000)  # used: gone
    paypal.get_by_role("button", name="Add as a variant of payment_methods").click()
    page.locator("#form-message", has_text="Added as a variant").wait_for(timeout=10_000)
    assert "paypal ok for paying?" in page.input_value("#f-examples_en")
    status, faq = web.api("GET", "/api/faqs/payment_methods", token=token)
    assert status == 200 and "paypal ok for paying?" in faq["examples_en"]
