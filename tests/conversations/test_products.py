"""Pre-sales product questions through the REST channel of a running stack (trained model, real
servers, the demo shop seeded today). Expected facts are read from the stack's own demo shop, so a
reply passes only when it states the catalogue's words for that product, in the shopper's language."""

from __future__ import annotations

import uuid

import pytest

from actions.orders.labels import format_day
from kefu.text import to_traditional
from shop.demo import DemoShop
from shop.policy import shop_today

pytestmark = pytest.mark.stack

UNKNOWN_ZH = "商品详情里没有写这一点"


def sender() -> str:
    return f"products-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
def shop(stack) -> DemoShop:
    return DemoShop(f"sqlite:///{stack.var_dir / 'app.db'}")


def fact(shop: DemoShop, sku: str, key: str, english: bool = False) -> str:
    found = shop.get_product(sku=sku).fact(key)
    return found.value_en if english else found.value_zh


def test_a_fact_in_simplified_chinese(stack, shop):
    reply = stack.say(sender(), "充电宝能不能带上飞机啊")
    assert fact(shop, "LM-EL-008", "airline") in reply and "严禁托运" in reply


def test_a_fact_in_traditional_chinese_is_answered_in_traditional(stack, shop):
    reply = stack.say(sender(), "智能手錶可以戴著游泳嗎")
    assert "5ATM" in reply and "潛水" in reply and "潜水" not in reply


def test_a_fact_in_cantonese(stack, shop):
    reply = stack.say(sender(), "頭戴式耳機重唔重")
    weight = fact(shop, "LM-EL-021", "weight")
    assert any(part in reply for part in (to_traditional(weight, "hk"), to_traditional(weight, "tw"))), reply


def test_a_fact_in_english(stack, shop):
    reply = stack.say(sender(), "can i take the power bank on a plane?")
    assert fact(shop, "LM-EL-008", "airline", english=True) in reply and "携带" not in reply


@pytest.mark.parametrize("message, marker", [
    ("羊毛大衣防水吗", UNKNOWN_ZH),
    ("T恤有多重", UNKNOWN_ZH),
    ("is the wool coat waterproof?", "don't say"),
])
def test_an_unknown_fact_is_said_to_be_unknown_and_a_human_offered(stack, message, marker):
    reply = stack.say(sender(), message)
    assert marker in reply, reply
    assert "转人工" in reply or "human" in reply
    assert "防水" not in reply.replace("防水吗", "").replace("：防水", "") or UNKNOWN_ZH in reply


def test_stock_out_with_a_restock_date(stack, shop):
    reply = stack.say(sender(), "大衣有没有黑色M码")
    restock = {v.variant_sku: v for v in shop.list_variants(sku="LM-AP-001")}["LM-AP-001-BK-M"].restock_date
    assert restock is not None and "暂时缺货" in reply and format_day(restock, "zh-Hans") in reply


def test_stock_out_without_a_date_and_only_a_few_left(stack):
    assert "到货时间还没有确定" in stack.say(sender(), "酒红色的羊绒围巾还有货吗")
    assert "仅剩1件" in stack.say(sender(), "燕麦色大衣L码有现货吗")


def test_stock_in_english(stack):
    reply = stack.say(sender(), "are the running shoes in stock in size 43, black?")
    assert "out of stock" in reply and "Black 43" in reply


def test_size_advice_takes_the_larger_size(stack):
    assert "43码" in stack.say(sender(), "我平时穿42码，跑步鞋要买多大的")
    reply = stack.say(sender(), "我身高165 体重60公斤，羊毛大衣穿什么码")
    assert "L码" in reply and "M" in reply  # between M and L: the larger


def test_compare_states_both_products_facts(stack, shop):
    reply = stack.say(sender(), "羊毛大衣和羽绒服哪个更暖和")
    assert fact(shop, "LM-AP-001", "warmth") in reply and fact(shop, "LM-AP-020", "warmth") in reply


def test_recommend_puts_what_is_in_stock_first(stack, shop):
    reply = stack.say(sender(), "有什么适合送长辈的")
    names = [p.name_zh for p in shop.list_products() if "送长辈" in p.suitable_for_zh]
    listed = [line for line in reply.splitlines() if line.startswith("·")]
    assert listed and all(any(name in line for name in names) for line in listed)
    assert "缺货" not in listed[0]


def test_promotions_only_those_in_force_today(stack, shop):
    reply = stack.say(sender(), "空气炸锅现在有优惠吗")
    today = [p.name_zh for p in shop.promotions_on(day=shop_today())]
    assert "暖冬家居节" in today and "暖冬家居节" in reply
    assert "双11" not in reply and "年终" not in reply
    assert "店铺券" in reply  # whether coupons stack


def test_a_shared_name_asks_which_with_buttons_then_answers(stack, shop):
    conversation = sender()
    replies = stack.send(conversation, "耳机续航多久")
    text = "\n".join(r.get("text", "") for r in replies)
    assert "入耳式" in text and "头戴式" in text
    buttons = [b for r in replies for b in r.get("buttons") or []]
    assert {b["title"] for b in buttons} == {"降噪蓝牙耳机", "头戴式降噪耳机"}
    over_ear = next(b for b in buttons if b["title"] == "头戴式降噪耳机")
    reply = stack.say(conversation, over_ear["payload"])
    assert fact(shop, "LM-EL-021", "battery_life") in reply
    assert fact(shop, "LM-EL-007", "battery_life") not in reply


def test_a_follow_up_chain_keeps_the_product_in_focus(stack, shop):
    conversation = sender()
    first = stack.say(conversation, "大衣有没有黑色M码")
    assert "暂时缺货" in first
    second = stack.say(conversation, "那L码呢")
    assert "黑色 L" in second and "有货" in second  # still the coat, still black
    third = stack.say(conversation, "和羽绒服比呢")
    assert "羊毛双面大衣" in third and "连帽羽绒服" in third
    fourth = stack.say(conversation, "那续航呢")  # a fact the coat does not have
    assert UNKNOWN_ZH in fourth


def test_a_follow_up_in_english(stack):
    conversation = sender()
    assert "T-shirt" in stack.say(conversation, "do you have the cotton tee in black, size M?")
    reply = stack.say(conversation, "what about white?")
    assert "White M" in reply and "in stock" in reply


def test_a_new_mention_replaces_the_focus(stack, shop):
    conversation = sender()
    stack.say(conversation, "羊毛大衣是什么面料")
    reply = stack.say(conversation, "那跑步鞋是什么面料")
    assert "羊绒10%" not in reply and (fact(shop, "LM-SH-005", "upper") in reply or UNKNOWN_ZH in reply)


def test_stock_api_roles_and_input_then_the_bot_states_the_new_stock(stack, shop):
    body = {"variant_sku": "LM-HM-026-220", "stock": 3}
    assert stack.api("POST", "/api/shop/stock", body)[0] == 401
    assert stack.api("POST", "/api/shop/stock", body, token="not-a-token")[0] == 401
    assert stack.api("POST", "/api/shop/stock", body, token=stack.login("agent"))[0] == 403
    editor = stack.login("editor")
    for bad in (-1, "3", 2.5, True, None):
        status, answer = stack.api("POST", "/api/shop/stock", {"variant_sku": "LM-HM-026-220", "stock": bad},
                                   token=editor)
        assert status == 422 and "stock" in str(answer), (bad, status, answer)
    assert stack.api("POST", "/api/shop/stock", {"variant_sku": "LM-NOPE-1", "stock": 1}, token=editor)[0] == 404
    before = stack.say(sender(), "白鹅绒羽绒被220×240cm的有货吗")
    assert "暂时缺货" in before
    assert stack.api("POST", "/api/shop/stock", body, token=editor) == (200, {"variant_sku": "LM-HM-026-220", "stock": 3})
    after = stack.say(sender(), "白鹅绒羽绒被220×240cm的有货吗")
    assert "仅剩3件" in after and "暂时缺货" not in after
