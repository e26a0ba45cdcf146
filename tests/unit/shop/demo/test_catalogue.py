"""The demo shop's catalogue through the adapter, on SQLite and PostgreSQL (seeded as of 2026-11-22
and on a later day, to see the dates move like the orders')."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import yaml

from shop.adapter import ShopCatalogue, adapter_class, catalogue_of, conformance_problems
from shop.demo import DemoShop
from shop.demo.seed import DEMO_DIR, seed_demo_shop
from tests.unit.shop.demo.test_seed import SHARED
from tests.unit.shop.two_order_shop import TwoOrderShop

TODAY = date(2026, 11, 22)


def test_the_catalogue_is_the_shared_fixture():
    shared = SHARED / "demo_catalogue.yml"
    if shared.exists():
        assert (DEMO_DIR / "demo_catalogue.yml").read_bytes() == shared.read_bytes()


def test_the_demo_shop_holds_every_catalogue_product_with_its_facts(repo):
    fixture = yaml.safe_load((DEMO_DIR / "demo_catalogue.yml").read_text(encoding="utf-8"))
    products = {p.sku: p for p in repo.list_products()}
    assert set(products) == {entry["sku"] for entry in fixture["products"]}
    assert len(products) == 25
    for entry in fixture["products"]:
        product = products[entry["sku"]]
        assert product.name_zh == entry["name_zh"] and product.price_cny == Decimal(str(entry["price_cny"]))
        assert {(f.key, f.value_zh, f.value_en) for f in product.facts} == {
            (a["key"], a["value_zh"], a["value_en"]) for a in entry["attributes"]}


def test_a_product_on_sale_has_its_list_price_and_size_chart(repo):
    coat = repo.get_product(sku="LM-AP-001")
    assert coat.price_cny == Decimal("899.00") and coat.list_price_cny == Decimal("1299.00")
    assert coat.size_chart.fit_zh == "偏大" and [row.size for row in coat.size_chart.rows] == ["S", "M", "L", "XL"]
    assert coat.fact("battery_life") is None and "羊绒10%" in coat.fact("material").value_zh
    shoe = repo.get_product(sku="lm-sh-005")
    assert ("42", "43") in shoe.size_chart.usual
    assert repo.get_product(sku="LM-XX-999") is None


def test_names_aliases_and_skus_find_products_in_either_script(repo):
    assert [p.sku for p in repo.find_products(name="羊毛大衣")] == ["LM-AP-001"]
    assert [p.sku for p in repo.find_products(name="羊毛大衣".replace("羊毛", "羊毛"))] == ["LM-AP-001"]
    assert [p.sku for p in repo.find_products(name="智能手錶")] == ["LM-EL-009"]  # traditional form
    assert [p.sku for p in repo.find_products(name="Power Bank")] == ["LM-EL-008"]
    assert [p.sku for p in repo.find_products(name="LM-HM-023")] == ["LM-HM-023"]
    assert sorted(p.sku for p in repo.find_products(name="耳机")) == ["LM-EL-007", "LM-EL-021"]
    assert repo.find_products(name="飞机") == [] and repo.find_products(name="  ") == []


def test_variants_carry_stock_and_restock_dates(repo):
    variants = {v.variant_sku: v for v in repo.list_variants(sku="LM-AP-001")}
    assert variants["LM-AP-001-BK-M"].stock == 0 and variants["LM-AP-001-BK-M"].restock_date == date(2026, 11, 28)
    assert variants["LM-AP-001-BK-M"].option("colour_zh") == "黑色" and variants["LM-AP-001-BK-M"].option("size") == "M"
    assert variants["LM-AP-001-OT-L"].stock == 1 and variants["LM-AP-001-OT-L"].restock_date is None
    scarf = {v.variant_sku: v for v in repo.list_variants(sku="LM-BG-006")}
    assert scarf["LM-BG-006-WR"].stock == 0 and scarf["LM-BG-006-WR"].restock_date is None
    assert repo.list_variants(sku="LM-XX-999") == []
    fixture = yaml.safe_load((DEMO_DIR / "demo_catalogue.yml").read_text(encoding="utf-8"))
    out = [v["variant_sku"] for p in fixture["products"] for v in p["variants"] if v["stock"] == 0]
    stocked = [v for p in repo.list_products() for v in repo.list_variants(sku=p.sku) if v.stock == 0]
    assert len(out) == 8 and sorted(v.variant_sku for v in stocked) == sorted(out)


def test_promotions_in_force_follow_the_day(repo):
    assert [p.promotion_id for p in repo.promotions_on(day=TODAY)] == ["PROMO-2611-COFFEE", "PROMO-2611-HOME"]
    assert [p.promotion_id for p in repo.promotions_on(day=date(2026, 11, 5))] == ["PROMO-2611-DOUBLE11"]
    assert [p.promotion_id for p in repo.promotions_on(day=date(2026, 12, 11))] == ["PROMO-2612-YEAREND"]
    home = repo.promotions_on(day=TODAY)[1]
    assert home.stacks_with_coupons and home.applies_to(repo.get_product(sku="LM-HM-023"))
    assert not home.applies_to(repo.get_product(sku="LM-HM-010"))  # the custom flask is excluded
    assert not home.applies_to(repo.get_product(sku="LM-AP-001"))


def test_dates_shift_with_the_day_of_seeding(database_url):
    later = TODAY + timedelta(days=15)
    seed_demo_shop(database_url, today=later)
    shop = DemoShop(database_url)
    coat = {v.variant_sku: v for v in shop.list_variants(sku="LM-AP-001")}
    assert coat["LM-AP-001-BK-M"].restock_date == date(2026, 11, 28) + timedelta(days=15)
    assert [p.promotion_id for p in shop.promotions_on(day=later)] == ["PROMO-2611-COFFEE", "PROMO-2611-HOME"]
    # 2026-11-22 is then what 11-07 was: only the Singles' Day sale
    assert [p.promotion_id for p in shop.promotions_on(day=TODAY)] == ["PROMO-2611-DOUBLE11"]


def test_member_benefits_by_tier(repo):
    assert [b.level for b in repo.list_member_benefits()] == ["regular", "silver", "gold", "black_gold"]
    gold = repo.member_benefits(level="gold")
    assert gold.name_zh == "金卡会员" and "生日券" in gold.benefits_zh


def test_shared_aliases_name_the_candidates_and_their_question(repo):
    shared = {s.aliases_zh[0]: s for s in repo.shared_aliases()}
    assert shared["手表"].skus == ("LM-EL-009", "LM-EL-022") and "儿童电话手表" in shared["手表"].ask_zh
    assert set(shared) >= {"耳机", "手表", "外套"}


def test_the_version_changes_with_names_not_with_stock(repo):
    before = repo.catalogue_version()
    repo.set_stock(variant_sku="LM-AP-001-BK-M", stock=4)
    assert repo.catalogue_version() == before
    back = {v.variant_sku: v for v in repo.list_variants(sku="LM-AP-001")}["LM-AP-001-BK-M"]
    assert back.stock == 4 and back.restock_date is None
    assert repo.set_stock(variant_sku="LM-NOPE", stock=1) is None


def test_the_catalogue_is_an_optional_part_of_an_adapter():
    assert isinstance(DemoShop("sqlite://"), ShopCatalogue) and catalogue_of(DemoShop("sqlite://")) is not None
    assert catalogue_of(TwoOrderShop()) is None  # a shop without a catalogue still serves orders
    assert conformance_problems(DemoShop, ShopCatalogue) == []


def test_a_half_written_catalogue_stops_the_start(monkeypatch):
    class HalfCatalogue(TwoOrderShop):
        def list_products(self) -> list:
            return []

    import tests.unit.shop.two_order_shop as module
    monkeypatch.setattr(module, "HalfCatalogue", HalfCatalogue, raising=False)

    class Settings:
        shop_adapter = "tests.unit.shop.two_order_shop:HalfCatalogue"

    try:
        adapter_class(Settings())  # type: ignore[arg-type]
    except Exception as error:  # noqa: BLE001
        assert "catalogue: missing" in str(error) and "get_product" in str(error)
    else:
        raise AssertionError("a half catalogue was accepted")
