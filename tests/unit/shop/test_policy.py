"""Order rules: the return window, exclusions, and that the FAQ states the same window."""

from __future__ import annotations

from datetime import date, datetime, timezone

from faq.loader import load_catalogue
from kefu.settings import ROOT
from shop.policy import NO_REASON_RETURN_DAYS, check_return, return_deadline, return_rule

DELIVERED = datetime(2026, 11, 14, 9, 20, tzinfo=timezone.utc)  # 17:20 Beijing time


def test_window_counts_from_the_day_after_delivery():
    assert return_deadline(DELIVERED) == date(2026, 11, 21)
    late_evening = datetime(2026, 11, 14, 16, 30, tzinfo=timezone.utc)  # 00:30 on the 15th in Beijing
    assert return_deadline(late_evening) == date(2026, 11, 22)


def test_check_return_outcomes():
    lines = [("A", "yes")]
    assert check_return("delivered", DELIVERED, lines, date(2026, 11, 21)).ok
    assert check_return("delivered", DELIVERED, lines, date(2026, 11, 22)).outcome == "window_closed"
    assert check_return("in_transit", None, lines, date(2026, 11, 15)).outcome == "not_delivered"
    assert check_return("refunding", DELIVERED, lines, date(2026, 11, 15)).outcome == "in_progress"
    mixed = check_return("delivered", DELIVERED, [("A", "yes"), ("B", "no:perishable"), ("C", "unopened_only")],
                         date(2026, 11, 15))
    assert mixed.ok and mixed.eligible == ("A", "C") and mixed.excluded == ("B",) and mixed.sealed == ("C",)
    only_excluded = check_return("delivered", DELIVERED, [("B", "no:custom_made")], date(2026, 11, 15))
    assert only_excluded.outcome == "excluded" and only_excluded.reasons == {"B": "custom_made"}


def test_unknown_return_field_is_not_a_promise():
    assert return_rule("no:digital_content") == ("no", "digital_content")
    assert return_rule("maybe") == ("no", None)
    assert return_rule("no:whatever") == ("no", None)


def test_the_faq_states_the_same_window():
    faqs = {faq.id: faq for faq in load_catalogue(ROOT / "faq" / "content")[0].faqs}
    assert f"{NO_REASON_RETURN_DAYS}天" in faqs["return_policy"].answer_zh
    assert f"{NO_REASON_RETURN_DAYS} days from the day after delivery" in faqs["return_policy"].answer_en
