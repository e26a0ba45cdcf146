"""The FAQ store's errors as the web app answers them (faq.errors.ERRORS through web.errors):
exactly the JSON the editor reads — 404 naming what is missing, 409 with the entry as it is now,
422 with the field, the fix and every problem."""

from __future__ import annotations

import pytest

from faq.errors import ERRORS
from tests.unit.faq.test_working_copy import GIFT_CARD
from web.errors import DomainErrors

ANSWER = DomainErrors(ERRORS).answer


def answer_of(call, *args, **kwargs):
    with pytest.raises(Exception) as raised:
        call(*args, **kwargs)
    return ANSWER(raised.value)


def test_missing_entries_versions_and_jobs_are_404_naming_them(store):
    assert answer_of(store.get, "no_such_faq") == (404, {"error": "FAQ 'no_such_faq' not found"})
    assert answer_of(store.history, "no_such_faq") == (404, {"error": "FAQ 'no_such_faq' not found"})
    assert answer_of(store.update, "no_such_faq", {"answer_zh": "x"}, "editor") == \
        (404, {"error": "FAQ 'no_such_faq' not found"})
    assert answer_of(store.delete, "no_such_faq", "editor") == (404, {"error": "FAQ 'no_such_faq' not found"})
    assert answer_of(store.restore, "return_policy", 99, "editor") == \
        (404, {"error": "version 99 of FAQ 'return_policy' not found"})
    assert answer_of(store.publication, "0" * 32) == (404, {"error": f"publish job '{'0' * 32}' not found"})


def test_a_stale_save_is_409_with_the_entry_as_it_is_now(store):
    store.create(GIFT_CARD, "editor")
    store.update("gift_card_cash", {"answer_zh": "第二版"}, "editor", expected_version=1)
    status, body = answer_of(store.update, "gift_card_cash", {"answer_zh": "第三版"}, "editor2", expected_version=1)
    assert status == 409 and set(body) == {"error", "current"}
    assert "changed by editor at" in body["error"] and body["current"]["version"] == 2
    assert body["current"]["answer_zh"] == "第二版"


def test_an_invalid_entry_is_422_with_field_fix_and_problems(store):
    status, body = answer_of(store.create, {**GIFT_CARD, "answer_en": " "}, "editor")
    assert status == 422 and list(body) == ["error", "field", "problems"]
    assert body["field"] == "answer_en" and body["error"].startswith("answer_en: ") and " Fix: " in body["error"]
    problem = next(p for p in body["problems"] if p["field"] == "answer_en")
    assert problem["level"] == "error" and problem["fix"]
    store.create(GIFT_CARD, "editor")
    status, body = answer_of(store.create, GIFT_CARD, "editor")  # the id is taken: the check says so
    assert status == 422 and body["field"] == "id" and "already used" in body["error"]
