"""The FAQ working copy: versions, conflicts, history and restore, checks naming field and fix."""

from __future__ import annotations

import pytest

from faq.errors import FaqConflict, FaqInvalid, FaqNotFound
from faq.loader import load_catalogue
from tests.unit.faq.conftest import CONTENT

GIFT_CARD = {
    "id": "gift_card_cash",
    "category": "payment",
    "question_zh": "礼品卡可以兑换成现金吗？",
    "question_en": "Can a gift card be exchanged for cash?",
    "examples_zh": ["礼品卡能换钱吗", "购物卡可以提现不", "礼品卡余额能退吗"],
    "examples_en": ["gift card cash out", "can I get cash for my gift card", "refund gift card balance"],
    "answer_zh": "礼品卡不能兑换现金，可在有效期内购买任意商品。",
    "answer_en": "Gift cards cannot be exchanged for cash; use them on any product before they expire.",
}


def test_create_edit_with_versions_and_conflict_names_the_other_editor(store):
    entry, _ = store.create(GIFT_CARD, "editor")
    assert entry["version"] == 1
    edited, _ = store.update("gift_card_cash", {"answer_zh": "礼品卡不退现金。"}, "editor", expected_version=1)
    assert edited["version"] == 2 and edited["answer_zh"] == "礼品卡不退现金。"
    with pytest.raises(FaqConflict) as conflict:
        store.update("gift_card_cash", {"answer_zh": "另一种说法"}, "editor2", expected_version=1)
    message = str(conflict.value)
    assert "changed by editor at" in message and "UTC" in message and "version 2" in message
    assert store.get("gift_card_cash")["answer_zh"] == "礼品卡不退现金。"  # nothing lost


def test_history_and_restore_bring_back_an_earlier_version_even_after_delete(store):
    store.create(GIFT_CARD, "editor")
    store.update("gift_card_cash", {"answer_zh": "第二版答案"}, "editor")
    store.delete("gift_card_cash", "editor")
    with pytest.raises(FaqNotFound):
        store.get("gift_card_cash")
    history = store.history("gift_card_cash")
    assert [h["action"] for h in history] == ["deleted", "updated", "created"]
    restored, _ = store.restore("gift_card_cash", 1, "editor")
    assert restored["answer_zh"] == GIFT_CARD["answer_zh"] and restored["version"] == 4
    assert store.history("gift_card_cash")[0]["action"] == "restored"


def test_invalid_entries_name_field_and_fix(store):
    with pytest.raises(FaqInvalid) as error:
        store.create({**GIFT_CARD, "answer_zh": "  "}, "editor")
    problem = next(p for p in error.value.problems if p.level == "error")
    assert problem.field == "answer_zh" and problem.fix
    with pytest.raises(FaqInvalid) as duplicate:
        store.create({**GIFT_CARD, "id": "return_policy"}, "editor")
    assert any("already used" in p.message for p in duplicate.value.problems)


def test_a_question_another_entry_teaches_is_an_error_and_a_close_one_a_warning(store):
    other = store.entries()[0]
    with pytest.raises(FaqInvalid) as error:
        store.create({**GIFT_CARD, "examples_zh": [*GIFT_CARD["examples_zh"], other["question_zh"]]}, "editor")
    assert any(other["id"] in p.message for p in error.value.problems)
    close = other["question_zh"].rstrip("？?") + "呀"
    _, problems = store.check({**GIFT_CARD, "examples_zh": [*GIFT_CARD["examples_zh"], close]})
    warnings = [p for p in problems if p.level == "warning"]
    assert any(other["id"] in p.message and "close" in p.message for p in warnings), problems


def test_html_is_stored_as_text(store):
    entry, _ = store.create({**GIFT_CARD, "answer_en": "<script>alert(1)</script> no cash"}, "editor")
    assert store.get(entry["id"])["answer_en"] == "<script>alert(1)</script> no cash"


@pytest.mark.parametrize("category", ["../../endpoints", "../content/x", "/etc/passwd", "Payment"])
def test_a_category_that_is_a_path_is_refused_naming_the_field(store, category):
    with pytest.raises(FaqInvalid) as error:
        store.create({**GIFT_CARD, "category": category}, "editor")
    assert any(p.field == "category" and p.level == "error" for p in error.value.problems)
    with pytest.raises(FaqInvalid):
        store.update("return_policy", {"category": category}, "editor")
    assert {e["category"] for e in store.entries()} <= {c.name for c in load_catalogue(CONTENT)[0].categories}
