"""The handoff summary for scripted conversations (an order, a complaint), in the agent's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from assist.conversation import load
from assist.summary import summarize
from faq.loader import load_catalogue
from shop.demo import DemoShop
from shop.demo.seed import seed_demo_shop
from tests.unit.assist.scripts import (
    ORDER,
    complaint_conversation,
    hand_over,
    order_conversation,
    product_conversation,
    said,
    start,
)

TITLES = {faq.id: (faq.question_zh, faq.question_en)
          for faq in load_catalogue(Path(__file__).resolve().parents[3] / "faq" / "content")[0].faqs}


@pytest.fixture
def shop(database_url: str) -> DemoShop:
    seed_demo_shop(database_url)
    return DemoShop(database_url)


def summary(url: str, shop: DemoShop, handoff_id: int, language: str = "zh") -> list[str]:
    return [line.text for line in summarize(load(url, handoff_id), language=language, database_url=url, shop=shop,
                                            titles=TITLES)]


def test_order_conversation(database_url, shop):
    lines = summary(database_url, shop, order_conversation(database_url))
    status = {"processing": "备货中", "shipped": "已发货", "in_transit": "运输中"}[shop.get_order(order_id=ORDER).status]
    assert lines == [
        "诉求：查订单 → FAQ 运费怎么算？ → 要求人工",
        f"订单：{ORDER} {status}（已验证）",
        "转人工：客户要求人工，“转人工”",
        "情绪：平稳",
        "客户：王芳，金卡会员，首次转人工",
    ]


def test_complaint_in_english_for_an_agent_who_reads_english(database_url, shop):
    lines = summary(database_url, shop, complaint_conversation(database_url), "en")
    assert lines == [
        "Wants: complaint",
        "Orders: 261112000345 delivered (not verified)",  # typed, never checked
        'Handoff: a complaint, "快递十天了还没到，太差了吧"',
        "Mood: upset (1 of 1 messages negative)",
    ]
    assert 3 <= len(lines) <= 6


def test_mood_over_the_conversation_and_earlier_contacts(database_url, shop):
    first = start("shopper-back", minutes_ago=300)
    said(first, "唔該 我想問下點樣退貨", "return_request", negative=0.1)
    hand_over(database_url, first, "customer_request", "唔該 我想問下點樣退貨", customer_id="C1001")
    from handoff.states import Status
    from handoff.store import HandoffStore

    store = HandoffStore(database_url)
    earlier = store.open_for("shopper-back")
    store.transition(earlier.id, Status.ACTIVE, actor="agent:agent", at=first.now, claimed_by="agent")
    store.transition(earlier.id, Status.RESOLVED, actor="agent:agent", at=first.now)

    again = start("shopper-back", minutes_ago=20)
    said(again, "等咗兩個禮拜都未到，好嬲", "complaint", negative=0.91)
    said(again, "算啦 幫我查下幾時到", "order_status", negative=0.2)
    handoff_id = hand_over(database_url, again, "negative_sentiment", "等咗兩個禮拜都未到，好嬲", customer_id="C1001")
    lines = summary(database_url, shop, handoff_id)
    assert lines[0] == "诉求：投诉 → 查订单"
    assert "情绪：曾不满，现已平稳（1/2 条消息带负面情绪）" in lines
    assert lines[-1] == "客户：王芳，金卡会员，此前转人工 1 次"
    assert "转人工：客户情绪不满，“等咗兩個禮拜都未到，好嬲”" in lines


def test_the_customer_s_open_follow_ups_end_the_summary(database_url, shop):
    import datetime as dt

    from customers.followups import FollowUps
    from web.customers import open_follow_ups

    tasks = FollowUps(database_url)
    handoff_id = order_conversation(database_url)  # 王芳, C1001
    tasks.create("C1001", note="回访：大衣退款是否到账", due=dt.date(2026, 12, 9), by="agent")
    done = tasks.create("C1001", note="回访：物流延误", due=None, by="agent")
    tasks.done(done.id, outcome="已解决")
    tasks.create("C1001", note="Ask whether the replacement fits " + "x" * 80, due=None, by="admin", assignee="lin")
    tasks.create("C1004", note="别人的回访", due=None, by="agent")

    def lines(language: str) -> list[str]:
        return [line.text for line in summarize(load(database_url, handoff_id), language=language,
                                                database_url=database_url, shop=shop, titles=TITLES,
                                                follow_ups=open_follow_ups(database_url))]

    zh = lines("zh")
    assert zh[-2] == "客户：王芳，金卡会员，首次转人工"
    assert zh[-1] == ("待回访：回访：大衣退款是否到账（截止 2026-12-09，agent）；"
                      f"Ask whether the replacement fits {'x' * 27}…（lin）")
    assert lines("en")[-1].startswith("Open follow-ups: 回访：大衣退款是否到账 (due 2026-12-09, agent); ")
    # nothing open: no line
    for task in tasks.of_customer("C1001"):
        if task.status == "open":
            tasks.done(task.id, outcome="ok")
    assert lines("zh")[-1] == "客户：王芳，金卡会员，首次转人工"


def test_a_product_conversation_names_the_products_from_the_catalogue(database_url, shop):
    handoff_id = product_conversation(database_url)
    coat, earbuds = shop.get_product(sku="LM-AP-001"), shop.get_product(sku="LM-EL-007")
    assert summary(database_url, shop, handoff_id)[:2] == [
        "诉求：问库存 → 问商品详情 → 要求人工",
        f"商品：羊毛双面大衣 LM-AP-001 ¥{coat.price_cny:,.2f}；降噪蓝牙耳机 LM-EL-007 ¥{earbuds.price_cny:,.2f}",
    ]
    english = summary(database_url, shop, handoff_id, "en")
    assert english[1] == (f"Products: Double-faced wool coat LM-AP-001 ¥{coat.price_cny:,.2f}; "
                          f"Noise-cancelling earbuds LM-EL-007 ¥{earbuds.price_cny:,.2f}")
