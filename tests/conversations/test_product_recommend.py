"""Recommendations for a signed-in shopper from what they bought (issue 18.3), over REST with the
shop's signed customer token: the products their orders' ``goes_with`` names, read from the stack's
own demo shop, none out of stock before one in stock; an anonymous shopper is asked what for."""

from __future__ import annotations

import uuid

import pytest

from kefu.tokens import CustomerTokens, customer_key
from shop.demo import DemoShop

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def shop(stack) -> DemoShop:
    return DemoShop(f"sqlite:///{stack.var_dir / 'app.db'}")


def signed_in(stack, customer_id: str) -> dict:
    secret = (stack.var_dir / "secret_key").read_text().strip()
    return {"customer_token": CustomerTokens(secret=customer_key(secret)).issue(customer_id)}


def test_a_signed_in_shopper_gets_what_goes_with_their_purchases(stack, shop):
    bought = [line.sku for order in shop.list_customer_orders(customer_id="C1001", limit=10) for line in order.lines]
    companions = {sku for b in bought for sku in shop.get_product(sku=b).goes_with} - set(bought)
    reply = stack.say(f"rec-{uuid.uuid4().hex[:10]}", "给我推荐点东西吧", metadata=signed_in(stack, "C1001"))
    assert "您买过" in reply and shop.get_product(sku=bought[0]).name_zh in reply, reply
    named = [sku for sku in companions if shop.get_product(sku=sku).name_zh in reply]
    assert named, reply
    # nothing recommended is something they bought already
    assert all(f"· {shop.get_product(sku=b).name_zh}" not in reply for b in bought)
    lines = [line for line in reply.splitlines() if line.startswith("·")]
    marks = ["暂时缺货" in line for line in lines]
    assert marks == sorted(marks), lines  # never out of stock before in stock


def test_in_english_and_in_cantonese(stack, shop):
    metadata = signed_in(stack, "C1001")
    english = stack.say(f"rec-{uuid.uuid4().hex[:10]}", "anything that goes with what I bought?", metadata=metadata)
    assert "You bought" in english and "·" in english, english
    cantonese = stack.say(f"rec-{uuid.uuid4().hex[:10]}", "有冇啲同我買過嘅嘢襯嘅推介", metadata=metadata)
    assert "您買過" in cantonese and "买" not in cantonese, cantonese


def test_an_anonymous_shopper_is_asked_what_it_is_for(stack):
    reply = stack.say(f"rec-{uuid.uuid4().hex[:10]}", "给我推荐点东西吧")
    assert "给谁用" in reply and "您买过" not in reply
