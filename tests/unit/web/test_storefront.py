"""The demo storefront says what the bot says: its policy figures come from faq/shop.yml and the
agents' hours, and the FAQ answers state the same figures (issue 22.6).

Edit a figure in faq/shop.yml without the FAQ answer, or an FAQ answer without faq/shop.yml, and
the agreement test below fails; the page itself cannot state a figure of its own (no digits in
its policy texts but the placeholders').
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from faq.loader import load_catalogue, load_shop_profile
from kefu.settings import ROOT, Settings, load_settings
from web.storefront import PAGE, StorefrontError, policy_facts, render, storefront_page

DEFAULT_AGENT_HOURS = Settings.__dataclass_fields__["handoff_service_hours"].default


@pytest.fixture(scope="module")
def facts() -> dict[str, str]:
    return policy_facts(load_shop_profile(ROOT / "faq" / "shop.yml"), DEFAULT_AGENT_HOURS)


@pytest.fixture(scope="module")
def answers() -> dict[str, tuple[str, str]]:
    catalogue, _problems = load_catalogue(ROOT / "faq" / "content")
    return {faq.id: (faq.answer_zh, faq.answer_en) for faq in catalogue.faqs}


def statements(facts: dict[str, str]) -> list[tuple[str, str, str]]:
    """(FAQ id, what its Chinese answer says, what its English answer says) for each figure."""
    opens, closes = facts["agent_hours"].split("–")
    return [
        ("shipping_fee", f"满{facts['free_shipping_from']}元免运费", f"¥{facts['free_shipping_from']} or more"),
        ("shipping_time", f"付款后{facts['dispatch_within_hours']}小时内发货",
         f"within {facts['dispatch_within_hours']} hours of payment"),
        ("product_authenticity", facts["counterfeit_zh"], f"{facts['counterfeit_en']} refund"),
        ("return_policy", f"自签收次日起{facts['no_reason_return_days']}天内",
         f"within {facts['no_reason_return_days']} days"),
        ("service_hours", f"人工在线客服每天{facts['agent_hours']}", f"from {opens} to {closes}"),
        ("service_hours", f"{facts['hotline']}每天{facts['hotline_hours']}",
         f"{facts['hotline']} is open {facts['hotline_hours']}"),
    ]


def test_the_faq_answers_state_the_storefront_figures(facts, answers):
    disagree = []
    for faq_id, zh, en in statements(facts):
        answer_zh, answer_en = answers[faq_id]
        if zh not in answer_zh:
            disagree.append(f"{faq_id}: answer_zh does not say {zh!r}: {answer_zh}")
        if en not in answer_en:
            disagree.append(f"{faq_id}: answer_en does not say {en!r}: {answer_en}")
    assert not disagree, "faq/shop.yml and faq/content disagree:\n" + "\n".join(disagree)


def page_texts(html: str) -> str:
    """The page's visible texts and its I18N strings (zh and en), tags and script code aside."""
    return re.sub(r"<[^>]+>", " ", html)


def test_the_rendered_page_shows_the_figures_and_none_of_the_old_contradictions(facts):
    html = storefront_page(_settings())
    text = page_texts(html)
    for shown in (f"实付满 {facts['free_shipping_from']} 元包邮", f"free shipping from ¥{facts['free_shipping_from']}",
                  f"现货付款后 {facts['dispatch_within_hours']} 小时内发货", f"品牌直供，{facts['counterfeit_zh']}",
                  f"{facts['counterfeit_en']} refund if fake", f"人工在线客服：每天 {facts['agent_hours']}",
                  f"客服热线：{facts['hotline']}（每天 {facts['hotline_hours']}）",
                  f"{facts['no_reason_return_days']} 天无理由退货"):
        assert shown in text, shown
    for old in ("满 299", "¥299", "7×24", "假一赔十", "当日发", "same-day", "shipped today", "服务时间：9:00–21:00", "{{"):
        assert old not in html, old


def test_the_page_states_no_policy_figure_of_its_own():
    """Every number in the page's policy texts is a placeholder: 满/赔/小时/天 next to a digit is not."""
    template = PAGE.read_text(encoding="utf-8")
    for pattern in (r"满\s*\d", r"赔[一二三四五六七八九十]", r"\d+\s*小时", r"\d+\s*天", r"¥\d", r"\d+\s*hours",
                    r"\d+-day", r"\d{1,2}:\d{2}"):
        assert not re.search(pattern, template), pattern


def test_the_agents_hours_follow_the_handoff_setting():
    settings = _settings(handoff_service_hours="00:00-24:00")
    assert "人工在线客服：每天 0:00–24:00" in storefront_page(settings)


def test_a_missing_figure_or_an_unknown_placeholder_stops_the_start_with_its_name():
    profile = load_shop_profile(ROOT / "faq" / "shop.yml")
    del profile["free_shipping_from"]
    with pytest.raises(StorefrontError, match="free_shipping_from"):
        policy_facts(profile, DEFAULT_AGENT_HOURS)
    with pytest.raises(StorefrontError, match="free_shiping_from"):
        render("<p>满 {{free_shiping_from}} 元包邮</p>", {"free_shipping_from": "99"})


def _settings(**changes: str) -> Settings:
    """The settings of this checkout with the default agents' hours (or ``changes``)."""
    return dataclasses.replace(load_settings(), **{"handoff_service_hours": DEFAULT_AGENT_HOURS, **changes})
