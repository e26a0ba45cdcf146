"""The product page's focus and the product card over REST (issue 18.6): the page's product
(metadata ``product_sku``) is what "这款" means, checked against the catalogue; the answer carries
the card as ``custom`` JSON beside the text."""

from __future__ import annotations

import uuid

import pytest

from tests.conversations.handoffs import new_sender, queue_entry, wait_for
from tests.stack import http

pytestmark = pytest.mark.stack


def sender() -> str:
    return f"cards-{uuid.uuid4().hex[:12]}"


def test_this_one_on_a_product_page_is_that_product_and_the_card_comes_beside_the_text(stack):
    replies = stack.send(sender(), "这款有黑色吗", metadata={"product_sku": "LM-AP-001"})
    text = "\n".join(r.get("text", "") for r in replies)
    assert "羊毛双面大衣" in text and "黑色" in text, replies
    cards = [r["custom"]["product_card"] for r in replies if "custom" in r]
    assert len(cards) == 1
    assert {k: cards[0][k] for k in ("sku", "name", "price", "list_price", "url")} == {
        "sku": "LM-AP-001", "name": "羊毛双面大衣", "price": "¥899.00", "list_price": "¥1,299.00",
        "url": "/product/LM-AP-001"}
    assert cards[0]["stock"] in ("in", "low", "out")


def test_a_product_named_in_the_chat_stays_in_focus_on_the_same_page(stack):
    shopper, page = sender(), {"product_sku": "LM-AP-001"}
    assert "连帽羽绒服" in stack.say(shopper, "连帽羽绒服有雾蓝色吗", metadata=page)
    assert "连帽羽绒服" in stack.say(shopper, "那黑色的呢", metadata=page)
    # another page opened: its product is in focus again
    assert "轻量跑步鞋" in stack.say(shopper, "这款有43码吗", metadata={"product_sku": "LM-SH-005"})


def test_a_page_sku_the_catalogue_does_not_hold_is_ignored(stack):
    text = stack.say(sender(), "这款有黑色吗", metadata={"product_sku": "LM-NOPE-1"})
    assert "哪款商品" in text and "羊毛" not in text, text


def test_a_malformed_page_sku_is_refused_by_the_rest_channel(stack):
    status, answer = http("POST", f"{stack.bot_url}/webhooks/rest/webhook",
                          {"sender": sender(), "message": "这款有黑色吗", "metadata": {"product_sku": "<b>x</b>"}})
    assert status == 400 and "product_sku" in str(answer)


def test_a_product_conversation_handed_to_a_human_shows_its_products_in_the_console_summary(stack):
    agent = stack.login("agent")
    shopper = new_sender("products-handoff")
    stack.say(shopper, "羊毛大衣有没有黑色M码")
    stack.say(shopper, "降噪蓝牙耳机续航多久")
    stack.say(shopper, "转人工")
    entry = queue_entry(stack, agent, shopper)

    def products():
        status, found = stack.api("GET", f"/api/assist/handoffs/{entry['id']}", token=agent)
        assert status == 200, found
        return next((line["text"] for line in found["summary"]["lines"] if line["kind"] == "products"), None)

    line = wait_for(products, timeout=15, message="the products line of the summary")
    assert line.startswith("商品：") and "羊毛双面大衣 LM-AP-001" in line and "降噪蓝牙耳机 LM-EL-007" in line, line
