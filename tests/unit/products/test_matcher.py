"""Product mentions, asked facts, variants and measurements read from shoppers' messages, over the
demo catalogue (seeded as of 2026-11-22 on SQLite)."""

from __future__ import annotations

from datetime import date

import pytest

from products.advice import advise_size, need_of, recommend
from products.facts import asked_fact, matching_variants, measurements, wanted_options
from products.matcher import ProductMatcher, matcher_for
from shop.demo import DemoShop
from shop.demo.seed import seed_demo_shop
from shop.views import ProductView
from tests.databases import migrated_sqlite


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> DemoShop:
    url = migrated_sqlite(tmp_path_factory.mktemp("catalogue") / "app.db")
    seed_demo_shop(url, today=date(2026, 11, 22))
    return DemoShop(url)


@pytest.fixture(scope="module")
def matcher(shop) -> ProductMatcher:
    return matcher_for(shop)


def skus(matcher: ProductMatcher, text: str) -> list[tuple[str, ...]]:
    return [m.skus for m in matcher.mentions(text)]


@pytest.mark.parametrize("text, expected", [
    ("这款蓝牙耳机续航多久啊", [("LM-EL-007", "LM-EL-021")]),   # the shared name, both products
    ("降噪蓝牙耳机续航多久", [("LM-EL-007",)]),                       # its full name: one
    ("頭戴式耳機重唔重", [("LM-EL-021",)]),                            # traditional + Cantonese, longest name wins
    ("智能手錶防水嗎", [("LM-EL-009",)]),
    ("行動電源有幾個接口", [("LM-EL-008",)]),                         # Taiwan's word for 移动电源
    ("智慧手錶可以游泳嗎", [("LM-EL-009",)]),
    ("20000mAh的充电宝能带上飞机吗", [("LM-EL-008",)]),
    ("ｌｍ－ｅｌ－００８ 多重", [("LM-EL-008",)]),                        # full-width SKU
    ("does the WOOL COAT come in black?", [("LM-AP-001",)]),
    ("羊毛双面大衣和羽绒服比哪个暖和", [("LM-AP-001",), ("LM-AP-020",)]),
    ("iphone 17手机壳有黑色吗", [("LM-EL-025",)]),
    ("外套有L码吗", [("LM-AP-001", "LM-AP-020")]),
    ("我想问下物流到哪了", []),
    ("大大衣衣", [("LM-AP-001",)]),
])
def test_mentions(matcher, text, expected):
    assert skus(matcher, text) == expected


def test_a_renamed_product_is_recognised_without_retraining(shop, matcher):
    class Renamed:
        """The same shop with one more alias, as after an edit in the shop's back office."""

        def __getattr__(self, name):
            return getattr(shop, name)

        def list_products(self) -> list[ProductView]:
            from dataclasses import replace
            return [replace(p, aliases_zh=p.aliases_zh + ("小暖绒",)) if p.sku == "LM-AP-001" else p
                    for p in shop.list_products()]

        def catalogue_version(self) -> str:
            return shop.catalogue_version() + "-renamed"

    renamed = Renamed()
    assert skus(matcher_for(shop), "小暖绒有黑色吗") == []
    assert skus(matcher_for(renamed), "小暖绒有黑色吗") == [("LM-AP-001",)]
    assert matcher_for(shop) is matcher  # unchanged catalogue: the same matcher, not rebuilt


@pytest.mark.parametrize("text, sku, key", [
    ("续航多久", "LM-EL-007", "battery_life"),
    ("可以带上飞机吗", "LM-EL-008", "airline"),
    ("大衣防水吗", "LM-AP-001", "waterproof"),
    ("係咩料嘅", "LM-AP-001", "material"),
    ("what's it made of", "LM-AP-001", "material"),
    ("蓬松度多少", "LM-HM-026", "fill_power"),    # the product's own label
    ("能用电磁炉吗", "LM-HM-012", "stove"),
])
def test_asked_fact(shop, text, sku, key):
    found = asked_fact(text, shop.get_product(sku=sku))
    assert found is not None and found.key == key


def test_a_message_without_a_fact_word_asks_none(shop):
    assert asked_fact("你好呀", shop.get_product(sku="LM-AP-001")) is None


@pytest.mark.parametrize("text, expected", [
    ("大衣有没有黑色M码", ["LM-AP-001-BK-M"]),
    ("燕麦色Ｌ", ["LM-AP-001-OT-L"]),                       # full-width letter
    ("what about oatmeal?", ["LM-AP-001-OT-S", "LM-AP-001-OT-M", "LM-AP-001-OT-L"]),
    ("黑的xl呢", ["LM-AP-001-BK-XL"]),
])
def test_variants_named(shop, text, expected):
    variants = shop.list_variants(sku="LM-AP-001")
    assert [v.variant_sku for v in matching_variants(variants, wanted_options(text, variants))] == expected


def test_a_shoe_size_is_a_size_but_a_height_is_not(shop):
    variants = shop.list_variants(sku="LM-SH-005")
    assert wanted_options("43码还有吗", variants).size == "43"
    assert wanted_options("雾白43有货吗", variants).size == "43"
    assert wanted_options("我身高175cm", shop.list_variants(sku="LM-AP-001")).size == ""


@pytest.mark.parametrize("text, sku, size", [
    ("我平时穿42", "LM-SH-005", "43"),                 # runs half a size small
    ("脚长２６０mm", "LM-SH-005", "43"),
    ("身高1米68 体重120斤", "LM-AP-001", "L"),
    ("165cm 60kg", "LM-AP-001", "L"),                  # height says M, weight says L: the larger
    ("I'm 158 cm and 48 kg", "LM-AP-001", "S"),
])
def test_size_advice(shop, text, sku, size):
    advice = advise_size(shop.get_product(sku=sku).size_chart, measurements(text))
    assert advice is not None and advice.size == size


def test_between_two_sizes_names_both(shop):
    advice = advise_size(shop.get_product(sku="LM-AP-001").size_chart, measurements("165cm 60kg"))
    assert advice.between == ("M", "L")


def test_recommendations_never_put_out_of_stock_first(shop):
    products = shop.list_products()
    stocked = {p.sku: any(v.stock > 0 for v in shop.list_variants(sku=p.sku)) for p in products}
    need = need_of("有什么适合送长辈的", products)
    assert need.tags == ("送长辈",)
    picked = recommend(products, stocked, need)
    assert picked and all("送长辈" in p.suitable_for_zh for p in picked)
    flags = [stocked[p.sku] for p in picked]
    assert flags == sorted(flags, reverse=True)
    cheap = recommend(products, stocked, need_of("学生用的 200以内", products))
    assert cheap and all(p.price_cny <= 200 and "学生" in p.suitable_for_zh for p in cheap)


def test_short_english_fact_words_are_whole_words(shop):
    coat = shop.get_product(sku="LM-AP-001")
    assert asked_fact("can an agent help me", coat) is None  # "age" is not in "agent"
    assert asked_fact("is it ok for pregnancy", shop.get_product(sku="LM-BT-015")).key == "pregnancy"
