"""The storefront's product page and the widget's product card in headless Chromium, against the
running stack (issue 18.6): the page states the catalogue's price and stock and tells the widget
which product is viewed, so "这款有黑色吗" there is about that product; the answer comes with a card
(name, price with the list price struck, stock line, a link back to the product's page)."""

from __future__ import annotations

import pytest

from shop.demo import DemoShop

pytestmark = [pytest.mark.stack, pytest.mark.browser]

BOT = "[data-kefu=message][data-role=bot]"
CARD = "[data-kefu=product-card]"


def test_product_page_question_about_this_one_gets_an_answer_and_a_card(stack, page):
    page.goto(f"{stack.web_url}/product/LM-AP-001")
    assert page.inner_text("h1") == "羊毛双面大衣"
    assert page.inner_text("[data-product=price] s") == "¥1,299.00"
    # the stack's own stock (other tests of the session restock variants): 8 camel S, as seeded
    shop = DemoShop(f"sqlite:///{stack.var_dir / 'app.db'}")
    stock = {v.variant_sku: v.stock for v in shop.list_variants(sku="LM-AP-001")}
    assert stock["LM-AP-001-CA-S"] == 8 and "驼色 S：有货" in page.inner_text("[data-variant=LM-AP-001-CA-S]")
    black_m = page.inner_text("[data-variant=LM-AP-001-BK-M]")
    assert ("暂时缺货" in black_m) if stock["LM-AP-001-BK-M"] == 0 else (str(stock["LM-AP-001-BK-M"]) in black_m)
    page.click("[data-kefu=launcher]")
    page.fill("[data-kefu=input]", "这款有黑色吗")
    page.press("[data-kefu=input]", "Enter")
    page.wait_for_selector(CARD)
    answers = "\n".join(node.inner_text() for node in page.query_selector_all(BOT))
    assert "羊毛双面大衣" in answers and "黑色" in answers, answers
    card = page.query_selector(CARD)
    assert card.get_attribute("data-sku") == "LM-AP-001"
    assert card.query_selector("[data-kefu=card-name]").inner_text() == "羊毛双面大衣"
    assert card.query_selector("[data-kefu=card-price] strong").inner_text() == "¥899.00"
    assert card.query_selector("[data-kefu=card-list-price]").inner_text() == "¥1,299.00"
    assert card.query_selector("[data-kefu=card-stock]").inner_text() in ("有货", "仅剩1件", "仅剩2件", "仅剩3件",
                                                                           "仅剩4件", "仅剩5件")
    link = card.query_selector("[data-kefu=card-link]")
    assert link.get_attribute("href") == f"{stack.web_url}/product/LM-AP-001"
    link.click()
    page.wait_for_url(f"{stack.web_url}/product/LM-AP-001")


def test_a_card_for_a_product_without_a_sale_has_no_struck_price(stack, page):
    page.goto(f"{stack.web_url}/")
    page.click("[data-kefu=launcher]")
    page.fill("[data-kefu=input]", "轻量跑步鞋多少钱")
    page.press("[data-kefu=input]", "Enter")
    page.wait_for_selector(CARD)
    card = page.query_selector(CARD)
    assert card.query_selector("[data-kefu=card-price] strong").inner_text() == "¥499.00"
    assert card.query_selector("[data-kefu=card-list-price]") is None


def test_the_product_page_keeps_the_storefront_policy_and_the_widget_loads_under_it(stack, browser):
    context = browser.new_context(locale="zh-CN")  # the CSP enforced
    errors: list[str] = []
    try:
        shown = context.new_page()
        shown.on("pageerror", lambda error: errors.append(str(error)))
        answer = shown.goto(f"{stack.web_url}/product/LM-EL-007")
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self';" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        shown.wait_for_selector("[data-kefu=launcher]")
        missing = shown.goto(f"{stack.web_url}/product/LM-NOPE-9")
        assert missing.status == 404 and "没有这件商品" in shown.inner_text("h1")
    finally:
        context.close()
    assert errors == []
