"""action_product_answer over the demo catalogue (SQLite, seeded as of 2026-11-22), with trackers as
Rasa sends them: the pick of a shared name, a follow-up keeping the colour, a shop without a catalogue."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.product_answers.answer import ActionProductAnswer
from shop.adapter import catalogue_of
from shop.demo import DemoShop
from shop.demo.seed import seed_demo_shop
from tests.databases import migrated_sqlite
from tests.unit.shop.two_order_shop import TwoOrderShop


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> DemoShop:
    url = migrated_sqlite(tmp_path_factory.mktemp("answers") / "app.db")
    seed_demo_shop(url, today=date(2026, 11, 22))
    return DemoShop(url)


def answer(shop: Any, text: str, intent: str, slots: dict[str, Any], entities: list | None = None,
           events: list | None = None) -> tuple[list[dict], dict[str, Any]]:
    class Answer(ActionProductAnswer):
        def catalogue(self) -> Any:
            return shop

    message = {"text": text, "intent": {"name": intent}, "entities": entities or []}
    dispatcher = CollectingDispatcher()
    tracker = Tracker("t", {"language": "zh-Hans", **slots}, message, events or [], False, None, {}, "action_listen")
    result = asyncio.run(Answer().run(dispatcher, tracker, {}))
    return dispatcher.messages, {**slots, **{e["name"]: e["value"] for e in result if e["event"] == "slot"}}


def test_a_shared_name_is_asked_then_the_pick_answers_the_question(shop):
    messages, slots = answer(shop, "手表防水吗", "product_fact", {})
    assert messages[0]["response"] == "utter_product_which" and "儿童电话手表" in messages[0]["question"]
    assert [b["title"] for b in messages[0]["buttons"]] == ["智能手表", "儿童电话手表"]
    # the payload comes back lower-cased by the NLU pipeline
    messages, slots = answer(shop, '/product_pick{"product_sku": "lm-el-022"}', "product_pick", slots,
                             [{"entity": "product_sku", "value": "lm-el-022"}])
    assert messages[0]["response"] == "utter_product_fact"
    assert messages[0]["value"] == shop.get_product(sku="LM-EL-022").fact("waterproof").value_zh
    assert slots["product_sku"] == "LM-EL-022" and slots["product_pending"] is None


def test_a_follow_up_keeps_the_colour_and_changes_the_size(shop):
    first = {"event": "user", "text": "大衣有没有黑色M码"}
    messages, slots = answer(shop, "大衣有没有黑色M码", "product_stock", {})
    said = [m for m in messages if m["response"]]  # a stock answer also sends the product card (custom)
    assert [m["response"] for m in said] == ["utter_product_stock_out"] and said[0]["variant"] == "黑色 M"
    assert [m["custom"]["product_card"]["sku"] for m in messages if m.get("custom")] == ["LM-AP-001"]
    messages, _ = answer(shop, "那L码呢", "product_followup", slots,
                         events=[first, {"event": "user", "text": "那L码呢"}])
    assert [(m["response"], m["variant"]) for m in messages if m["response"]] == [("utter_product_stock_in", "黑色 L")]


def test_an_unknown_fact_states_nothing(shop):
    messages, _ = answer(shop, "三体防水吗", "product_fact", {})
    assert [m["response"] for m in messages] == ["utter_product_fact_unknown"]


def test_a_shop_without_a_catalogue_offers_a_human(shop):
    messages, _ = answer(catalogue_of(TwoOrderShop()), "大衣防水吗", "product_fact", {})
    assert [m["response"] for m in messages] == ["utter_product_no_catalogue"]


@pytest.mark.parametrize("text, language, levels", [
    ("黑金卡会员有什么权益", "zh-Hans", ["黑金会员"]),
    ("黑金卡會員有什麼權益", "zh-Hant", ["黑金会员"]),
    ("what do black gold members get", "en", ["Black Gold"]),
    ("金卡和黑金卡会员有什么区别", "zh-Hans", ["金卡会员", "黑金会员"]),
    ("金卡会员有什么权益", "zh-Hans", ["金卡会员"]),
])
def test_a_tier_question_lists_that_tiers_benefits_not_a_tier_inside_its_name(shop, text, language, levels):
    messages, _ = answer(shop, text, "product_price", {"language": language})
    said = [m["level"] for m in messages if m["response"] == "utter_product_member_benefits"]
    assert said == levels, said
