"""The demo storefront and its chat widget in headless Chromium, on a laptop and on a phone:
no emoji for the launcher icon or the product pictures (an empty box where no emoji font is
installed: many Linux desktops, some kiosks), and the policy figures the FAQ states (issue 22.6, 22.11).

Debian's Chromium here has no emoji font either, which is the case the SVG is for.
"""

from __future__ import annotations

import pytest

from tests.browser.pages import VIEWPORTS, watched_page
from tests.webapp import web_app_fixture

pytestmark = [pytest.mark.browser]

#: any emoji codepoint or emoji presentation selector (JavaScript regular expression)
EMOJI = r"/[\p{Extended_Pictographic}\u{FE0F}\u{1F1E6}-\u{1F1FF}]/u"


web = web_app_fixture("storefront-web", env={"KEFU_DEMO_SHOP": "1"})


@pytest.fixture(params=sorted(VIEWPORTS))
def shop_page(browser, request):
    with watched_page(browser, viewport=VIEWPORTS[request.param], phone=request.param == "phone") as page:
        yield page


def has_emoji(page, selector: str) -> list[str]:
    return page.locator(selector).evaluate_all(
        f"nodes => nodes.map(n => n.textContent).filter(text => {EMOJI}.test(text))")


def test_launcher_and_product_pictures_are_svg_not_emoji(web, shop_page):
    page = shop_page
    page.goto(web.url + "/")
    launcher = page.locator("[data-kefu=launcher]")
    launcher.wait_for(timeout=10_000)
    icon = launcher.locator("svg")
    box = icon.bounding_box()
    assert box and box["width"] >= 16 and box["height"] >= 16
    assert launcher.locator(".kefu-launcher-icon").text_content() == ""
    assert not has_emoji(page, "[data-kefu=launcher]")

    thumbs = page.locator(".card .thumb")
    assert thumbs.count() == 8
    for index in range(8):
        thumb = thumbs.nth(index)
        assert thumb.text_content() == ""
        drawing = thumb.locator("svg path")
        assert drawing.count() == 1 and drawing.get_attribute("d")
        thumb.scroll_into_view_if_needed()
        svg_box = thumb.locator("svg").bounding_box()
        assert svg_box and svg_box["width"] >= 48
    # nothing the shopper sees on the page is an emoji
    assert not page.evaluate(f"{EMOJI}.test(document.body.innerText)")


def test_the_policy_figures_are_the_faqs(web, shop_page):
    page = shop_page
    page.goto(web.url + "/")
    hero = page.locator(".hero").inner_text()
    assert "实付满 99 元包邮" in hero and "现货 48 小时内发货" in hero and "人工客服每天 9:00–22:00" in hero
    assert "假一赔四" in page.locator(".perks").inner_text()
    footer = page.locator("footer").inner_text()
    assert "客服热线：400-826-2026（每天 9:00–21:00）" in footer and "人工在线客服：每天 9:00–22:00" in footer
    page.click("[data-demo=lang]")
    assert "free shipping from ¥99" in page.locator(".hero").inner_text()
    assert "four-times refund if fake" in page.locator(".perks").inner_text()
