"""Recommendations from what a signed-in shopper bought (products/advice.py ``goes_with_bought``),
over the demo catalogue: the purchases' ``goes_with``, never something already bought, never an
out-of-stock product before one in stock."""

from __future__ import annotations

import pytest

from products.advice import goes_with_bought
from shop.demo import DemoShop
from shop.demo.seed import seed_demo_shop


@pytest.fixture
def shop(database_url: str) -> DemoShop:
    seed_demo_shop(database_url)
    return DemoShop(database_url)


def test_what_goes_with_the_purchases_in_stock_first_and_nothing_bought_again(shop):
    products = shop.list_products()
    by_sku = {p.sku: p for p in products}
    bought = ["LM-SH-005", "LM-AP-002"]
    expected = {sku for b in bought for sku in by_sku[b].goes_with} - set(bought)
    assert expected  # the demo catalogue names companions for these
    stocked = {p.sku: True for p in products}
    picked = [p.sku for p in goes_with_bought(products, bought, stocked)]
    assert picked and set(picked) <= expected
    # the first companion out of stock: it moves behind every one in stock
    out = picked[0]
    stocked[out] = False
    assert len(expected) > 1
    again = [p.sku for p in goes_with_bought(products, bought, stocked)]
    assert again[0] != out and (out not in again or again.index(out) == len(again) - 1)


def test_a_product_named_by_several_purchases_comes_first(shop):
    products = shop.list_products()
    # two purchases that both name the same companion
    pairs = [(a.sku, b.sku, s) for a in products for b in products if a.sku < b.sku
             for s in set(a.goes_with) & set(b.goes_with) if s not in (a.sku, b.sku)]
    assert pairs
    first, second, shared = pairs[0]
    stocked = {p.sku: True for p in products}
    assert goes_with_bought(products, [first, second], stocked)[0].sku == shared
    assert goes_with_bought(products, [], stocked) == []
